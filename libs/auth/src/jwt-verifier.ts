import { LRUCache } from 'lru-cache';
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { FraiseqlError } from '@fraiseql/errors';

export const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type JwksAlgorithm = (typeof JWKS_ALGORITHMS)[number];

export interface JwksOptions {
  /** The JWKS document; when absent, `oidcIssuer`'s discovery document names it. */
  jwksUrl?: string;
  /** An OIDC issuer: `<issuer>/.well-known/openid-configuration` gives `jwks_uri` and the expected `iss`. */
  oidcIssuer?: string;
  /** Required `iss` (defaults to the OIDC issuer). */
  issuer?: string;
  /** Accepted `aud` values (at least one required). */
  audience: string[];
  algorithms: JwksAlgorithm[];
  /** Least time between two fetches of the key set for a token with an unknown `kid` (jose's cooldown). */
  cooldownMs: number;
  /** A fetched key set is refetched after this long even when every `kid` is known. */
  cacheMaxAgeMs: number;
  /** Time to wait for the identity provider's documents. */
  fetchTimeoutMs: number;
}

export interface JwtVerifierOptions {
  /** HS256 shared secret (development, or deployments that mint their own tokens). */
  hs256Secret?: string;
  jwks?: JwksOptions;
  /** Accepted clock skew on `exp`/`nbf`, in seconds. */
  clockToleranceSec: number;
  /**
   * How long a token that verified is taken again without checking its signature (never past its `exp`); 0 = every
   * request verifies. Bounds how long a token signed by a key the provider withdrew keeps working.
   */
  verifiedCacheTtlMs?: number;
  /** Most tokens held in that cache (least recently used go first). */
  verifiedCacheSize?: number;
}

export type JwtVerifier = (token: string) => Promise<JWTPayload>;

/**
 * Verifies bearer JWTs: HS256 against the shared secret, the asymmetric algorithms against the
 * identity provider's JWKS (keys cached; an unknown `kid` refetches the set, at most once per
 * cooldown, so keys rotate without a restart). Each key type accepts only its own algorithms,
 * so a token cannot pick an HMAC check against a public key. Every refusal is
 * FRAISEQL_UNAUTHENTICATED; an identity provider that cannot be reached is FRAISEQL_AUTH_UNAVAILABLE.
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const secret = options.hs256Secret ? new TextEncoder().encode(options.hs256Secret) : undefined;
  const remote = options.jwks ? remoteKeySet(options.jwks) : undefined;

  const ttlMs = options.verifiedCacheTtlMs ?? 0;
  // A repeated token skips the signature check (the costly part: ~0.1–0.3 ms of CPU per ES256/RS256 verification).
  const verified = ttlMs > 0 ? new LRUCache<string, JWTPayload>({ max: options.verifiedCacheSize ?? 10_000, ttl: ttlMs }) : undefined;
  const verify = async (token: string): Promise<JWTPayload> => {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (error) {
      throw unauthenticated('The bearer token is not a JWT', error);
    }
    try {
      if (alg === 'HS256' && secret) {
        return (await jwtVerify(token, secret, { algorithms: ['HS256'], clockTolerance: options.clockToleranceSec })).payload;
      }
      if (remote && typeof alg === 'string' && (options.jwks!.algorithms as string[]).includes(alg)) {
        const { keys, issuer } = await remote.resolve();
        return (
          await jwtVerify(token, keys, {
            algorithms: options.jwks!.algorithms,
            issuer,
            audience: options.jwks!.audience,
            clockTolerance: options.clockToleranceSec,
            requiredClaims: ['iss', 'aud', 'exp'],
          })
        ).payload;
      }
    } catch (error) {
      throw refusal(error);
    }
    throw unauthenticated(`The token is not valid: its algorithm ${JSON.stringify(alg)} is not accepted here`);
  };
  if (!verified) return verify;
  return async (token) => {
    const cached = verified.get(token);
    if (cached !== undefined) {
      if (typeof cached.exp !== 'number' || cached.exp * 1000 > Date.now()) return cached;
      verified.delete(token);
    }
    const payload = await verify(token);
    // Never held past its own expiry (jose has checked exp with the clock tolerance; the cache does not add any).
    const untilExpiryMs = typeof payload.exp === 'number' ? payload.exp * 1000 - Date.now() : ttlMs;
    if (untilExpiryMs > 0) verified.set(token, payload, { ttl: Math.min(ttlMs, untilExpiryMs) });
    return payload;
  };
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/** The key set and expected issuer, discovered once (a failed discovery is retried at the next request). */
function remoteKeySet(options: JwksOptions): { resolve(): Promise<{ keys: KeySet; issuer: string }> } {
  let pending: Promise<{ keys: KeySet; issuer: string }> | undefined;
  const build = async (): Promise<{ keys: KeySet; issuer: string }> => {
    let jwksUrl = options.jwksUrl;
    let issuer = options.issuer;
    if (options.oidcIssuer !== undefined) {
      const discovered = await discover(options.oidcIssuer, options.fetchTimeoutMs);
      jwksUrl ??= discovered.jwksUri;
      issuer ??= discovered.issuer;
    }
    if (jwksUrl === undefined || issuer === undefined) throw new Error('JWKS URL or issuer missing (checked at start-up)');
    const keys = createRemoteJWKSet(new URL(jwksUrl), {
      cooldownDuration: options.cooldownMs,
      cacheMaxAge: options.cacheMaxAgeMs,
      timeoutDuration: options.fetchTimeoutMs,
    });
    return { keys, issuer };
  };
  return {
    resolve() {
      pending ??= build().catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
      return pending;
    },
  };
}

async function discover(oidcIssuer: string, timeoutMs: number): Promise<{ issuer: string; jwksUri: string }> {
  const url = `${oidcIssuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let document: unknown;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    document = await response.json();
  } catch (error) {
    throw new FraiseqlError('FRAISEQL_AUTH_UNAVAILABLE', `OIDC discovery at ${url} failed: ${(error as Error).message}`, { cause: error });
  }
  const { issuer, jwks_uri: jwksUri } = (document ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
  // OpenID Connect Discovery 1.0 §4.3: the document's issuer must be the one it was fetched for.
  if (typeof issuer !== 'string' || issuer.replace(/\/+$/, '') !== oidcIssuer.replace(/\/+$/, '') || typeof jwksUri !== 'string') {
    throw new FraiseqlError('FRAISEQL_AUTH_UNAVAILABLE', `OIDC discovery at ${url} did not return this issuer and a jwks_uri`);
  }
  return { issuer, jwksUri };
}

function refusal(error: unknown): FraiseqlError {
  if (error instanceof FraiseqlError) return error;
  if (error instanceof joseErrors.JWTExpired) return unauthenticated('The token has expired', error);
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (claim === 'iss') return unauthenticated('The token was issued by an issuer this deployment does not trust', error);
    if (claim === 'aud') return unauthenticated('The token is meant for another audience', error);
    return unauthenticated(`The token's "${claim}" claim is missing or not valid`, error);
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey)
    return unauthenticated("The token's signing key (kid) is not in the issuer's key set", error);
  if (error instanceof joseErrors.JWKSMultipleMatchingKeys) return unauthenticated("The token's key id matches several keys", error);
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid || !(error instanceof joseErrors.JOSEError)) {
    return new FraiseqlError(
      'FRAISEQL_AUTH_UNAVAILABLE',
      `The identity provider's key set could not be read: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (error.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(error.message)) {
    return new FraiseqlError('FRAISEQL_AUTH_UNAVAILABLE', `The identity provider's key set could not be read: ${error.message}`, {
      cause: error,
    });
  }
  return unauthenticated('The token is not valid', error);
}

function unauthenticated(message: string, cause?: unknown): FraiseqlError {
  return new FraiseqlError('FRAISEQL_UNAUTHENTICATED', message, cause === undefined ? {} : { cause });
}
