import { assertDevAuthAllowed } from '@fraiseql/auth';
import { plannerLimitsFromConfig, resolveCursorSecret } from '@fraiseql/graphql-runtime';
import { createLogger, createMetrics, installShutdown, loadConfig, startOpsServer, startTelemetry } from '@fraiseql/service-kit';
import { gatewayConfig } from './config';
import { createGateway } from './create-gateway';

/** gateway: config → connections → HTTP app → ops server → shutdown. */
async function main(): Promise<void> {
  const config = loadConfig(gatewayConfig);
  assertDevAuthAllowed('gateway', config);
  const logger = createLogger({ service: 'gateway', level: config.FRAISEQL_LOG_LEVEL, pretty: config.FRAISEQL_LOG_PRETTY });
  const telemetry = startTelemetry({ service: 'gateway' });
  const { registry } = createMetrics({ service: 'gateway' });

  const gateway = await createGateway({
    host: config.FRAISEQL_GATEWAY_HOST,
    port: config.FRAISEQL_GATEWAY_PORT,
    natsUrl: config.FRAISEQL_NATS_URL,
    schemaSource: config.FRAISEQL_SCHEMA_SOURCE,
    cursorSecret: resolveCursorSecret(config, (message) => logger.warn(message)),
    limits: plannerLimitsFromConfig(config),
    requestTimeoutMs: config.FRAISEQL_GATEWAY_REQUEST_TIMEOUT_MS,
    executorLivenessMs: config.FRAISEQL_GATEWAY_EXECUTOR_LIVENESS_MS,
    maxInFlight: config.FRAISEQL_GATEWAY_MAX_IN_FLIGHT,
    bodyLimitBytes: config.FRAISEQL_GATEWAY_BODY_LIMIT_BYTES,
    auth: { devAuth: config.FRAISEQL_DEV_AUTH, ...(config.FRAISEQL_JWT_SECRET ? { jwtSecret: config.FRAISEQL_JWT_SECRET } : {}) },
    graphiql: config.FRAISEQL_ENV === 'development',
    subscriptions: {
      maxQueue: config.FRAISEQL_GATEWAY_SUBSCRIPTION_MAX_QUEUE,
      maxPerConnection: config.FRAISEQL_GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      maxTotal: config.FRAISEQL_GATEWAY_MAX_SUBSCRIPTIONS,
    },
    logger,
    registry,
  });
  if (config.FRAISEQL_DEV_AUTH) logger.warn('FRAISEQL_DEV_AUTH=1: x-fraiseql-dev-* headers set the auth context of any request');

  const ops = await startOpsServer({ host: config.FRAISEQL_GATEWAY_OPS_HOST, port: config.FRAISEQL_GATEWAY_OPS_PORT, registry, logger, checks: gateway.readinessChecks });

  installShutdown({
    logger,
    deadlineMs: config.FRAISEQL_SHUTDOWN_DEADLINE_MS,
    steps: [
      { name: 'mark not ready', run: async () => ops.markShuttingDown() },
      { name: 'finish in-flight requests, close NATS and schema watch', run: () => gateway.close() },
      { name: 'flush telemetry', run: () => telemetry.shutdown() },
      { name: 'close ops server', run: () => ops.close() },
    ],
  });
  logger.info({ address: gateway.address, opsAddress: ops.address, schemaHash: gateway.schemaHash() }, 'gateway started');
}

main().catch((error: unknown) => {
  // Config errors name every bad key in their message; print it plainly for the operator.
  process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
