import { FraiseqlError } from '@fraiseql/errors';
import { ANONYMOUS_CALLER, toCaller, type Caller } from '@fraiseql/identity';
import type { ApiKeyDirectory } from './api-key-directory';
import { callerFromClaims, chooseOrg, DEFAULT_CLAIM_NAMES, type ClaimNames } from './claims-caller';
import { createJwtVerifier, type JwksOptions } from './jwt-verifier';
import { API_KEY_SUBJECT_PREFIX, verifyApiKey } from './verify-api-key';

export interface AuthOptions {
  /** HS256 key (development, or deployments minting their own tokens). */
  jwtSecret?: string;
  /** An identity provider's keys (JWKS, or OIDC discovery): RS256/ES256/EdDSA tokens with required `iss` and `aud`. */
  jwks?: JwksOptions;
  /** Which claims carry org, roles and org memberships (default org_id, roles, orgs). */
  claims?: ClaimNames;
  /** Accepted clock skew on `exp`/`nbf`, seconds (default 5). */
  clockToleranceSec?: number;
  /** How long a verified JWT is taken again without checking its signature (default 0: every request verifies). */
  verifiedTokenCacheTtlMs?: number;
  /** API keys (`Authorization: Bearer fqk_…` or `X-API-Key`); absent: API keys are refused. */
  apiKeys?: ApiKeyDirectory;
  /** Honour the x-fraiseql-dev-* headers (only when FRAISEQL_DEV_AUTH=1 was set explicitly). */
  devAuth: boolean;
}

/**
 * Request headers by lower-case name, as node's IncomingHttpHeaders has them (gRPC metadata
 * converts with `metadataToHeaders`). Read: `authorization`, `x-api-key`, `x-fraiseql-org`, `x-fraiseql-dev-*`.
 */
export type AuthHeaders = Readonly<Record<string, string | string[] | undefined>>;

export type AuthResolver = (headers: AuthHeaders) => Promise<Caller>;

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/** When the credentials a caller was resolved from stop being valid (epoch ms), by caller object. */
const expiries = new WeakMap<Caller, number>();

/**
 * When the credentials behind a caller this library resolved expire (a JWT's `exp`, an API key's `expiresAt`), in epoch
 * milliseconds; undefined for credentials without an expiry, development headers and anonymous callers. Long-lived
 * connections (WebSocket subscriptions) end then.
 */
export function credentialExpiresAt(caller: Caller): number | undefined {
  return expiries.get(caller);
}

function expiring(caller: Caller, expiresAtMs: number | undefined): Caller {
  if (expiresAtMs !== undefined && Number.isFinite(expiresAtMs)) expiries.set(caller, expiresAtMs);
  return caller;
}

/**
 * The caller of a request (HTTP headers or gRPC metadata): an API key, else a verified JWT, else
 * the development headers when explicitly enabled, else anonymous. Credentials that are present
 * but not accepted — malformed, wrongly signed, expired, wrong issuer or audience, unknown key,
 * revoked — are FRAISEQL_UNAUTHENTICATED in every mode: only a request with no credentials at all
 * is anonymous (docs/security.md, "Authentication").
 */
export function createAuthResolver(options: AuthOptions): AuthResolver {
  const verifyJwt =
    options.jwtSecret !== undefined || options.jwks !== undefined
      ? createJwtVerifier({
          ...(options.jwtSecret === undefined ? {} : { hs256Secret: options.jwtSecret }),
          ...(options.jwks === undefined ? {} : { jwks: options.jwks }),
          clockToleranceSec: options.clockToleranceSec ?? 5,
          verifiedCacheTtlMs: options.verifiedTokenCacheTtlMs ?? 0,
        })
      : undefined;
  const claimNames = options.claims ?? DEFAULT_CLAIM_NAMES;

  return async (headers) => {
    const authorization = single(headers.authorization);
    const apiKeyHeader = single(headers['x-api-key']);
    const requestedOrg = single(headers['x-fraiseql-org']);
    if (authorization !== undefined && apiKeyHeader !== undefined)
      throw unauthenticated('Send either an Authorization header or X-API-Key, not both');

    let credential: string | undefined = apiKeyHeader;
    if (authorization !== undefined) {
      const match = /^Bearer[ ]+(\S+)$/i.exec(authorization);
      if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>"');
      credential = match[1]!;
    }
    if (credential !== undefined) {
      if (credential.startsWith('fqk_')) {
        if (!options.apiKeys) throw unauthenticated('This deployment does not accept API keys');
        const caller = verifyApiKey(options.apiKeys, credential);
        const record = options.apiKeys.lookup(caller.subject!.slice(API_KEY_SUBJECT_PREFIX.length));
        const expiresAt = record?.expiresAt ? Date.parse(record.expiresAt) : undefined;
        return expiring(requestedOrg === undefined ? caller : { ...caller, orgId: chooseOrg(requestedOrg, caller.orgId, []) }, expiresAt);
      }
      if (apiKeyHeader !== undefined) throw unauthenticated('The X-API-Key header does not hold an API key (fqk_…)');
      if (!JWT_SHAPE.test(credential)) throw unauthenticated('The bearer token is neither a JWT nor an API key');
      if (!verifyJwt)
        throw unauthenticated(
          'This deployment accepts no bearer JWTs (no FRAISEQL_JWT_SECRET, FRAISEQL_AUTH_JWKS_URL or FRAISEQL_AUTH_OIDC_ISSUER)',
        );
      const claims = await verifyJwt(credential);
      return expiring(callerFromClaims(claims, claimNames, requestedOrg), typeof claims.exp === 'number' ? claims.exp * 1000 : undefined);
    }
    if (options.devAuth) {
      const subject = single(headers['x-fraiseql-dev-subject']);
      const org = single(headers['x-fraiseql-dev-org']);
      const roles = single(headers['x-fraiseql-dev-roles']);
      if (subject === undefined && org === undefined && roles === undefined) return ANONYMOUS_CALLER;
      if (subject === undefined) throw unauthenticated('The development headers name no subject (x-fraiseql-dev-subject)');
      return toCaller(
        {
          subject,
          orgId: org,
          roles:
            roles === undefined
              ? []
              : roles
                  .split(',')
                  .map((r) => r.trim())
                  .filter((r) => r.length > 0),
        },
        'FRAISEQL_UNAUTHENTICATED',
      );
    }
    return ANONYMOUS_CALLER;
  };
}

function single(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function unauthenticated(message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_UNAUTHENTICATED', message);
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
