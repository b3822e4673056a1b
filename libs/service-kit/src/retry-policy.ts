/**
 * The retry shape shared across the fleet (observers, jobs, sinks, the change-log relay), modelled
 * on Temporal's RetryPolicy (CONVENTIONS: one shape everywhere). Durations are in milliseconds.
 */
export interface RetryPolicy {
  /**
   * How the delay grows: `exponential` (default: initial × coefficient^(n−1)), `linear` (initial × n)
   * or `fixed` (always the initial interval); never beyond `maximumIntervalMs`.
   */
  backoff?: 'exponential' | 'linear' | 'fixed';
  /** Delay before the first retry. */
  initialIntervalMs: number;
  /** Each further retry waits this many times longer (exponential backoff only). */
  backoffCoefficient: number;
  /** The delay never grows beyond this. */
  maximumIntervalMs: number;
  /**
   * A fraction (0..1) of the delay randomised around it, so replicas that failed together do not retry
   * together; or `full`: a random delay between 0 and the computed one (AWS's "full jitter").
   */
  jitter: number | 'full';
  /** Attempts in all (the first try included); omitted or 0: retry forever (e.g. the relay, whose work waits in PostgreSQL). */
  maximumAttempts?: number;
  /** Error codes that are never retried (a `FraiseqlError` code, or a domain code). */
  nonRetryable?: readonly string[];
}

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
  const grown =
    policy.backoff === 'fixed'
      ? policy.initialIntervalMs
      : policy.backoff === 'linear'
        ? policy.initialIntervalMs * n
        : policy.initialIntervalMs * policy.backoffCoefficient ** (n - 1);
  const base = Math.min(policy.maximumIntervalMs, grown);
  if (policy.jitter === 'full') return Math.max(retryAfterMs, Math.round(base * random()));
  const spread = base * policy.jitter;
  return Math.max(retryAfterMs, 0, Math.round(base - spread + 2 * spread * random()));
}

/** Whether another attempt may follow attempt number `attempt` (1 = the first try) that failed with `code`. */
export function mayRetry(policy: RetryPolicy, attempt: number, code?: string): boolean {
  if (code !== undefined && policy.nonRetryable?.includes(code)) return false;
  return !policy.maximumAttempts || attempt < policy.maximumAttempts;
}
