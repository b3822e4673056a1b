import { runService } from '@fraiseql/service-kit';
import { observerWorkerConfig } from './config';
import { createObserverWorker } from './create-observer-worker';
import { observerConsumerSettings } from './observer-worker-consumers';
import { emailOptionsFromUrl } from '@fraiseql/observer-actions';
import { secretsFromDirectory } from './secrets-dir';

/** observer-worker: config → NATS, Redis, rules (schema + FRAISEQL_OBSERVERS) → consumers → ops server → drain on SIGTERM. */
void runService({
  name: 'observer-worker',
  config: observerWorkerConfig,
  async start({ config, logger, registry }) {
    const redisUrl = config.FRAISEQL_OBSERVER_DEDUP ? config.FRAISEQL_REDIS_URL : undefined;
    if (!redisUrl) logger.warn('FRAISEQL_OBSERVER_DEDUP=false: a redelivered event repeats the actions it already did');
    const worker = await createObserverWorker({
      natsUrl: config.FRAISEQL_NATS_URL,
      schemaSource: config.FRAISEQL_SCHEMA_SOURCE,
      ...(redisUrl ? { redisUrl } : {}),
      cacheRedisUrl: config.FRAISEQL_REDIS_URL,
      dedupTtlMs: config.FRAISEQL_OBSERVER_DEDUP_TTL_MS,
      concurrency: config.FRAISEQL_OBSERVER_CONCURRENCY,
      ...observerConsumerSettings(config),
      defaultRetryPolicy: {
        initialIntervalMs: config.FRAISEQL_OBSERVER_RETRY_INITIAL_MS,
        backoff: 'exponential',
        maximumIntervalMs: config.FRAISEQL_OBSERVER_RETRY_MAX_INTERVAL_MS,
        jitter: 'full',
        maximumAttempts: config.FRAISEQL_OBSERVER_RETRY_MAX_ATTEMPTS,
      },
      defaultTimeoutMs: config.FRAISEQL_OBSERVER_ACTION_TIMEOUT_MS,
      allowTargets: config.FRAISEQL_OBSERVER_ALLOW_TARGETS,
      hostConcurrency: config.FRAISEQL_OBSERVER_HOST_CONCURRENCY,
      hostQueue: config.FRAISEQL_OBSERVER_HOST_QUEUE,
      deferAfterMs: config.FRAISEQL_OBSERVER_DEFER_AFTER_MS,
      circuitFailures: config.FRAISEQL_OBSERVER_CIRCUIT_FAILURES,
      circuitHalfOpenMs: config.FRAISEQL_OBSERVER_CIRCUIT_HALF_OPEN_MS,
      ...(config.FRAISEQL_OBSERVER_SMTP_URL
        ? { email: emailOptionsFromUrl(config.FRAISEQL_OBSERVER_SMTP_URL, config.FRAISEQL_OBSERVER_SMTP_FROM) }
        : {}),
      smsBaseUrl: config.FRAISEQL_OBSERVER_SMS_BASE_URL,
      secrets: secretsFromDirectory(config.FRAISEQL_OBSERVER_SECRETS_DIR),
      logger,
      registry,
    });
    return {
      readinessChecks: worker.readinessChecks,
      shutdownSteps: [
        {
          name: 'stop pulling, finish the events in hand',
          run: async () => {
            await worker.drain(Math.max(1000, config.FRAISEQL_SHUTDOWN_DEADLINE_MS - 2000));
          },
        },
        { name: 'close rule watch, action clients, Redis and NATS', run: () => worker.close() },
      ],
      startedFields: { rules: worker.rules.rules().length, dedup: redisUrl !== undefined },
    };
  },
});
