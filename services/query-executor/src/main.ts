import { plannerLimitsFromConfig, resolveCursorSecret } from '@fraiseql/graphql-runtime';
import { createLogger, createMetrics, installShutdown, loadConfig, startOpsServer, startTelemetry } from '@fraiseql/service-kit';
import { queryExecutorConfig } from './config';
import { createQueryExecutor } from './create-query-executor';
import { relaySettingsFromConfig } from './relay/relay-settings-from-config';

/** query-executor: config → connections → handlers → ops server → shutdown. */
async function main(): Promise<void> {
  const config = loadConfig(queryExecutorConfig);
  const logger = createLogger({ service: 'query-executor', level: config.FRAISEQL_LOG_LEVEL, pretty: config.FRAISEQL_LOG_PRETTY });
  const telemetry = startTelemetry({ service: 'query-executor' });
  const { registry } = createMetrics({ service: 'query-executor' });

  const executor = await createQueryExecutor({
    natsUrl: config.FRAISEQL_NATS_URL,
    databaseUrl: config.FRAISEQL_QUERY_EXECUTOR_DATABASE_URL,
    poolMax: config.FRAISEQL_QUERY_EXECUTOR_POOL_MAX,
    statementTimeoutMs: config.FRAISEQL_QUERY_EXECUTOR_STATEMENT_TIMEOUT_MS,
    maxInFlight: config.FRAISEQL_QUERY_EXECUTOR_MAX_IN_FLIGHT,
    schemaSource: config.FRAISEQL_SCHEMA_SOURCE,
    cursorSecret: resolveCursorSecret(config, (message) => logger.warn(message)),
    limits: plannerLimitsFromConfig(config),
    logger,
    registry,
    ...relaySettingsFromConfig(config),
  });

  const ops = await startOpsServer({
    host: config.FRAISEQL_QUERY_EXECUTOR_OPS_HOST,
    port: config.FRAISEQL_QUERY_EXECUTOR_OPS_PORT,
    registry,
    logger,
    checks: executor.readinessChecks,
  });

  installShutdown({
    logger,
    deadlineMs: config.FRAISEQL_SHUTDOWN_DEADLINE_MS,
    steps: [
      { name: 'mark not ready', run: async () => ops.markShuttingDown() },
      { name: 'drain in-flight queries', run: () => executor.drain() },
      { name: 'stop the change-log relay', run: () => executor.stopRelay() },
      { name: 'close NATS, schema watch and PostgreSQL pool', run: () => executor.close() },
      { name: 'flush telemetry', run: () => telemetry.shutdown() },
      { name: 'close ops server', run: () => ops.close() },
    ],
  });
  logger.info({ opsAddress: ops.address, schemaHash: executor.schemaHash() }, 'query-executor started');
}

main().catch((error: unknown) => {
  // Config errors name every bad key in their message; print it plainly for the operator.
  process.stderr.write(`query-executor failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
