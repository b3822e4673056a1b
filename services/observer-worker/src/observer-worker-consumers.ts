import { connect } from 'nats';
import {
  ensureConsumer,
  observerWorkerConsumer,
  observerWorkerReplayConsumer,
  provisionJetStream,
  type ConsumerSpec,
  type EnsureOutcome,
  type ProvisionResult,
} from '@fraiseql/nats-contract';
import type { Logger } from '@fraiseql/service-kit';
import type { ObserverWorkerConfig } from './config';

/** The settings of the worker's two durable consumers (FRAISEQL_OBSERVER_MAX_DELIVER, _ACK_WAIT_MS, _MAX_ACK_PENDING). */
export interface ObserverConsumerSettings {
  maxDeliver: number;
  ackWaitMs: number;
  maxAckPending: number;
}

export function observerConsumerSettings(config: ObserverWorkerConfig): ObserverConsumerSettings {
  return {
    maxDeliver: config.FRAISEQL_OBSERVER_MAX_DELIVER,
    ackWaitMs: config.FRAISEQL_OBSERVER_ACK_WAIT_MS,
    maxAckPending: config.FRAISEQL_OBSERVER_MAX_ACK_PENDING,
  };
}

/** The events (`observer-worker`) and the replayed dead letters (`observer-worker-replay`), as the worker binds them. */
export function observerWorkerConsumers(settings: ObserverConsumerSettings): { events: ConsumerSpec; replays: ConsumerSpec } {
  const spec = { maxDeliver: settings.maxDeliver, backoffMs: [settings.ackWaitMs], maxAckPending: settings.maxAckPending };
  return { events: observerWorkerConsumer(spec), replays: observerWorkerReplayConsumer(spec) };
}

export interface ObserverStoresReport {
  streams: ProvisionResult['streams'];
  buckets: ProvisionResult['bucketOutcomes'];
  consumers: Record<string, EnsureOutcome>;
}

/**
 * `node service/provision.js` of observer-worker: the streams and buckets it reads, created when missing (their
 * settings are the query-executor's), and its two durable consumers with the worker's settings. Idempotent.
 */
export async function provisionObserverStores(config: ObserverWorkerConfig, logger: Logger): Promise<ObserverStoresReport> {
  const nc = await connect({ servers: config.FRAISEQL_NATS_URL, name: 'observer-worker-provision', maxReconnectAttempts: 0 });
  try {
    const jetStream = await provisionJetStream(nc, {}, { existing: 'keep' });
    logger.info({ streams: jetStream.streams, buckets: jetStream.bucketOutcomes }, 'JetStream streams and KV buckets');
    const jsm = await nc.jetstreamManager();
    const consumers: Record<string, EnsureOutcome> = {};
    for (const spec of Object.values(observerWorkerConsumers(observerConsumerSettings(config)))) {
      consumers[spec.durable_name] = await ensureConsumer(jsm, spec.stream, spec);
    }
    logger.info({ consumers }, 'JetStream consumers');
    return { streams: jetStream.streams, buckets: jetStream.bucketOutcomes, consumers };
  } finally {
    await nc.close();
  }
}
