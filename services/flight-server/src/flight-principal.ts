import { createHmac } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { decodeJwt, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { assertApiKeyCallerValid, createAuthResolver, type AuthHeaders, type AuthOptions, type AuthResolver } from '@fraiseql/auth';
import { FraiseqlError } from '@fraiseql/errors';
import { toCaller, type AuthenticatedCaller } from '@fraiseql/identity';

const SESSION_ISSUER = 'fraiseql-flight';
const SESSION_AUDIENCE = 'fraiseql-flight-session';
const SESSION_KEY_LABEL = 'fraiseql.flight-session.v1';

export interface FlightAuthOptions extends AuthOptions {
  /** The ticket secret: session tokens are signed with a key derived from it. */
  secret: string;
  sessionTtlMs: number;
}

export interface FlightSession {
  token: string;
  expiresAt: Date;
}

/** gRPC metadata as the header map libs/auth reads (text values only). */
function metadataToHeaders(metadata: Metadata): AuthHeaders {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (typeof value === 'string') headers[key.toLowerCase()] = value;
  }
  return headers;
}

/**
 * Who is calling: a Handshake session token (HS256, issuer fraiseql-flight, signed with a key
 * derived from the ticket secret, so any replica accepts it) or whatever libs/auth accepts
 * (an identity provider's or HS256 JWT, an API key, or x-fraiseql-dev-* metadata with FRAISEQL_DEV_AUTH=1).
 * Every data call needs a subject: anonymous callers get UNAUTHENTICATED.
 */
export class FlightAuthenticator {
  private readonly resolve: AuthResolver;
  private readonly sessionKey: Uint8Array;

  constructor(private readonly options: FlightAuthOptions) {
    this.resolve = createAuthResolver(options);
    this.sessionKey = createHmac('sha256', options.secret).update(SESSION_KEY_LABEL).digest();
  }

  /** The caller of a call, from its metadata. */
  async principal(metadata: Metadata): Promise<AuthenticatedCaller> {
    const headers = metadataToHeaders(metadata);
    const raw = headers.authorization;
    const bearer = /^Bearer (\S+)$/.exec((typeof raw === 'string' ? raw : '').trim())?.[1];
    if (bearer && this.isSessionToken(bearer)) return this.verifySession(bearer);
    const auth = await this.resolve(headers);
    if (auth.subject === null) {
      throw new FraiseqlError(
        'FRAISEQL_UNAUTHENTICATED',
        'Flight calls need credentials: send "authorization: Bearer <JWT or session token>" (Handshake returns a session token).',
      );
    }
    return { ...auth, subject: auth.subject };
  }

  /** Handshake: the JWT (payload or authorization header) in, a session token out. */
  async handshake(
    metadata: Metadata,
    payload: Uint8Array | undefined,
  ): Promise<{ principal: AuthenticatedCaller; session: FlightSession }> {
    let principal: AuthenticatedCaller;
    const fromPayload = payload && payload.byteLength > 0 ? Buffer.from(payload).toString('utf8').trim() : '';
    if (fromPayload !== '') {
      const headers = { ...metadataToHeaders(metadata), authorization: `Bearer ${fromPayload}` };
      if (this.isSessionToken(fromPayload)) principal = await this.verifySession(fromPayload);
      else {
        const auth = await this.resolve(headers);
        if (auth.subject === null) throw new FraiseqlError('FRAISEQL_UNAUTHENTICATED', 'The Handshake payload is not an accepted token.');
        principal = { ...auth, subject: auth.subject };
      }
    } else {
      principal = await this.principal(metadata);
    }
    let expiresAtMs = Date.now() + this.options.sessionTtlMs;
    const jwtExp = fromPayload !== '' ? safeExpiry(fromPayload) : undefined;
    if (jwtExp !== undefined) expiresAtMs = Math.min(expiresAtMs, jwtExp * 1000);
    const token = await new SignJWT({ org_id: principal.orgId, roles: [...principal.roles] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(principal.subject)
      .setIssuer(SESSION_ISSUER)
      .setAudience(SESSION_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAtMs / 1000))
      .sign(this.sessionKey);
    return { principal, session: { token, expiresAt: new Date(Math.floor(expiresAtMs / 1000) * 1000) } };
  }

  private isSessionToken(token: string): boolean {
    try {
      return decodeJwt(token).iss === SESSION_ISSUER;
    } catch {
      return false;
    }
  }

  private async verifySession(token: string): Promise<AuthenticatedCaller> {
    let caller: AuthenticatedCaller;
    try {
      const { payload } = await jwtVerify(token, this.sessionKey, {
        algorithms: ['HS256'],
        issuer: SESSION_ISSUER,
        audience: SESSION_AUDIENCE,
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('no subject');
      caller = {
        ...toCaller({ subject: payload.sub, orgId: payload.org_id, roles: payload.roles }, 'FRAISEQL_UNAUTHENTICATED'),
        subject: payload.sub,
      };
    } catch (error) {
      const expired = error instanceof joseErrors.JWTExpired;
      throw new FraiseqlError(
        'FRAISEQL_UNAUTHENTICATED',
        expired ? 'The Flight session token has expired: Handshake again.' : 'The Flight session token is not valid: Handshake again.',
        { cause: error },
      );
    }
    // A session made from an API key ends when the key is revoked or expires, not only at its own expiry.
    assertApiKeyCallerValid(this.options.apiKeys, caller);
    return caller;
  }
}

function safeExpiry(token: string): number | undefined {
  try {
    const exp = decodeJwt(token).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}
