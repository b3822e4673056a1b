import { assertDevAuthAllowed, authOptionsFromConfig } from '@fraiseql/auth';
import { plannerLimitsFromConfig, resolveCursorSecret, roleQueryLimitsFromConfig } from '@fraiseql/graphql-runtime';
import { createExportStore } from '@fraiseql/job-export';
import { rateLimitsOptionsFromConfig } from '@fraiseql/rate-limits';
import { readTlsFiles, runService } from '@fraiseql/service-kit';
import { FraiseqlError } from '@fraiseql/errors';
import { gatewayConfig, type GatewayConfig } from './config';
import { createGateway, type GatewayOptions } from './create-gateway';

/** gateway: config → connections → HTTP app → ops server → shutdown (the frame: service-kit's runService). */
void runService({
  name: 'gateway',
  config: gatewayConfig,
  async start({ config, logger, registry }) {
    assertDevAuthAllowed('gateway', config);
    const readTls = () =>
      readTlsFiles('gateway', {
        cert: ['FRAISEQL_GATEWAY_TLS_CERT_FILE', config.FRAISEQL_GATEWAY_TLS_CERT_FILE],
        key: ['FRAISEQL_GATEWAY_TLS_KEY_FILE', config.FRAISEQL_GATEWAY_TLS_KEY_FILE],
        clientCa: ['FRAISEQL_GATEWAY_TLS_CLIENT_CA_FILE', config.FRAISEQL_GATEWAY_TLS_CLIENT_CA_FILE],
      });
    const tls = readTls();
    const gateway = await createGateway({
      host: config.FRAISEQL_GATEWAY_HOST,
      port: config.FRAISEQL_GATEWAY_PORT,
      natsUrl: config.FRAISEQL_NATS_URL,
      schemaSource: config.FRAISEQL_SCHEMA_SOURCE,
      cursorSecret: resolveCursorSecret(config, (message) => logger.warn(message)),
      limits: plannerLimitsFromConfig(config),
      queryLimits: roleQueryLimitsFromConfig(config),
      rateLimits: rateLimitsOptionsFromConfig(config),
      trustProxy: config.FRAISEQL_GATEWAY_TRUST_PROXY,
      trustedDocuments: config.FRAISEQL_GRAPHQL_TRUSTED_DOCUMENTS,
      requestTimeoutMs: config.FRAISEQL_GATEWAY_REQUEST_TIMEOUT_MS,
      executorLivenessMs: config.FRAISEQL_GATEWAY_EXECUTOR_LIVENESS_MS,
      maxInFlight: config.FRAISEQL_GATEWAY_MAX_IN_FLIGHT,
      bodyLimitBytes: config.FRAISEQL_GATEWAY_BODY_LIMIT_BYTES,
      auth: authOptionsFromConfig('gateway', config),
      apiKeys: config.FRAISEQL_AUTH_API_KEYS,
      auditQueueLimit: config.FRAISEQL_AUDIT_QUEUE_LIMIT,
      graphiql: config.FRAISEQL_ENV === 'development',
      subscriptions: {
        maxQueue: config.FRAISEQL_GATEWAY_SUBSCRIPTION_MAX_QUEUE,
        maxPerConnection: config.FRAISEQL_GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION,
        maxTotal: config.FRAISEQL_GATEWAY_MAX_SUBSCRIPTIONS,
      },
      ...exportDownloadsFrom(config),
      ...(tls ? { tls, reloadTls: readTls } : {}),
      logger,
      registry,
    });
    if (config.FRAISEQL_DEV_AUTH) logger.warn('FRAISEQL_DEV_AUTH=1: x-fraiseql-dev-* headers set the auth context of any request');
    return {
      readinessChecks: gateway.readinessChecks,
      shutdownSteps: [{ name: 'finish in-flight requests, close NATS and schema watch', run: () => gateway.close() }],
      startedFields: { address: gateway.address, schemaHash: gateway.schemaHash() },
    };
  },
});

/** `/v1/exports/<token>` when the export store and the signing key are both configured (docs/jobs.md). */
function exportDownloadsFrom(config: GatewayConfig): Pick<GatewayOptions, 'exportDownloads'> {
  const { FRAISEQL_EXPORT_STORE: store, FRAISEQL_EXPORT_SIGNING_KEY: signingKey } = config;
  if (store === undefined && signingKey === undefined) return {};
  if (store === undefined || signingKey === undefined) {
    throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', 'Set both FRAISEQL_EXPORT_STORE and FRAISEQL_EXPORT_SIGNING_KEY, or neither');
  }
  return { exportDownloads: { signingKey, files: createExportStore({ ...config, FRAISEQL_EXPORT_STORE: store }) } };
}
