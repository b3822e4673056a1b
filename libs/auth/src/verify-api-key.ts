import { FraiseqlError } from '@fraiseql/errors';
import { toCaller, type Caller } from '@fraiseql/identity';
import { apiKeySecretMatches, parseApiKey } from './api-key';
import type { ApiKeyDirectory } from './api-key-directory';
import type { ApiKeyRecord } from './api-key-record';

/** The subject of a caller authenticated by an API key: `apikey:<id>`. */
export const API_KEY_SUBJECT_PREFIX = 'apikey:';

/** The caller an API key stands for; an unknown, wrong, revoked or expired key is FRAISEQL_UNAUTHENTICATED. */
export function verifyApiKey(directory: ApiKeyDirectory, token: string, now: Date = new Date()): Caller {
  const parsed = parseApiKey(token);
  if (parsed === null) throw unauthenticated('The API key is malformed');
  const record = directory.lookup(parsed.id);
  // Compared even for an unknown id, so that the answer takes as long either way.
  const matches = apiKeySecretMatches(parsed.secret, record?.hash ?? '');
  if (record === undefined || !matches) throw unauthenticated('The API key is not valid');
  assertUsable(record, now);
  return toCaller({ subject: API_KEY_SUBJECT_PREFIX + record.id, orgId: record.orgId, roles: record.roles }, 'FRAISEQL_UNAUTHENTICATED');
}

/**
 * For a caller authenticated earlier from an API key (a Flight session token made from one): refused
 * once the key is revoked, expired or gone. Other callers pass unchanged.
 */
export function assertApiKeyCallerValid(directory: ApiKeyDirectory | undefined, caller: Caller, now: Date = new Date()): void {
  if (caller.subject === null || !caller.subject.startsWith(API_KEY_SUBJECT_PREFIX)) return;
  const record = directory?.lookup(caller.subject.slice(API_KEY_SUBJECT_PREFIX.length));
  if (record === undefined) throw unauthenticated('The API key behind these credentials no longer exists');
  assertUsable(record, now);
}

function assertUsable(record: ApiKeyRecord, now: Date): void {
  if (record.revokedAt !== null && Date.parse(record.revokedAt) <= now.getTime()) throw unauthenticated('The API key has been revoked');
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now.getTime()) throw unauthenticated('The API key has expired');
}

function unauthenticated(message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_UNAUTHENTICATED', message);
}
