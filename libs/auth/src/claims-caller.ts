import type { JWTPayload } from 'jose';
import { FraiseqlError } from '@fraiseql/errors';
import { normalizeUuid, toCaller, type Caller } from '@fraiseql/identity';

/** Which claims carry the org, the roles and the org memberships (exact name first, then a dotted path: `realm_access.roles`). */
export interface ClaimNames {
  org: string;
  roles: string;
  orgs: string;
}

export const DEFAULT_CLAIM_NAMES: ClaimNames = { org: 'org_id', roles: 'roles', orgs: 'orgs' };

/** OAuth scopes travel as roles in this namespace, so every path that checks roles checks scopes too (docs/adr/0130-authentication.md). */
export const SCOPE_ROLE_PREFIX = 'scope:';

/**
 * The caller a verified token names. The org is the token's org claim, or the one org asked for
 * (x-fraiseql-org) when the token lists it among the caller's memberships — never another.
 */
export function callerFromClaims(claims: JWTPayload, names: ClaimNames, requestedOrg: string | undefined): Caller {
  if (typeof claims.sub !== 'string' || claims.sub.length === 0) throw unauthenticated('The token names no subject (sub)');
  const roles = claim(claims, names.roles) ?? [];
  if (!Array.isArray(roles)) throw unauthenticated(`The token's "${names.roles}" claim must be a list of role names`);
  if (roles.some((role) => typeof role === 'string' && role.startsWith(SCOPE_ROLE_PREFIX))) {
    throw unauthenticated(`The token's roles may not use the "${SCOPE_ROLE_PREFIX}" prefix: scopes come from the scope claim`);
  }
  const scopes = scopeList(claims);
  const tokenOrg = claim(claims, names.org);
  const memberships = claim(claims, names.orgs);
  if (memberships !== undefined && !Array.isArray(memberships))
    throw unauthenticated(`The token's "${names.orgs}" claim must be a list of org ids`);
  const caller = toCaller(
    { subject: claims.sub, orgId: tokenOrg, roles: [...new Set([...roles, ...scopes.map((s) => SCOPE_ROLE_PREFIX + s)])] },
    'FRAISEQL_UNAUTHENTICATED',
  );
  const member = (memberships ?? []).map((org) => normalizeUuid(org)).filter((org): org is string => org !== null);
  if (requestedOrg !== undefined) return { ...caller, orgId: chooseOrg(requestedOrg, caller.orgId, member) };
  if (caller.orgId === null && member.length === 1) return { ...caller, orgId: member[0]! };
  return caller;
}

/** The org a request asks for (x-fraiseql-org), checked against what the credential allows. */
export function chooseOrg(requested: string, credentialOrg: string | null, memberships: readonly string[]): string {
  const org = normalizeUuid(requested);
  if (org === null) throw new FraiseqlError('FRAISEQL_BAD_REQUEST', 'The x-fraiseql-org header is not an org id (a UUID)');
  if (org === credentialOrg || memberships.includes(org)) return org;
  throw new FraiseqlError('FRAISEQL_FORBIDDEN', 'The credentials do not grant access to the requested org');
}

function scopeList(claims: JWTPayload): string[] {
  const raw = claims.scope ?? claims.scp;
  if (raw === undefined) return [];
  const list = typeof raw === 'string' ? raw.split(' ') : raw;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string'))
    throw unauthenticated("The token's scope claim must be a string or a list of strings");
  return (list as string[]).filter((s) => s.length > 0);
}

function claim(claims: JWTPayload, name: string): unknown {
  if (name in claims) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function unauthenticated(message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_UNAUTHENTICATED', message);
}
