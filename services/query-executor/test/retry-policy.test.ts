import { RELAY_RETRY_POLICY, retryDelayMs } from '../src/relay/retry-policy';

describe('retryDelayMs', () => {
  it('grows by the coefficient up to the maximum interval', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 8, 20].map((n) => retryDelayMs(RELAY_RETRY_POLICY, n, mid))).toEqual([100, 200, 400, 800, 10_000, 10_000]);
  });

  it('spreads each delay by the jitter fraction around its base', () => {
    expect(retryDelayMs(RELAY_RETRY_POLICY, 1, () => 0)).toBe(80);
    expect(retryDelayMs(RELAY_RETRY_POLICY, 1, () => 1)).toBe(120);
  });
});
