import type { AccessOptions } from './schema-definition';

/** A token scope `s` is carried by the caller as the role `scope:s` (libs/auth, docs/adr/0130-authentication.md). */
export const SCOPE_ROLE_PREFIX = 'scope:';

/** The role names a caller may carry (libs/identity `toCaller`). */
export const ROLE_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
/** A scope, such that `scope:<scope>` is still a role name. */
const SCOPE_NAME = /^[A-Za-z0-9_.:-]{1,122}$/;

/**
 * Whether a caller holding `callerRoles` passes a compiled rule: no rule (undefined) passes everyone, a rule
 * passes a caller holding any one of its roles.
 */
export function holdsAnyRole(roles: readonly string[] | undefined, callerRoles: readonly string[]): boolean {
  return roles === undefined || roles.some((role) => callerRoles.includes(role));
}

/**
 * The compiled rule of authored `requiresRole` / `requiresScope` (and a query's older `roles`): one list of roles, scopes
 * as `scope:<s>`, first occurrence order, duplicates dropped; undefined when nothing was authored. Problems are appended
 * to `errors`, each naming `at`.
 */
export function accessRoles(options: AccessOptions & { roles?: readonly string[] }, at: string, errors: string[]): string[] | undefined {
  const roles: string[] = [];
  let authored = false;
  const read = (key: 'roles' | 'requiresRole' | 'requiresScope', pattern: RegExp, what: string): void => {
    const list: unknown = options[key];
    if (list === undefined) return;
    authored = true;
    if (!Array.isArray(list) || list.length === 0) {
      errors.push(`${at}: ${key} must be a non-empty list of ${what}s`);
      return;
    }
    for (const item of list) {
      if (typeof item !== 'string' || !pattern.test(item)) {
        errors.push(`${at}: ${key}: ${JSON.stringify(item)} is not a ${what} ([A-Za-z0-9_.:-])`);
      } else if (key === 'requiresRole' && item.startsWith(SCOPE_ROLE_PREFIX)) {
        errors.push(
          `${at}: ${key}: ${JSON.stringify(item)} names a scope; write requiresScope: [${JSON.stringify(item.slice(SCOPE_ROLE_PREFIX.length))}]`,
        );
      } else {
        roles.push(key === 'requiresScope' ? `${SCOPE_ROLE_PREFIX}${item}` : item);
      }
    }
  };
  read('roles', ROLE_NAME, 'role name');
  read('requiresRole', ROLE_NAME, 'role name');
  read('requiresScope', SCOPE_NAME, 'scope');
  return authored && roles.length > 0 ? [...new Set(roles)] : undefined;
}
