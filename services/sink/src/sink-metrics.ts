import type { BatchWriteReport } from '@fraiseql/jetstream-consumer';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { DataplaneName } from './dataplanes/dataplane-name';

/**
 * The sink's own metrics, per dataplane (`dataplane` = clickhouse | search); the consumer kit adds, per consumer
 * (`source` = sink-clickhouse | sink-search), events processed/failed/dead-lettered, in flight, and the backlog
 * (`fraiseql_sink_backlog_size`: the dataplane's lag in events) and DLQ items (`fraiseql_sink_dlq_items`).
 */
export interface SinkMetrics {
  recordWrite(dataplane: DataplaneName, report: BatchWriteReport): void;
}

/** `dataplanes`: the ones this sink runs, whose series start at 0 (an idle dataplane reads 0 rows/s, not no data). */
export function createSinkMetrics(registry: Registry, dataplanes: readonly DataplaneName[] = []): SinkMetrics {
  const registers = [registry];
  const labelNames = ['dataplane'] as const;
  const rows = new Counter({
    name: 'fraiseql_sink_rows_written_total',
    help: 'Events in batches the store confirmed (idempotent: a redelivered event is counted again, stored once).',
    labelNames,
    registers,
  });
  const batchRows = new Histogram({
    name: 'fraiseql_sink_batch_rows',
    help: 'Events per batch written.',
    labelNames,
    buckets: [1, 10, 100, 1000, 5000, 10_000, 20_000, 50_000, 100_000],
    registers,
  });
  const batchBytes = new Histogram({
    name: 'fraiseql_sink_batch_bytes',
    help: 'Encoded event bytes per batch written.',
    labelNames,
    buckets: [1 << 10, 1 << 14, 1 << 17, 1 << 20, 1 << 22, 1 << 24, 1 << 26, 1 << 28],
    registers,
  });
  const latency = new Histogram({
    name: 'fraiseql_sink_write_duration_seconds',
    help: 'Time of one batch write (insert or bulk index), by outcome.',
    labelNames: ['dataplane', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const retries = new Counter({
    name: 'fraiseql_sink_write_retries_total',
    help: 'Batch writes that failed and were held for another try (store unavailable) or split (refused), by error code.',
    labelNames: ['dataplane', 'error_type'] as const,
    registers,
  });
  for (const dataplane of dataplanes) {
    rows.inc({ dataplane }, 0);
    batchRows.zero({ dataplane });
    batchBytes.zero({ dataplane });
    latency.zero({ dataplane, outcome: 'ok' });
  }
  return {
    recordWrite(dataplane, report) {
      latency.observe({ dataplane, outcome: report.ok ? 'ok' : 'failed' }, report.seconds);
      if (!report.ok) {
        retries.inc({ dataplane, error_type: report.code ?? 'FRAISEQL_INTERNAL' });
        return;
      }
      rows.inc({ dataplane }, report.rows);
      batchRows.observe({ dataplane }, report.rows);
      batchBytes.observe({ dataplane }, report.bytes);
    },
  };
}
