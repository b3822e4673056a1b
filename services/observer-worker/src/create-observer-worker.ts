import { Redis } from 'ioredis';
import { connect, headers as natsHeaders, type NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import { openSchemaSource } from '@fraiseql/graphql-runtime';
import { startEventConsumer, type EventConsumer } from '@fraiseql/jetstream-consumer';
import { encodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import { CONSUMERS, HEADERS, injectTraceContext, provisionJetStream, replaySubject, STREAMS } from '@fraiseql/nats-contract';
import { ActionDelivery, type EmailOptions } from '@fraiseql/observer-actions';
import type { SecretResolver } from '@fraiseql/observer-rules';
import { natsReadiness, type Logger, type ReadinessCheck, type RetryPolicy } from '@fraiseql/service-kit';
import { ActionClients } from './action-clients';
import { observerEventHandler } from './handle-observer-event';
import { ObserverRuleSet } from './observer-rule-set';
import { observerWorkerConsumers } from './observer-worker-consumers';

export interface ObserverWorkerOptions {
  natsUrl: string;
  /** `kv` or a path to schema.compiled.json. */
  schemaSource: string;
  /** Dedup and attempt histories; unset: at least once only. */
  redisUrl?: string;
  /** The Redis cache actions invalidate; default the dedup Redis. */
  cacheRedisUrl?: string;
  dedupTtlMs: number;
  concurrency: number;
  maxDeliver: number;
  ackWaitMs: number;
  maxAckPending: number;
  defaultRetryPolicy: RetryPolicy;
  defaultTimeoutMs: number;
  allowTargets: string[];
  hostConcurrency: number;
  /** Calls waiting for one host's slot (default 1024). */
  hostQueue?: number;
  /** Defer a new action whose host would keep it waiting longer than this (ms; 0 or unset: never). */
  deferAfterMs?: number;
  circuitFailures: number;
  circuitHalfOpenMs: number;
  email?: EmailOptions;
  smsBaseUrl: string;
  secrets: SecretResolver;
  logger: Logger;
  registry: Registry;
}

export interface ObserverWorker {
  readinessChecks: Record<string, ReadinessCheck>;
  rules: ObserverRuleSet;
  /** Stops pulling and lets the events in hand finish (unfinished ones are nak'ed for another replica). */
  drain(deadlineMs: number): Promise<{ unfinished: number }>;
  close(): Promise<void>;
}

/**
 * observer-worker (docs/observers.md): the rule set (schema + FRAISEQL_OBSERVERS), the action clients,
 * and two consumers of the kit with one handler — the events (`observer-worker`) and the replayed dead
 * letters (`observer-worker-replay`).
 */
export async function createObserverWorker(options: ObserverWorkerOptions): Promise<ObserverWorker> {
  const { logger, registry } = options;
  const nc: NatsConnection = await connect({
    servers: options.natsUrl,
    name: 'observer-worker',
    maxReconnectAttempts: -1,
    noAsyncTraces: true,
  });
  const redis = options.redisUrl ? openRedis(options.redisUrl, logger) : undefined;
  const cacheRedis = options.cacheRedisUrl && options.cacheRedisUrl !== options.redisUrl ? openRedis(options.cacheRedisUrl, logger) : redis;
  const closeAll = async (): Promise<void> => {
    if (cacheRedis && cacheRedis !== redis) cacheRedis.disconnect();
    redis?.disconnect();
    await nc.close();
  };
  try {
    // Created when missing; their settings belong to the query-executor (and the provision Job), never undone here.
    await provisionJetStream(nc, {}, { existing: 'keep' });
    const rules = new ObserverRuleSet({ nc, schemaSource: openSchemaSource(options.schemaSource, { nc, logger }), logger, registry });
    await rules.start();

    const delivery = new ActionDelivery({
      registry,
      ssrf: { allow: options.allowTargets },
      http: { timeoutMs: options.defaultTimeoutMs },
      perHost: {
        maxConcurrentPerHost: options.hostConcurrency,
        ...(options.hostQueue === undefined ? {} : { maxQueuedPerHost: options.hostQueue }),
        failuresToOpen: options.circuitFailures,
        halfOpenAfterMs: options.circuitHalfOpenMs,
      },
    });
    const clients = new ActionClients({
      delivery,
      nc,
      ...(cacheRedis ? { cacheRedis } : {}),
      ...(options.email ? { email: options.email } : {}),
      smsBaseUrl: options.smsBaseUrl,
    });
    const handle = observerEventHandler({
      rules: () => rules.rules(),
      clients,
      secrets: options.secrets,
      defaultRetryPolicy: options.defaultRetryPolicy,
      defaultTimeoutMs: options.defaultTimeoutMs,
      logger,
      registry,
      ...(options.deferAfterMs ? { deferral: { afterMs: options.deferAfterMs, publish: deferToReplayLane(nc) } } : {}),
    });
    const specs = observerWorkerConsumers(options);
    const common = {
      nc,
      source: CONSUMERS.observerWorker,
      concurrency: options.concurrency,
      // Each action keeps its rule's schedule: the handler's RetryableError carries the earliest due action,
      // and this policy adds nothing to it (docs/adr/0103-observer-worker.md).
      retryPolicy: {
        initialIntervalMs: 0,
        backoff: 'fixed',
        maximumIntervalMs: 0,
        maximumAttempts: options.maxDeliver,
      } satisfies RetryPolicy,
      handle,
      logger,
      registry,
      metricsPrefix: 'fraiseql_observer',
      ...(redis ? { redis, dedup: { ttlMs: options.dedupTtlMs } } : {}),
    };
    const events: EventConsumer = await startEventConsumer({ ...common, consumer: specs.events });
    const replays: EventConsumer = await startEventConsumer({ ...common, consumer: specs.replays });

    let drained: Promise<{ unfinished: number }> | undefined;
    const drain = (deadlineMs: number): Promise<{ unfinished: number }> => {
      drained ??= Promise.all([events.drain(deadlineMs), replays.drain(deadlineMs)]).then(([a, b]) => ({
        unfinished: a.unfinished + b.unfinished,
      }));
      return drained;
    };
    return {
      rules,
      readinessChecks: {
        nats: natsReadiness(nc),
        rules: rules.readiness,
        consumer: events.readiness,
        replayConsumer: replays.readiness,
      },
      drain,
      async close() {
        await drain(0);
        await rules.close();
        await clients.close();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Publishes one part of an event to the replay lane (FRAISEQL_REPLAY), once per (event, part), and waits for the ack. */
function deferToReplayLane(nc: NatsConnection): (event: EntityEvent, partKey: string) => Promise<void> {
  const js = nc.jetstream();
  return async (event, partKey) => {
    const headers = natsHeaders();
    headers.set(HEADERS.replayKey, partKey);
    injectTraceContext(headers);
    await js.publish(replaySubject(CONSUMERS.observerWorker, event.org_id, event.entity_type), encodeEntityEvent(event), {
      msgID: `deferred:${event.event_id}:${partKey}`,
      headers,
      expect: { streamName: STREAMS.replay },
    });
  };
}

function openRedis(url: string, logger: Logger): Redis {
  // No offline queue: while Redis is away a command fails at once and the consumer delivers without dedup
  // (counted, logged once) instead of waiting.
  // Auto-pipelining: the dedup reads and marks of every event in hand go out in one write per tick, not one each.
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    connectionName: 'observer-worker',
  });
  redis.on('error', (error: Error) => logger.debug({ err: error }, 'redis connection error'));
  return redis;
}
