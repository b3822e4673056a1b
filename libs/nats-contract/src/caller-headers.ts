import { FraiseqlError } from '@fraiseql/errors';
import { toCaller, type Caller } from '@fraiseql/identity';
import { Match, type MsgHdrs } from 'nats';
import { HEADERS } from './names';

/** Writes the caller; absent parts (null subject/org, no roles) are left out. */
export function writeCallerHeaders(headers: MsgHdrs, caller: Caller): void {
  for (const key of [HEADERS.subject, HEADERS.orgId, HEADERS.roles]) headers.delete(key, Match.IgnoreCase);
  // Checked on the way out too: a caller that would not read back must not be sent.
  const checked = toCaller(caller, 'FRAISEQL_BAD_MESSAGE');
  if (checked.subject !== null) headers.set(HEADERS.subject, checked.subject);
  if (checked.orgId !== null) headers.set(HEADERS.orgId, checked.orgId);
  if (checked.roles.length > 0) headers.set(HEADERS.roles, checked.roles.join(','));
}

/** Reads the caller; missing headers mean anonymous parts. Anything malformed → FRAISEQL_BAD_MESSAGE. */
export function readCallerHeaders(headers: MsgHdrs | undefined): Caller {
  if (!headers) return toCaller({}, 'FRAISEQL_BAD_MESSAGE');
  const roles = single(headers, HEADERS.roles);
  return toCaller(
    {
      subject: single(headers, HEADERS.subject),
      orgId: single(headers, HEADERS.orgId),
      roles: roles === null || roles === '' ? [] : roles.split(','),
    },
    'FRAISEQL_BAD_MESSAGE',
  );
}

/** One value or none: a repeated caller header could smuggle a second identity past a check. */
function single(headers: MsgHdrs, key: string): string | null {
  const values = headers.values(key, Match.IgnoreCase);
  if (values.length > 1)
    throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Malformed caller headers: header ${key} appears ${values.length} times`);
  return values.length === 1 ? values[0]! : null;
}
