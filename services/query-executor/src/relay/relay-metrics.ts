import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RelayMetrics {
  published: Counter;
  duplicates: Counter;
  publishErrors: Counter;
  databaseErrors: Counter;
  batchSize: Histogram;
  inFlight: Gauge;
  pruned: Counter;
}

/**
 * The relay's metrics in the executor's registry. `lagSeconds` is read at scrape time (one index
 * probe), so the gauge is fresh even while the relay itself is stuck.
 */
export function createRelayMetrics(
  registry: Registry,
  lagSeconds: () => Promise<number>,
  maxInFlight: number,
  batchSizeLimit: number,
): RelayMetrics {
  const registers = [registry];
  new Gauge({
    name: 'fraiseql_relay_lag_seconds',
    help: 'Age of the oldest unpublished change-log row (0 when every row is published).',
    registers,
    async collect() {
      try {
        this.set(await lagSeconds());
      } catch {
        // PostgreSQL unreachable: keep the last value rather than report a false 0.
      }
    },
  });
  new Gauge({
    name: 'fraiseql_relay_max_in_flight',
    help: 'The bound on unacknowledged publishes (FRAISEQL_QUERY_EXECUTOR_RELAY_MAX_IN_FLIGHT).',
    registers,
    collect() {
      this.set(maxInFlight);
    },
  });
  const buckets = [1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10_000].filter((b) => b < batchSizeLimit);
  return {
    published: new Counter({
      name: 'fraiseql_relay_events_published_total',
      help: 'Events acknowledged by JetStream and marked published.',
      registers,
    }),
    duplicates: new Counter({
      name: 'fraiseql_relay_duplicates_total',
      help: 'Publishes JetStream acknowledged as duplicates of an event_id already stored (a retried batch).',
      registers,
    }),
    publishErrors: new Counter({
      name: 'fraiseql_relay_publish_errors_total',
      help: 'Publishes that failed or timed out (their batch was rolled back and retried).',
      registers,
    }),
    databaseErrors: new Counter({
      name: 'fraiseql_relay_database_errors_total',
      help: 'Claim, mark or prune statements that failed.',
      registers,
    }),
    batchSize: new Histogram({
      name: 'fraiseql_relay_batch_size',
      help: 'Rows claimed per non-empty batch.',
      buckets: [...buckets, batchSizeLimit],
      registers,
    }),
    inFlight: new Gauge({ name: 'fraiseql_relay_in_flight', help: 'Publishes sent and not yet acknowledged.', registers }),
    pruned: new Counter({ name: 'fraiseql_relay_pruned_total', help: 'Published change-log rows deleted after the retention.', registers }),
  };
}
