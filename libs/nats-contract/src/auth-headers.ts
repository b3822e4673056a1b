import { FraiseqlError } from '@fraiseql/errors';
import { Match, type MsgHdrs } from 'nats';
import { HEADERS } from './names';

/** Who is asking, carried in the headers of every request and event (ARCHITECTURE §6, tenancy). */
export interface AuthContext {
  subject: string | null;
  orgId: string | null;
  roles: string[];
}

export const ANONYMOUS: Readonly<AuthContext> = Object.freeze({ subject: null, orgId: null, roles: Object.freeze([]) as unknown as string[] });

/** A role is a simple token, so the comma-separated header can never be ambiguous. */
const ROLE = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
// NATS trims header values and forbids CR/LF; rejecting these keeps every value a faithful round trip.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_VALUE_LENGTH = 1024;

/** Writes the auth context; absent parts (null subject/org, no roles) are left out. */
export function writeAuthHeaders(headers: MsgHdrs, auth: AuthContext): void {
  for (const key of [HEADERS.subject, HEADERS.orgId, HEADERS.roles]) headers.delete(key, Match.IgnoreCase);
  if (auth.subject !== null) headers.set(HEADERS.subject, checkValue(HEADERS.subject, auth.subject));
  if (auth.orgId !== null) headers.set(HEADERS.orgId, checkValue(HEADERS.orgId, auth.orgId));
  if (auth.roles.length > 0) {
    for (const role of auth.roles) checkRole(role);
    headers.set(HEADERS.roles, auth.roles.join(','));
  }
}

/** Reads the auth context; missing headers mean anonymous parts. Malformed → FRAISEQL_BAD_MESSAGE. */
export function readAuthHeaders(headers: MsgHdrs | undefined): AuthContext {
  if (!headers) return { subject: null, orgId: null, roles: [] };
  const subject = single(headers, HEADERS.subject);
  const orgId = single(headers, HEADERS.orgId);
  const rolesValue = single(headers, HEADERS.roles);
  const roles = rolesValue === null || rolesValue === '' ? [] : rolesValue.split(',');
  for (const role of roles) checkRole(role);
  return {
    subject: subject === null ? null : checkValue(HEADERS.subject, subject),
    orgId: orgId === null ? null : checkValue(HEADERS.orgId, orgId),
    roles,
  };
}

/** One value or none: a repeated auth header could smuggle a second identity past a check. */
function single(headers: MsgHdrs, key: string): string | null {
  const values = headers.values(key, Match.IgnoreCase);
  if (values.length > 1) throw bad(`header ${key} appears ${values.length} times`);
  return values.length === 1 ? values[0]! : null;
}

function checkValue(key: string, value: string): string {
  if (value === '' || value !== value.trim()) throw bad(`header ${key} is empty or has surrounding whitespace`);
  if (value.length > MAX_VALUE_LENGTH) throw bad(`header ${key} is longer than ${MAX_VALUE_LENGTH} characters`);
  if (CONTROL.test(value)) throw bad(`header ${key} contains a control character`);
  return value;
}

function checkRole(role: string): void {
  if (!ROLE.test(role) || role.length > 128) throw bad(`role ${JSON.stringify(role)} is not a simple token ([A-Za-z0-9_.:-])`);
}

function bad(message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Malformed auth headers: ${message}`);
}
