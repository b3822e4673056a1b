import { errors as joseErrors, jwtVerify } from 'jose';
import { FraiseqlError } from '@fraiseql/errors';
import { ANONYMOUS_CALLER, toCaller, type Caller } from '@fraiseql/identity';

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

export type AuthResolver = (headers: AuthHeaders) => Promise<Caller>;

/**
 * The caller of a request (HTTP headers or gRPC metadata), until the security issue brings API keys and OIDC:
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
      return authenticatedCaller({ subject: claims.sub, orgId: claims.org_id, roles: claims.roles });
    }
    if (options.devAuth) {
      const subject = single(headers['x-fraiseql-dev-subject']);
      const org = single(headers['x-fraiseql-dev-org']);
      const roles = single(headers['x-fraiseql-dev-roles']);
      if (subject === undefined && org === undefined && roles === undefined) return ANONYMOUS_CALLER;
      return authenticatedCaller({
        subject,
        orgId: org,
        roles:
          roles === undefined
            ? []
            : roles
                .split(',')
                .map((r) => r.trim())
                .filter((r) => r.length > 0),
      });
    }
    return ANONYMOUS_CALLER;
  };
}

/** Credentials must name a subject; the rest is checked by the one caller validation (libs/identity). */
function authenticatedCaller(input: { subject: unknown; orgId: unknown; roles: unknown }): Caller {
  if (typeof input.subject !== 'string' || input.subject.length === 0) throw unauthenticated('The credentials name no subject');
  return toCaller(input, 'FRAISEQL_UNAUTHENTICATED');
}

function single(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function unauthenticated(message: string, cause?: unknown): FraiseqlError {
  return new FraiseqlError('FRAISEQL_UNAUTHENTICATED', message, cause === undefined ? {} : { cause });
}

/** Development headers let any caller pick its identity: a service refuses to start with them in production. */
export function assertDevAuthAllowed(
  service: string,
  config: { FRAISEQL_DEV_AUTH: boolean; FRAISEQL_ENV: 'development' | 'production' },
): void {
  if (config.FRAISEQL_DEV_AUTH && config.FRAISEQL_ENV === 'production') {
    throw new FraiseqlError(
      'FRAISEQL_CONFIG_INVALID',
      `Invalid configuration for service ${service}:\n  - FRAISEQL_DEV_AUTH: must not be set when FRAISEQL_ENV=production`,
    );
  }
}
