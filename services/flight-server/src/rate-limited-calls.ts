import type { Metadata } from '@grpc/grpc-js';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import type { RateLimits } from '@fraiseql/rate-limits';
import { annotateActiveSpan } from '@fraiseql/service-kit';
import type { FlightSession } from './flight-principal';

/** What the handlers ask of authentication: the caller of a call, and Handshake's session token. `peer` is gRPC's `call.getPeer()`. */
export interface FlightCallers {
  principal(metadata: Metadata, peer?: string): Promise<AuthenticatedCaller>;
  handshake(
    metadata: Metadata,
    payload: Uint8Array | undefined,
    peer?: string,
  ): Promise<{ principal: AuthenticatedCaller; session: FlightSession }>;
}

/**
 * The client address of a gRPC peer, without its port: grpc-js servers report `127.0.0.1:51234` or `[::1]:51234`
 * (channels, `ipv4:…`/`ipv6:[…]:…`). Counting the port would give every new connection an allowance of its own.
 */
export function peerAddress(peer: string): string {
  const text = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$/.exec(text);
  if (v4) return v4[1]!;
  return text;
}

/**
 * Every Flight call, Handshake included, counts against its client address before its credentials are read
 * (FRAISEQL_RATE_LIMIT_IP_REQUESTS: credential guessing is bounded), and every call but Handshake against its caller's
 * request rate (per principal, per API key, per role: the same FRAISEQL_RATE_LIMIT_* allowance as the gateway,
 * docs/adr/0133-rate-limits.md) right after it is authenticated.
 */
export function rateLimitedCalls(auth: FlightCallers, limits: Pick<RateLimits, 'admitCaller' | 'admitAddress'>): FlightCallers {
  return {
    principal: async (metadata, peer) => {
      if (peer !== undefined) await limits.admitAddress(peerAddress(peer));
      const caller = await auth.principal(metadata, peer);
      // The call's span names its org, as the logs do (org ids are not secrets; subjects stay out).
      annotateActiveSpan({ 'fraiseql.org_id': caller.orgId ?? '' });
      await limits.admitCaller(caller);
      return caller;
    },
    handshake: async (metadata, payload, peer) => {
      if (peer !== undefined) await limits.admitAddress(peerAddress(peer));
      return auth.handshake(metadata, payload, peer);
    },
  };
}
