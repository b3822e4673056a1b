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

  it('never waits less than the other side asked for (Retry-After)', () => {
    expect(retryDelayMs(POLICY, 1, { random: () => 0.5, retryAfterMs: 3000 })).toBe(3000);
    expect(retryDelayMs(POLICY, 8, { random: () => 0.5, retryAfterMs: 3000 })).toBe(10_000);
  });

  it('waits the same interval every time with fixed backoff, capped by the maximum', () => {
    const fixed: RetryPolicy = { initialIntervalMs: 500, backoff: 'fixed', maximumIntervalMs: 10_000 };
    expect([1, 2, 5, 50].map((n) => retryDelayMs(fixed, n))).toEqual([500, 500, 500, 500]);
    expect(retryDelayMs({ ...fixed, maximumIntervalMs: 300 }, 3)).toBe(300);
  });

  it('adds the initial interval at each retry with linear backoff, up to the maximum', () => {
    const linear: RetryPolicy = { initialIntervalMs: 250, backoff: 'linear', maximumIntervalMs: 1000 };
    expect([1, 2, 3, 4, 5, 9].map((n) => retryDelayMs(linear, n))).toEqual([250, 500, 750, 1000, 1000, 1000]);
  });

  it('defaults to exponential backoff with coefficient 2 and no jitter', () => {
    const plain: RetryPolicy = { initialIntervalMs: 100, maximumIntervalMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(plain, n, () => 0))).toEqual([100, 200, 400, 800, 1000]);
    expect(retryDelayMs({ ...plain, backoff: 'exponential', backoffCoefficient: 3 }, 3, () => 0)).toBe(900);
  });

  it('draws a full-jitter delay anywhere between 0 and the computed delay', () => {
    const full: RetryPolicy = { ...POLICY, jitter: 'full' };
    expect(retryDelayMs(full, 3, () => 0)).toBe(0);
    expect(retryDelayMs(full, 3, () => 0.25)).toBe(100);
    expect(retryDelayMs(full, 3, () => 0.999999)).toBe(400);
    for (let i = 0; i < 200; i++) expect(retryDelayMs(full, 4)).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < 200; i++) expect(retryDelayMs(full, 4)).toBeLessThanOrEqual(800);
  });

  it('keeps Retry-After as a floor under full jitter too', () => {
    expect(retryDelayMs({ ...POLICY, jitter: 'full' }, 1, { random: () => 0, retryAfterMs: 2500 })).toBe(2500);
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
