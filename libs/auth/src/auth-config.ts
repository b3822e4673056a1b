import { z } from 'zod';
import { FraiseqlError } from '@fraiseql/errors';
import { configValue } from '@fraiseql/service-kit';
import type { ApiKeyDirectory } from './api-key-directory';
import { JWKS_ALGORITHMS, type JwksAlgorithm } from './jwt-verifier';
import type { AuthOptions } from './resolve-auth';

const claimName = z.string().trim().min(1).max(200);

/** The authentication keys every client-facing service reads (gateway, flight-server): one meaning everywhere. */
export const authConfigShape = {
  /** HS256 key for bearer JWTs (development, or self-minted tokens). Unset: no HS256. */
  FRAISEQL_JWT_SECRET: configValue.secret(z.string().min(32, 'must be at least 32 characters')).optional(),
  /** The identity provider's JWKS document. Needs FRAISEQL_AUTH_ISSUER and FRAISEQL_AUTH_AUDIENCE. */
  FRAISEQL_AUTH_JWKS_URL: configValue.url({ protocols: ['http', 'https'] }).optional(),
  /** An OIDC issuer: its discovery document gives the JWKS URL and the required `iss`. Needs FRAISEQL_AUTH_AUDIENCE. */
  FRAISEQL_AUTH_OIDC_ISSUER: configValue.url({ protocols: ['http', 'https'] }).optional(),
  /** Required `iss` of IdP tokens (defaults to FRAISEQL_AUTH_OIDC_ISSUER). */
  FRAISEQL_AUTH_ISSUER: z.string().trim().min(1).optional(),
  /** Accepted `aud` values of IdP tokens (comma-separated). */
  FRAISEQL_AUTH_AUDIENCE: configValue.list().optional(),
  /** Accepted signature algorithms of IdP tokens. */
  FRAISEQL_AUTH_ALGORITHMS: configValue
    .list({ item: z.enum(JWKS_ALGORITHMS, { message: `one of ${JWKS_ALGORITHMS.join(', ')}` }) })
    .default('RS256,ES256,EdDSA'),
  /** Least time between two JWKS fetches caused by an unknown `kid` (bounds what forged tokens cost the IdP). */
  FRAISEQL_AUTH_JWKS_COOLDOWN_MS: configValue.durationMs({ min: 0, max: 3_600_000 }).default(30_000),
  /** A fetched JWKS is refetched after this long even when no unknown `kid` arrived. */
  FRAISEQL_AUTH_JWKS_CACHE_MAX_AGE_MS: configValue.durationMs({ min: 1000 }).default(600_000),
  /** Time allowed to fetch the discovery document or the JWKS. */
  FRAISEQL_AUTH_FETCH_TIMEOUT_MS: configValue.durationMs({ min: 100, max: 60_000 }).default(5000),
  /** Accepted clock skew on `exp`/`nbf`, in seconds. */
  FRAISEQL_AUTH_CLOCK_TOLERANCE_S: configValue.positiveInt({ min: 0, max: 300 }).default(5),
  /**
   * A JWT that verified is taken again without checking its signature for this long (never past its exp); 0 = verify
   * every request. Also how long a token signed by a key the provider withdrew can keep working.
   */
  FRAISEQL_AUTH_TOKEN_CACHE_TTL_MS: configValue.durationMs({ min: 0, max: 3_600_000 }).default(60_000),
  /** The claim holding the caller's org id (a dotted path reaches nested claims). */
  FRAISEQL_AUTH_ORG_CLAIM: claimName.default('org_id'),
  /** The claim holding the caller's roles (a list). */
  FRAISEQL_AUTH_ROLES_CLAIM: claimName.default('roles'),
  /** The claim listing the orgs the caller may switch to with the x-fraiseql-org header. */
  FRAISEQL_AUTH_ORGS_CLAIM: claimName.default('orgs'),
  /** Accept API keys (Bearer fqk_… or X-API-Key), read from the KV bucket FRAISEQL_API_KEYS. */
  FRAISEQL_AUTH_API_KEYS: configValue.boolean().default(true),
};

type AuthConfig = z.output<z.ZodObject<typeof authConfigShape>> & { FRAISEQL_DEV_AUTH: boolean };

/** The resolver options of a loaded config; the combinations one key cannot check are refused here, at start-up. */
export function authOptionsFromConfig(service: string, config: AuthConfig, apiKeys?: ApiKeyDirectory): AuthOptions {
  const problems: string[] = [];
  const idp = config.FRAISEQL_AUTH_JWKS_URL !== undefined || config.FRAISEQL_AUTH_OIDC_ISSUER !== undefined;
  if (idp && (config.FRAISEQL_AUTH_AUDIENCE ?? []).length === 0)
    problems.push(
      'FRAISEQL_AUTH_AUDIENCE: required with FRAISEQL_AUTH_JWKS_URL or FRAISEQL_AUTH_OIDC_ISSUER (tokens must name their audience)',
    );
  if (
    config.FRAISEQL_AUTH_JWKS_URL !== undefined &&
    config.FRAISEQL_AUTH_ISSUER === undefined &&
    config.FRAISEQL_AUTH_OIDC_ISSUER === undefined
  )
    problems.push('FRAISEQL_AUTH_ISSUER: required with FRAISEQL_AUTH_JWKS_URL (tokens must name their issuer)');
  if (!idp && (config.FRAISEQL_AUTH_ISSUER !== undefined || config.FRAISEQL_AUTH_AUDIENCE !== undefined))
    problems.push('FRAISEQL_AUTH_ISSUER/FRAISEQL_AUTH_AUDIENCE: only meaningful with FRAISEQL_AUTH_JWKS_URL or FRAISEQL_AUTH_OIDC_ISSUER');
  if (problems.length > 0) {
    throw new FraiseqlError(
      'FRAISEQL_CONFIG_INVALID',
      `Invalid configuration for service ${service}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return {
    devAuth: config.FRAISEQL_DEV_AUTH,
    ...(config.FRAISEQL_JWT_SECRET === undefined ? {} : { jwtSecret: config.FRAISEQL_JWT_SECRET }),
    ...(idp
      ? {
          jwks: {
            ...(config.FRAISEQL_AUTH_JWKS_URL === undefined ? {} : { jwksUrl: config.FRAISEQL_AUTH_JWKS_URL }),
            ...(config.FRAISEQL_AUTH_OIDC_ISSUER === undefined ? {} : { oidcIssuer: config.FRAISEQL_AUTH_OIDC_ISSUER }),
            ...(config.FRAISEQL_AUTH_ISSUER === undefined ? {} : { issuer: config.FRAISEQL_AUTH_ISSUER }),
            audience: config.FRAISEQL_AUTH_AUDIENCE ?? [],
            algorithms: config.FRAISEQL_AUTH_ALGORITHMS as JwksAlgorithm[],
            cooldownMs: config.FRAISEQL_AUTH_JWKS_COOLDOWN_MS,
            cacheMaxAgeMs: config.FRAISEQL_AUTH_JWKS_CACHE_MAX_AGE_MS,
            fetchTimeoutMs: config.FRAISEQL_AUTH_FETCH_TIMEOUT_MS,
          },
        }
      : {}),
    claims: { org: config.FRAISEQL_AUTH_ORG_CLAIM, roles: config.FRAISEQL_AUTH_ROLES_CLAIM, orgs: config.FRAISEQL_AUTH_ORGS_CLAIM },
    clockToleranceSec: config.FRAISEQL_AUTH_CLOCK_TOLERANCE_S,
    verifiedTokenCacheTtlMs: config.FRAISEQL_AUTH_TOKEN_CACHE_TTL_MS,
    ...(apiKeys === undefined ? {} : { apiKeys }),
  };
}
