/**
 * The retry shape shared across the fleet (observers, jobs, sinks, the change-log relay), modelled
 * on Temporal's RetryPolicy (CONVENTIONS: one shape everywhere). Durations are in milliseconds.
 */
export interface RetryPolicy {
  /** Delay before the first retry. */
  initialIntervalMs: number;
  /**
   * How the delay grows from one retry to the next (default `exponential`):
   * `fixed` = initialIntervalMs every time; `linear` = initialIntervalMs × n;
   * `exponential` = initialIntervalMs × backoffCoefficient^(n − 1) (n = 1 for the first retry).
   */
  backoff?: RetryBackoff;
  /** Growth factor of `exponential` backoff (default 2); unused by `fixed` and `linear`. */
  backoffCoefficient?: number;
  /** The delay never grows beyond this (before jitter). */
  maximumIntervalMs: number;
  /**
   * Randomisation, so replicas that failed together do not retry together: a fraction (0..1) spreads
   * the delay by ± that share around it (0.2 → 80 %..120 %); `'full'` draws it anywhere between 0 and
   * the computed delay (AWS "full jitter"). Default 0 (none).
   */
  jitter?: number | 'full';
  /** Attempts in all (the first try included); omitted or 0: retry forever (e.g. the relay, whose work waits in PostgreSQL). */
  maximumAttempts?: number;
  /** Error codes that are never retried (a `FraiseqlError` code, or a domain code). */
  nonRetryable?: readonly string[];
}

export type RetryBackoff = 'fixed' | 'linear' | 'exponential';

/** Options of one delay computation. */
export interface RetryDelayOptions {
  /** Source of randomness for the jitter (tests pin it). */
  random?: () => number;
  /** What the other side asked for (`Retry-After`): the delay is never shorter. */
  retryAfterMs?: number;
}

/** The delay before retry number `attempt` (1 = first retry). */
export function retryDelayMs(policy: RetryPolicy, attempt: number, options: RetryDelayOptions | (() => number) = {}): number {
  const { random = Math.random, retryAfterMs = 0 } = typeof options === 'function' ? { random: options } : options;
  const n = Math.max(1, attempt);
  const base = Math.min(policy.maximumIntervalMs, uncappedDelay(policy, n));
  const jitter = policy.jitter ?? 0;
  const delay = jitter === 'full' ? base * random() : base * (1 - jitter + 2 * jitter * random());
  return Math.max(retryAfterMs, 0, Math.round(delay));
}

function uncappedDelay(policy: RetryPolicy, n: number): number {
  switch (policy.backoff ?? 'exponential') {
    case 'fixed':
      return policy.initialIntervalMs;
    case 'linear':
      return policy.initialIntervalMs * n;
    case 'exponential':
      return policy.initialIntervalMs * (policy.backoffCoefficient ?? 2) ** (n - 1);
  }
}

/** Whether another attempt may follow attempt number `attempt` (1 = the first try) that failed with `code`. */
export function mayRetry(policy: RetryPolicy, attempt: number, code?: string): boolean {
  if (code !== undefined && policy.nonRetryable?.includes(code)) return false;
  return !policy.maximumAttempts || attempt < policy.maximumAttempts;
}
