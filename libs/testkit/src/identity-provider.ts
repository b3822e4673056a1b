import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';

export type SigningAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyLike;
  /** The public key as the JWKS publishes it. */
  jwk: JWK;
}

export interface TokenOptions {
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative for an expired token (default 300). */
  expiresIn?: number;
}

/** A new signing key pair (the private key signs test tokens, the public one goes into the JWKS). */
export async function createSigningKey(kid: string, alg: SigningAlgorithm): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/**
 * A local OIDC identity provider for tests: `/jwks.json` (the keys in `keys`, swappable at any time, so rotation can be
 * tested), `/.well-known/openid-configuration`, a switch to make it fail, and a count of JWKS fetches.
 */
export class TestIdentityProvider {
  keys: SigningKey[] = [];
  jwksRequests = 0;
  /** While true every request answers 503. */
  down = false;
  /** The issuer the discovery document claims (default: this server's URL). */
  discoveryIssuer: string | undefined;
  url = '';
  private server: Server | undefined;

  static async start(keys: SigningKey[] = []): Promise<TestIdentityProvider> {
    const idp = new TestIdentityProvider();
    idp.keys = keys;
    idp.server = createServer((request, response) => {
      if (idp.down) {
        response.writeHead(503).end();
        return;
      }
      if (request.url === '/jwks.json') {
        idp.jwksRequests++;
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: idp.keys.map((k) => k.jwk) }));
      } else if (request.url === '/.well-known/openid-configuration') {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ issuer: idp.discoveryIssuer ?? idp.url, jwks_uri: `${idp.url}/jwks.json` }));
      } else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => idp.server!.listen(0, '127.0.0.1', resolve));
    idp.url = `http://127.0.0.1:${(idp.server.address() as AddressInfo).port}`;
    return idp;
  }

  get jwksUrl(): string {
    return `${this.url}/jwks.json`;
  }

  /** A token signed with `key`, issued by this provider (unless overridden) for `audience` (default fraiseql-api). */
  token(key: SigningKey, claims: Record<string, unknown>, options: TokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid })
      .setIssuer(options.issuer ?? this.url)
      .setAudience(options.audience ?? 'fraiseql-api')
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresIn ?? 300))
      .sign(key.privateKey);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
