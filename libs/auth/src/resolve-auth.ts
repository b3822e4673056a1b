import { errors as joseErrors, jwtVerify } from 'jose';
import { FraiseqlError } from '@fraiseql/errors';
import { ANONYMOUS, type AuthContext } from '@fraiseql/nats-contract';

export interface AuthOptions {
  /** HS256 key; when absent, bearer tokens are not read and requests are anonymous. */
  jwtSecret?: string;
  /** Honour the x-fraiseql-dev-* headers (only when FRAISEQL_DEV_AUTH=1 was set explicitly). */
  devAuth: boolean;
}

/**
 * Request headers by lower-case name, as node's IncomingHttpHeaders has them (gRPC metadata
 * converts with `metadataToHeaders`). Only `authorization` and `x-fraiseql-dev-*` are read.
 */
export type AuthHeaders = Readonly<Record<string, string | string[] | undefined>>;

export type AuthResolver = (headers: AuthHeaders) => Promise<AuthContext>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Roles travel in a header and a comma-separated SQL setting: simple tokens only (as nats-contract checks). */
const ROLE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const MAX_ROLES = 64;

/**
 * The auth context of a request (HTTP headers or gRPC metadata), until the security issue brings API keys and OIDC:
 * a verified HS256 JWT when a secret is configured, else the development headers when
 * explicitly enabled, else anonymous. Bad credentials are FRAISEQL_UNAUTHENTICATED, never
 * a silent downgrade to anonymous.
 */
export function createAuthResolver(options: AuthOptions): AuthResolver {
  const key = options.jwtSecret ? new TextEncoder().encode(options.jwtSecret) : undefined;

  return async (headers) => {
    const authorization = single(headers.authorization);
    if (key && authorization !== undefined) {
      const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(authorization.trim());
      if (!match) throw unauthenticated('The Authorization header must be "Bearer <JWT>"');
      let claims: Record<string, unknown>;
      try {
        ({ payload: claims } = await jwtVerify(match[1]!, key, { algorithms: ['HS256'] }));
      } catch (error) {
        throw unauthenticated(error instanceof joseErrors.JWTExpired ? 'The token has expired' : 'The token is not valid', error);
      }
      return authContext(claims.sub, claims.org_id, claims.roles);
    }
    if (options.devAuth) {
      const subject = single(headers['x-fraiseql-dev-subject']);
      const org = single(headers['x-fraiseql-dev-org']);
      const roles = single(headers['x-fraiseql-dev-roles']);
      if (subject === undefined && org === undefined && roles === undefined) return ANONYMOUS;
      return authContext(subject, org, roles === undefined ? [] : roles.split(',').map((r) => r.trim()).filter((r) => r.length > 0));
    }
    return ANONYMOUS;
  };
}

function authContext(subject: unknown, orgId: unknown, roles: unknown): AuthContext {
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > 256) throw unauthenticated('The credentials name no subject');
  if (orgId !== undefined && orgId !== null && (typeof orgId !== 'string' || !UUID.test(orgId))) throw unauthenticated('The org id is not a UUID');
  if (roles !== undefined && (!Array.isArray(roles) || roles.length > MAX_ROLES || !roles.every((r) => typeof r === 'string' && ROLE.test(r)))) {
    throw unauthenticated('The roles must be a list of simple names');
  }
  return { subject, orgId: typeof orgId === 'string' ? orgId.toLowerCase() : null, roles: (roles as string[] | undefined) ?? [] };
}

function single(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function unauthenticated(message: string, cause?: unknown): FraiseqlError {
  return new FraiseqlError('FRAISEQL_UNAUTHENTICATED', message, cause === undefined ? {} : { cause });
}

/** Development headers let any caller pick its identity: a service refuses to start with them in production. */
export function assertDevAuthAllowed(service: string, config: { FRAISEQL_DEV_AUTH: boolean; FRAISEQL_ENV: 'development' | 'production' }): void {
  if (config.FRAISEQL_DEV_AUTH && config.FRAISEQL_ENV === 'production') {
    throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `Invalid configuration for service ${service}:\n  - FRAISEQL_DEV_AUTH: must not be set when FRAISEQL_ENV=production`);
  }
}
