import { Registry } from 'prom-client';
import { consumerMetrics } from '../src/consumer-metrics';

describe('consumer metrics', () => {
  it('start the counters of a source at 0 when its probe is added, and read backlog and DLQ items from the probe', async () => {
    const registry = new Registry();
    const metrics = consumerMetrics(registry, 'fraiseql_test');
    expect(await registry.metrics()).not.toContain('fraiseql_test_events_processed_total{');
    const remove = metrics.addProbe('sink-test', { backlog: async () => 42, dlqItems: async () => 3 });
    const text = await registry.metrics();
    for (const name of [
      'events_processed_total',
      'events_redelivered_total',
      'dead_lettered_total',
      'dedup_detected_total',
      'dedup_unavailable_total',
    ])
      expect(text).toContain(`fraiseql_test_${name}{source="sink-test"} 0`);
    expect(text).toContain('fraiseql_test_events_in_flight{source="sink-test"} 0');
    expect(text).toContain('fraiseql_test_backlog_size{source="sink-test"} 42');
    expect(text).toContain('fraiseql_test_dlq_items{source="sink-test"} 3');
    remove();
    expect(await registry.metrics()).not.toContain('fraiseql_test_backlog_size{source="sink-test"}');
  });
});
