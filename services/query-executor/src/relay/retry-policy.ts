/**
 * The retry shape shared across the fleet (modelled on Temporal's RetryPolicy). The relay never
 * gives up — its rows wait in PostgreSQL — so it uses only the delay part.
 */
export interface RetryPolicy {
  /** Delay before the first retry. */
  initialIntervalMs: number;
  /** Each further retry waits this many times longer. */
  backoffCoefficient: number;
  /** The delay never grows beyond this. */
  maximumIntervalMs: number;
  /** Fraction (0..1) of the delay randomised, so replicas that failed together do not retry together. */
  jitter: number;
}

export const RELAY_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  initialIntervalMs: 100,
  backoffCoefficient: 2,
  maximumIntervalMs: 10_000,
  jitter: 0.2,
});

/** The delay before retry number `attempt` (1 = first retry). */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maximumIntervalMs, policy.initialIntervalMs * policy.backoffCoefficient ** Math.max(0, attempt - 1));
  const spread = base * policy.jitter;
  return Math.max(0, Math.round(base - spread + 2 * spread * random()));
}
