import { Counter, Gauge, type Registry } from 'prom-client';

export interface ConsumerMetrics {
  processed: Counter;
  failed: Counter<'error_type'>;
  redelivered: Counter;
  inFlight: Gauge;
  deadLettered: Counter<'reason'>;
  dedupDetected: Counter;
  dedupUnavailable: Counter;
}

export interface ConsumerMetricsOptions {
  /** `fraiseql_observer` → `fraiseql_observer_events_processed_total`, … */
  prefix: string;
  /** Read on scrape: messages not yet delivered plus delivered and not yet acked. */
  backlog: () => Promise<number>;
  /** Read on scrape: this source's messages in FRAISEQL_DLQ. */
  deadLetters: () => Promise<number>;
}

/** The standard metrics of a JetStream consumer, named from the service's prefix. */
export function createConsumerMetrics(registry: Registry, options: ConsumerMetricsOptions): ConsumerMetrics {
  const { prefix } = options;
  const registers = [registry];
  new Gauge({
    name: `${prefix}_backlog_size`,
    help: 'Events waiting for this consumer: not yet delivered, or delivered and not yet acknowledged (read from JetStream on scrape).',
    registers,
    async collect() {
      this.set(await options.backlog());
    },
  });
  new Gauge({
    name: `${prefix}_dlq_items`,
    help: "This consumer's dead letters in FRAISEQL_DLQ (read from JetStream on scrape).",
    registers,
    async collect() {
      this.set(await options.deadLetters());
    },
  });
  return {
    processed: new Counter({ name: `${prefix}_events_processed_total`, help: 'Events handled and acknowledged.', registers }),
    failed: new Counter({
      name: `${prefix}_events_failed_total`,
      help: 'Failed attempts at an event, by error code (retried or dead-lettered).',
      labelNames: ['error_type'] as const,
      registers,
    }),
    redelivered: new Counter({ name: `${prefix}_events_redelivered_total`, help: 'Deliveries of an event after its first.', registers }),
    inFlight: new Gauge({ name: `${prefix}_events_in_flight`, help: 'Events being handled now by this replica.', registers }),
    deadLettered: new Counter({
      name: `${prefix}_dead_lettered_total`,
      help: 'Events written to FRAISEQL_DLQ, by reason (malformed, permanent, attempts_exhausted).',
      labelNames: ['reason'] as const,
      registers,
    }),
    dedupDetected: new Counter({
      name: `${prefix}_dedup_detected_total`,
      help: 'Effects skipped because the dedup store had already recorded them (a redelivery).',
      registers,
    }),
    dedupUnavailable: new Counter({
      name: `${prefix}_dedup_unavailable_total`,
      help: 'Dedup store calls that failed (Redis unreachable): delivery went on at least once.',
      registers,
    }),
  };
}
