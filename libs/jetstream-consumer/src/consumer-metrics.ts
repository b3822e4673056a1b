import { Counter, Gauge, type Registry } from 'prom-client';

/** What the scrape-time gauges read from JetStream for one consumer. */
export interface ConsumerProbe {
  /** num_pending + num_ack_pending of the durable consumer. */
  backlog(): Promise<number>;
  /** Dead letters of this source in FRAISEQL_DLQ. */
  dlqItems(): Promise<number>;
}

/**
 * The standard series of an event consumer, `<prefix>_…{source}`. Several consumers of one process
 * (sink-clickhouse and sink-search) share one set under one prefix and tell themselves apart by `source`.
 */
export interface ConsumerMetrics {
  processed: Counter<'source'>;
  failed: Counter<'source' | 'error_type'>;
  redelivered: Counter<'source'>;
  inFlight: Gauge<'source'>;
  deadLettered: Counter<'source'>;
  dedupDetected: Counter<'source'>;
  dedupUnavailable: Counter<'source'>;
  /** Registers the scrape-time probes of one source; the returned function removes them and their series. */
  addProbe(source: string, probe: ConsumerProbe): () => void;
}

const byRegistry = new WeakMap<Registry, Map<string, ConsumerMetrics>>();

export function consumerMetrics(registry: Registry, prefix: string): ConsumerMetrics {
  let byPrefix = byRegistry.get(registry);
  if (!byPrefix) byRegistry.set(registry, (byPrefix = new Map()));
  let metrics = byPrefix.get(prefix);
  if (!metrics) byPrefix.set(prefix, (metrics = createConsumerMetrics(registry, prefix)));
  return metrics;
}

function createConsumerMetrics(registry: Registry, prefix: string): ConsumerMetrics {
  const registers = [registry];
  const probes = new Map<string, ConsumerProbe>();
  const counter = (name: string, help: string) =>
    new Counter({ name: `${prefix}_${name}`, help, labelNames: ['source'] as const, registers });
  // A gauge read from JetStream on each scrape; a failed read keeps the last value rather than failing /metrics.
  const probed = (name: string, help: string, read: (probe: ConsumerProbe) => Promise<number>) =>
    new Gauge({
      name: `${prefix}_${name}`,
      help,
      labelNames: ['source'] as const,
      registers,
      async collect() {
        await Promise.all(
          [...probes].map(async ([source, probe]) => {
            try {
              this.set({ source }, await read(probe));
            } catch {
              // NATS unreachable or the stream missing: readiness reports it; the scrape still answers.
            }
          }),
        );
      },
    });
  const backlog = probed('backlog_size', 'Messages of the durable consumer not yet acked: num_pending + num_ack_pending.', (p) =>
    p.backlog(),
  );
  const dlqItems = probed('dlq_items', 'Dead letters of this source held in FRAISEQL_DLQ.', (p) => p.dlqItems());
  const processed = counter('events_processed_total', 'Events handled and acked.');
  const redelivered = counter('events_redelivered_total', 'Deliveries after the first (retries, expired ack waits, naks at drain).');
  const deadLettered = counter('dead_lettered_total', 'Dead letters written to FRAISEQL_DLQ (duplicates JetStream dropped not counted).');
  const dedupDetected = counter('dedup_detected_total', 'Dedup lookups that found the effect already done.');
  const dedupUnavailable = counter('dedup_unavailable_total', 'Dedup lookups and marks that failed because Redis was unavailable.');
  const inFlight = new Gauge({
    name: `${prefix}_events_in_flight`,
    help: 'Events being handled now.',
    labelNames: ['source'] as const,
    registers,
  });
  return {
    processed,
    failed: new Counter({
      name: `${prefix}_events_failed_total`,
      help: 'Failed attempts (including malformed messages), by error code.',
      labelNames: ['source', 'error_type'] as const,
      registers,
    }),
    redelivered,
    inFlight,
    deadLettered,
    dedupDetected,
    dedupUnavailable,
    addProbe(source, probe) {
      probes.set(source, probe);
      // The source's series start at 0: a dashboard shows a quiet consumer as 0 events/s, not as no data.
      for (const metric of [processed, redelivered, deadLettered, dedupDetected, dedupUnavailable]) metric.inc({ source }, 0);
      inFlight.inc({ source }, 0);
      return () => {
        probes.delete(source);
        backlog.remove({ source });
        dlqItems.remove({ source });
      };
    },
  };
}
