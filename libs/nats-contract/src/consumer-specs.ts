import { AckPolicy, DeliverPolicy, nanos, ReplayPolicy, type ConsumerConfig } from 'nats';
import { CONSUMERS, STREAMS, STREAM_SUBJECTS } from './names';
import { replayFilterSubject } from './subjects';

/** A durable pull consumer: the settings provisioning owns, plus the stream it reads. */
export interface ConsumerSpec {
  stream: string;
  durable_name: string;
  description: string;
  filter_subject: string;
  ack_policy: AckPolicy;
  deliver_policy: DeliverPolicy;
  replay_policy: ReplayPolicy;
  /** After this many deliveries JetStream stops redelivering; the service dead-letters on the last one. */
  max_deliver: number;
  /** Redelivery delays in nanoseconds; each is also the ack wait of that delivery. */
  backoff: number[];
  /** Bound on un-acked messages across all replicas of the service. */
  max_ack_pending: number;
}

export interface ConsumerSpecOptions {
  maxDeliver?: number;
  /** Redelivery delays in ms (JetStream needs maxDeliver > their count). */
  backoffMs?: number[];
  maxAckPending?: number;
  /** Narrow the consumer (e.g. one entity type); defaults to every event. */
  filterSubject?: string;
}

function spec(
  durable: string,
  description: string,
  defaults: Required<Omit<ConsumerSpecOptions, 'filterSubject'>>,
  options: ConsumerSpecOptions,
  source: { stream: string; filterSubject: string } = { stream: STREAMS.events, filterSubject: STREAM_SUBJECTS.events },
): ConsumerSpec {
  return {
    stream: source.stream,
    durable_name: durable,
    description,
    filter_subject: options.filterSubject ?? source.filterSubject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    max_deliver: options.maxDeliver ?? defaults.maxDeliver,
    backoff: (options.backoffMs ?? defaults.backoffMs).map((ms) => nanos(ms)),
    max_ack_pending: options.maxAckPending ?? defaults.maxAckPending,
  };
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

// The first backoff value is the first delivery's ack wait, so it must exceed the slowest
// normal handling (a webhook call, a ClickHouse batch); faster retries come from nak(delay).

// observer-worker keeps one backoff value: it is only the ack wait (the redelivery after a crash), every
// retry comes from nak(delay) with the rule's policy. A longer list would delay a nak'ed redelivery on
// NATS 2.9 by backoff[n-1] - backoff[0] beyond the asked delay (docs/adr/0103-observer-worker.md).
const OBSERVER_DEFAULTS = { maxDeliver: 25, backoffMs: [30 * SECOND], maxAckPending: 1000 };

/** observer-worker: rules → actions (webhooks etc.). */
export function observerWorkerConsumer(options: ConsumerSpecOptions = {}): ConsumerSpec {
  return spec(CONSUMERS.observerWorker, 'FraiseQL observer-worker: observer rules → actions', OBSERVER_DEFAULTS, options);
}

/** observer-worker's replayed dead letters (FRAISEQL_REPLAY), handled like events. */
export function observerWorkerReplayConsumer(options: ConsumerSpecOptions = {}): ConsumerSpec {
  return spec(CONSUMERS.observerWorkerReplay, 'FraiseQL observer-worker: replayed dead letters', OBSERVER_DEFAULTS, options, {
    stream: STREAMS.replay,
    filterSubject: replayFilterSubject(CONSUMERS.observerWorker),
  });
}

/** sink-clickhouse: batched, idempotent inserts into ClickHouse. */
export function sinkClickHouseConsumer(options: ConsumerSpecOptions = {}): ConsumerSpec {
  return spec(
    CONSUMERS.sinkClickHouse,
    'FraiseQL sink → ClickHouse',
    {
      maxDeliver: 20,
      backoffMs: [MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE],
      maxAckPending: 10_000,
    },
    options,
  );
}

/** sink-search: idempotent (external-versioned) writes into the search index. */
export function sinkSearchConsumer(options: ConsumerSpecOptions = {}): ConsumerSpec {
  return spec(
    CONSUMERS.sinkSearch,
    'FraiseQL sink → search index',
    {
      maxDeliver: 20,
      backoffMs: [MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE],
      maxAckPending: 10_000,
    },
    options,
  );
}

const AUDIT_SOURCE = { stream: STREAMS.audit, filterSubject: STREAM_SUBJECTS.audit };

/** query-executor-audit: audit entries → fraiseql.tb_audit_log (one INSERT … ON CONFLICT DO NOTHING each). */
export function queryExecutorAuditConsumer(options: ConsumerSpecOptions = {}): ConsumerSpec {
  return spec(
    CONSUMERS.queryExecutorAudit,
    'FraiseQL query-executor: audit entries → fraiseql.tb_audit_log',
    { maxDeliver: 20, backoffMs: [30 * SECOND, MINUTE, 5 * MINUTE], maxAckPending: 1000 },
    options,
    AUDIT_SOURCE,
  );
}

/** sink-audit: audit entries → the search index, written like events (ADR 0137). */
export function sinkAuditConsumer(options: ConsumerSpecOptions = {}): ConsumerSpec {
  return spec(
    CONSUMERS.sinkAudit,
    'FraiseQL sink → search index (audit entries)',
    { maxDeliver: 20, backoffMs: [MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE], maxAckPending: 10_000 },
    options,
    AUDIT_SOURCE,
  );
}

/** The JetStream consumer config of a spec (without the stream). */
export function toConsumerConfig(consumer: ConsumerSpec): Partial<ConsumerConfig> {
  const { stream: _stream, ...config } = consumer;
  return config;
}
