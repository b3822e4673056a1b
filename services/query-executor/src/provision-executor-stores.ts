import { connect } from 'nats';
import {
  ensureConsumer,
  provisionJetStream,
  queryExecutorAuditConsumer,
  type EnsureOutcome,
  type ProvisionResult,
} from '@fraiseql/nats-contract';
import { applyMigrations, FRAMEWORK_MIGRATIONS_DIR, type ApplyMigrationsResult } from '@fraiseql/pg-migrations';
import type { Logger } from '@fraiseql/service-kit';
import type { QueryExecutorConfig } from './config';
import { relaySettingsFromConfig } from './relay/relay-settings-from-config';

export interface ExecutorStoresReport {
  postgres: ApplyMigrationsResult;
  streams: ProvisionResult['streams'];
  buckets: ProvisionResult['bucketOutcomes'];
  consumers: Record<string, EnsureOutcome>;
}

/**
 * What the executor needs before it serves, ahead of a rollout (`node service/provision.js`): the framework's
 * PostgreSQL migrations (migrations/postgres, as `fraiseql migrate` applies them), the contract's streams and KV
 * buckets with the retention the executor provisions at start (relaySettingsFromConfig), and the audit recorder's
 * durable consumer when the recorder is on. Idempotent; opens and closes its own connections.
 */
export async function provisionExecutorStores(config: QueryExecutorConfig, logger: Logger): Promise<ExecutorStoresReport> {
  const postgres = await applyMigrations({
    connectionString: config.FRAISEQL_QUERY_EXECUTOR_DATABASE_URL,
    directories: [FRAMEWORK_MIGRATIONS_DIR],
    logger,
  });
  logger.info({ applied: postgres.applied, unchanged: postgres.skipped.length }, 'PostgreSQL migrations');
  // One connection attempt per pass: the caller retries the whole pass on a schedule.
  const nc = await connect({ servers: config.FRAISEQL_NATS_URL, name: 'query-executor-provision', maxReconnectAttempts: 0 });
  try {
    const jetStream = await provisionJetStream(nc, relaySettingsFromConfig(config).jetStream);
    logger.info({ streams: jetStream.streams, buckets: jetStream.bucketOutcomes }, 'JetStream streams and KV buckets');
    const consumers: Record<string, EnsureOutcome> = {};
    if (config.FRAISEQL_QUERY_EXECUTOR_AUDIT_RECORDER) {
      const spec = queryExecutorAuditConsumer();
      consumers[spec.durable_name] = await ensureConsumer(await nc.jetstreamManager(), spec.stream, spec);
      logger.info({ consumers }, 'JetStream consumers');
    }
    return { postgres, streams: jetStream.streams, buckets: jetStream.bucketOutcomes, consumers };
  } finally {
    await nc.close();
  }
}
