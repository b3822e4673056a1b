import { EventBatcher, startEventConsumer, type BatchWrite, type EventConsumer } from '@fraiseql/jetstream-consumer';
import type { ConsumerSpec } from '@fraiseql/nats-contract';
import type { Logger, ReadinessCheck, RetryPolicy } from '@fraiseql/service-kit';
import type { NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import type { SinkMetrics } from '../sink-metrics';
import type { DataplaneName } from './dataplane-name';

export type { DataplaneName } from './dataplane-name';

export interface DataplaneOptions {
  name: DataplaneName;
  nc: NatsConnection;
  /** Its own durable consumer: a dataplane that is down never holds back the other. */
  consumer: ConsumerSpec;
  write: BatchWrite;
  isTransient?: (error: unknown) => boolean;
  maxRows: number;
  maxBytes: number;
  maxDelayMs: number;
  logger: Logger;
  registry: Registry;
  metrics: SinkMetrics;
}

export interface Dataplane {
  name: DataplaneName;
  readiness: ReadinessCheck;
  drain(deadlineMs: number): Promise<void>;
}

/**
 * Before a batch is written nothing may go wrong but the event itself: decoding failures are dead-lettered by the
 * consumer kit. A batch's write is retried by the batcher (outages) or split (poison events); this policy only
 * governs events whose batch failed for a reason the batcher hands back (a drain), and is a floor against tight loops.
 */
const REDELIVERY: RetryPolicy = { initialIntervalMs: 1000, maximumIntervalMs: 60_000, jitter: 0.2 };

/**
 * One dataplane: a durable JetStream consumer (consumer kit) whose handler is an EventBatcher writing batches to the
 * store. Acks follow the batch's durable write; an outage of the store holds the batch (and, its slots full, the
 * consumer) without spending deliveries; events the store refuses are dead-lettered with their reason.
 */
export async function startDataplane(options: DataplaneOptions): Promise<Dataplane> {
  const { name, metrics } = options;
  const logger = options.logger.child({ dataplane: name });
  const batcher = new EventBatcher({
    name: options.consumer.durable_name,
    maxRows: options.maxRows,
    maxBytes: options.maxBytes,
    maxDelayMs: options.maxDelayMs,
    write: options.write,
    ...(options.isTransient ? { isTransient: options.isTransient } : {}),
    logger,
    onWrite: (report) => metrics.recordWrite(name, report),
  });
  const consumer: EventConsumer = await startEventConsumer({
    nc: options.nc,
    consumer: options.consumer,
    source: options.consumer.durable_name,
    // A batch being written and the next one filling: two batches in hand at most.
    concurrency: options.maxRows * 2,
    retryPolicy: REDELIVERY,
    handle: (event, context) => batcher.add(event, context),
    logger,
    registry: options.registry,
    metricsPrefix: 'fraiseql_sink',
  });
  return {
    name,
    readiness: consumer.readiness,
    async drain(deadlineMs) {
      await consumer.drain(deadlineMs);
      await batcher.flush();
    },
  };
}
