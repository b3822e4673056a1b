import { Registry } from 'prom-client';
import { createLogger } from '@fraiseql/service-kit';
import { RateLimits } from '../src';

describe('rate-limit metrics', () => {
  it('start every limiter at 0 refusals and 0 fallbacks, so a refusal rate reads 0/s until the first refusal', async () => {
    const registry = new Registry();
    const limits = RateLimits.off({ logger: createLogger({ service: 'test', level: 'silent' }), registry });
    const text = await registry.metrics();
    for (const limiter of ['ip', 'principal', 'api_key', 'streams_per_principal', 'rows_per_ticket']) {
      expect(text).toContain(`fraiseql_rate_limited_total{limiter="${limiter}"} 0`);
      expect(text).toContain(`fraiseql_rate_limit_fallback_total{limiter="${limiter}"} 0`);
    }
    await limits.close();
  });
});
