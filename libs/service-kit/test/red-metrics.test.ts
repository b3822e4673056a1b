import { Registry } from 'prom-client';
import { createRedMetrics } from '../src';

describe('createRedMetrics', () => {
  it('starts the success series of the given operations at 0, so rates and latency read 0 before the first request', async () => {
    const registry = new Registry();
    createRedMetrics(registry, { prefix: 'fraiseql_test', operations: ['query', 'mutation'] });
    const text = await registry.metrics();
    for (const operation of ['query', 'mutation']) {
      expect(text).toContain(`fraiseql_test_requests_total{operation="${operation}",outcome="success",code=""} 0`);
      expect(text).toContain(`fraiseql_test_request_duration_seconds_count{operation="${operation}",outcome="success"} 0`);
      expect(text).toContain(`fraiseql_test_requests_in_flight{operation="${operation}"} 0`);
    }
  });

  it('has no request series before the first request when no operations are named', async () => {
    const registry = new Registry();
    const red = createRedMetrics(registry, { prefix: 'fraiseql_test' });
    expect(await registry.metrics()).not.toContain('fraiseql_test_requests_total{');
    red.observe('query', undefined, 0.01);
    expect(await registry.metrics()).toContain('fraiseql_test_requests_total{operation="query",outcome="success",code=""} 1');
  });
});
