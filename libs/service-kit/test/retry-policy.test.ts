import { mayRetry, retryDelayMs, type RetryPolicy } from '../src';

const POLICY: RetryPolicy = { initialIntervalMs: 100, backoffCoefficient: 2, maximumIntervalMs: 10_000, jitter: 0.2 };

describe('retryDelayMs', () => {
  it('grows by the coefficient up to the maximum interval', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 8, 20].map((n) => retryDelayMs(POLICY, n, mid))).toEqual([100, 200, 400, 800, 10_000, 10_000]);
  });

  it('spreads each delay by the jitter fraction around its base', () => {
    expect(retryDelayMs(POLICY, 1, () => 0)).toBe(80);
    expect(retryDelayMs(POLICY, 1, { random: () => 1 })).toBe(120);
  });

  it('grows linearly or stays fixed when the policy says so, capped alike', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 200].map((n) => retryDelayMs({ ...POLICY, backoff: 'linear' }, n, mid))).toEqual([100, 200, 300, 10_000]);
    expect([1, 2, 9].map((n) => retryDelayMs({ ...POLICY, backoff: 'fixed' }, n, mid))).toEqual([100, 100, 100]);
  });

  it('with full jitter waits a random time between zero and the computed delay', () => {
    const full: RetryPolicy = { ...POLICY, jitter: 'full' };
    expect(retryDelayMs(full, 3, () => 0)).toBe(0);
    expect(retryDelayMs(full, 3, () => 0.999)).toBe(400);
    expect(retryDelayMs(full, 3, { random: () => 0, retryAfterMs: 250 })).toBe(250);
  });

  it('never waits less than the other side asked for (Retry-After)', () => {
    expect(retryDelayMs(POLICY, 1, { random: () => 0.5, retryAfterMs: 3000 })).toBe(3000);
    expect(retryDelayMs(POLICY, 8, { random: () => 0.5, retryAfterMs: 3000 })).toBe(10_000);
  });
});

describe('mayRetry', () => {
  it('retries forever without maximumAttempts, and up to it with one', () => {
    expect(mayRetry(POLICY, 1000)).toBe(true);
    const bounded = { ...POLICY, maximumAttempts: 3 };
    expect([1, 2, 3].map((attempt) => mayRetry(bounded, attempt))).toEqual([true, true, false]);
  });

  it('never retries a non-retryable error code', () => {
    const policy = { ...POLICY, nonRetryable: ['FRAISEQL_BAD_MESSAGE'] };
    expect(mayRetry(policy, 1, 'FRAISEQL_BAD_MESSAGE')).toBe(false);
    expect(mayRetry(policy, 1, 'FRAISEQL_TIMEOUT')).toBe(true);
  });
});
