import { Registry } from 'prom-client';
import { createSinkMetrics } from '../src/sink-metrics';

describe('sink metrics', () => {
  it('start the series of each running dataplane at 0, so rows/s and write latency read 0 before the first batch', async () => {
    const registry = new Registry();
    const metrics = createSinkMetrics(registry, ['clickhouse', 'search']);
    let text = await registry.metrics();
    for (const dataplane of ['clickhouse', 'search']) {
      expect(text).toContain(`fraiseql_sink_rows_written_total{dataplane="${dataplane}"} 0`);
      expect(text).toContain(`fraiseql_sink_write_duration_seconds_count{dataplane="${dataplane}",outcome="ok"} 0`);
      expect(text).toContain(`fraiseql_sink_batch_rows_count{dataplane="${dataplane}"} 0`);
    }
    expect(text).not.toContain('dataplane="search-audit"');
    metrics.recordWrite('clickhouse', { ok: true, rows: 250, bytes: 4096, seconds: 0.02, failures: 0 });
    text = await registry.metrics();
    expect(text).toContain('fraiseql_sink_rows_written_total{dataplane="clickhouse"} 250');
  });
});
