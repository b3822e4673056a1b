import type { RateLimits } from '@fraiseql/rate-limits';
import type { FlightAuthenticator } from './flight-principal';

/** What the handlers ask of authentication: the caller of a call, and Handshake's session token. */
export type FlightCallers = Pick<FlightAuthenticator, 'principal' | 'handshake'>;

/**
 * Every Flight call but Handshake counts against its caller's request rate (per principal, per API key, per role:
 * the same FRAISEQL_RATE_LIMIT_* allowance as the gateway, docs/adr/0133-rate-limits.md), right after it is
 * authenticated. Handshake only trades credentials for a session token and is not counted.
 */
export function rateLimitedCalls(auth: FlightCallers, limits: Pick<RateLimits, 'admitCaller'>): FlightCallers {
  return {
    principal: async (metadata) => {
      const caller = await auth.principal(metadata);
      await limits.admitCaller(caller);
      return caller;
    },
    handshake: (metadata, payload) => auth.handshake(metadata, payload),
  };
}
