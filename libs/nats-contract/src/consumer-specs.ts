import { AckPolicy, DeliverPolicy, nanos, ReplayPolicy, type ConsumerConfig } from 'nats';
import { CONSUMERS, STREAMS, STREAM_SUBJECTS } from './names';

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
): ConsumerSpec {
  return {
    stream: STREAMS.events,
    durable_name: durable,
    description,
    filter_subject: options.filterSubject ?? STREAM_SUBJECTS.events,
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

/** observer-worker: rules → actions (webhooks etc.). */
export function observerWorkerConsumer(options: ConsumerSpecOptions = {}): ConsumerSpec {
  return spec(
    CONSUMERS.observerWorker,
    'FraiseQL observer-worker: observer rules → actions',
    {
      maxDeliver: 10,
      backoffMs: [30 * SECOND, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE],
      maxAckPending: 1000,
    },
    options,
  );
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

/** The JetStream consumer config of a spec (without the stream). */
export function toConsumerConfig(consumer: ConsumerSpec): Partial<ConsumerConfig> {
  const { stream: _stream, ...config } = consumer;
  return config;
}
