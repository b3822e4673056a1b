import { RetryableError } from '@fraiseql/errors';

/** What a refusal was counted against: the label of `fraiseql_rate_limited_total`. */
export type RateLimiterName = 'ip' | 'principal' | 'api_key' | 'streams_per_principal' | 'rows_per_ticket';

/** Whole seconds to wait, as `Retry-After` carries them: rounded up, at least 1. */
export function retryAfterSeconds(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

/**
 * A request refused because its caller (or its address) used up its allowance: FRAISEQL_RATE_LIMITED,
 * HTTP 429 with `Retry-After`, gRPC RESOURCE_EXHAUSTED with a `retry-after` trailer.
 */
export class RateLimitedError extends RetryableError {
  constructor(
    readonly limiter: RateLimiterName,
    retryAfterMs: number,
    message: string,
  ) {
    super('FRAISEQL_RATE_LIMITED', message, retryAfterMs, {
      details: { limiter, retryAfterSeconds: retryAfterSeconds(retryAfterMs) },
    });
    this.name = 'RateLimitedError';
  }
}
