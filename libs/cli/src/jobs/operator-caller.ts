import { userInfo } from 'node:os';
import { FraiseqlError } from '@fraiseql/errors';
import { toCaller, type Caller } from '@fraiseql/identity';

/** The OS user running the CLI, as a caller subject token (white space and control characters dropped). */
function osUser(): string {
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    name = process.env.USER ?? process.env.USERNAME;
  }
  // eslint-disable-next-line no-control-regex
  const cleaned = (name ?? '').replace(/[\s\u0000-\u001f\u007f]+/g, '').slice(0, 200);
  return cleaned === '' ? 'unknown' : cleaned;
}

/**
 * The operator as the job API sees them: `{ subject: 'cli:<os user>', orgId, roles: ['admin'] }`. `org` is an org id,
 * `_` (or absent) for jobs without an org; anything else is FRAISEQL_BAD_REQUEST naming the flag.
 */
export function operatorCaller(org: string | null | undefined, flag = '--org'): Caller {
  const orgId = org === undefined || org === null || org === '_' ? null : org;
  try {
    return toCaller({ subject: `cli:${osUser()}`, orgId, roles: ['admin'] }, 'FRAISEQL_BAD_REQUEST');
  } catch (error) {
    throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `${flag} expects an org id (a UUID) or _ for none: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
