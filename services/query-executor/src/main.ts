import { plannerLimitsFromConfig, resolveCursorSecret } from '@fraiseql/graphql-runtime';
import { runService } from '@fraiseql/service-kit';
import { queryExecutorConfig } from './config';
import { createQueryExecutor } from './create-query-executor';
import { relaySettingsFromConfig } from './relay/relay-settings-from-config';

/** query-executor: config → connections → handlers → ops server → shutdown (the frame: service-kit's runService). */
void runService({
  name: 'query-executor',
  config: queryExecutorConfig,
  async start({ config, logger, registry }) {
    const executor = await createQueryExecutor({
      natsUrl: config.FRAISEQL_NATS_URL,
      databaseUrl: config.FRAISEQL_QUERY_EXECUTOR_DATABASE_URL,
      poolMax: config.FRAISEQL_QUERY_EXECUTOR_POOL_MAX,
      statementTimeoutMs: config.FRAISEQL_QUERY_EXECUTOR_STATEMENT_TIMEOUT_MS,
      // `none` (SET ROLE NONE): the connection's own role.
      requestRole: config.FRAISEQL_QUERY_EXECUTOR_REQUEST_ROLE === 'none' ? undefined : config.FRAISEQL_QUERY_EXECUTOR_REQUEST_ROLE,
      maxInFlight: config.FRAISEQL_QUERY_EXECUTOR_MAX_IN_FLIGHT,
      schemaSource: config.FRAISEQL_SCHEMA_SOURCE,
      cursorSecret: resolveCursorSecret(config, (message) => logger.warn(message)),
      limits: plannerLimitsFromConfig(config),
      logger,
      registry,
      ...relaySettingsFromConfig(config),
      observerRules: {
        enabled: config.FRAISEQL_QUERY_EXECUTOR_OBSERVER_RULES_MIRROR,
        fullSyncIntervalMs: config.FRAISEQL_QUERY_EXECUTOR_OBSERVER_RULES_SYNC_INTERVAL_MS,
      },
      audit: { recorder: { enabled: config.FRAISEQL_QUERY_EXECUTOR_AUDIT_RECORDER }, queueLimit: config.FRAISEQL_AUDIT_QUEUE_LIMIT },
    });
    return {
      readinessChecks: executor.readinessChecks,
      shutdownSteps: [
        { name: 'drain in-flight queries', run: () => executor.drain() },
        { name: 'stop the change-log relay', run: () => executor.stopRelay() },
        { name: 'close NATS, schema watch and PostgreSQL pool', run: () => executor.close() },
      ],
      startedFields: { schemaHash: executor.schemaHash() },
    };
  },
});
