import { createHash } from 'node:crypto';
import { assertDevAuthAllowed, authOptionsFromConfig } from '@fraiseql/auth';
import { plannerLimitsFromConfig, roleQueryLimitsFromConfig } from '@fraiseql/graphql-runtime';
import { rateLimitsOptionsFromConfig } from '@fraiseql/rate-limits';
import { readTlsFiles, resolveSecret, runService } from '@fraiseql/service-kit';
import { flightServerConfig } from './config';
import { createFlightServer } from './create-flight-server';

/** The fixed development key (tickets are forgeable by anyone who reads the source): never in production. */
const DEVELOPMENT_TICKET_SECRET = createHash('sha256').update('fraiseql development flight ticket secret').digest('hex');

/** flight-server: config → PostgreSQL, NATS, schema → gRPC server → ops server → shutdown (the frame: service-kit's runService). */
void runService({
  name: 'flight-server',
  config: flightServerConfig,
  async start({ config, logger, registry }) {
    assertDevAuthAllowed('flight-server', config);
    const flight = await createFlightServer({
      host: config.FRAISEQL_FLIGHT_HOST,
      port: config.FRAISEQL_FLIGHT_PORT,
      tls: readTlsFiles('flight-server', {
        cert: ['FRAISEQL_FLIGHT_TLS_CERT_FILE', config.FRAISEQL_FLIGHT_TLS_CERT_FILE],
        key: ['FRAISEQL_FLIGHT_TLS_KEY_FILE', config.FRAISEQL_FLIGHT_TLS_KEY_FILE],
        clientCa: ['FRAISEQL_FLIGHT_TLS_CLIENT_CA_FILE', config.FRAISEQL_FLIGHT_TLS_CLIENT_CA_FILE],
      }),
      natsUrl: config.FRAISEQL_NATS_URL,
      databaseUrl: config.FRAISEQL_FLIGHT_DATABASE_URL,
      poolMax: config.FRAISEQL_FLIGHT_POOL_MAX,
      maxConcurrentStreams: config.FRAISEQL_FLIGHT_MAX_CONCURRENT_STREAMS,
      maxStreamsPerPrincipal: config.FRAISEQL_FLIGHT_MAX_STREAMS_PER_PRINCIPAL,
      rateLimits: rateLimitsOptionsFromConfig(config),
      schemaSource: config.FRAISEQL_SCHEMA_SOURCE,
      ticketSecret: resolveSecret({
        key: 'FRAISEQL_FLIGHT_TICKET_SECRET',
        value: config.FRAISEQL_FLIGHT_TICKET_SECRET,
        env: config.FRAISEQL_ENV,
        developmentValue: DEVELOPMENT_TICKET_SECRET,
        risk: 'tickets and session tokens are forgeable',
        warn: (message) => logger.warn(message),
      }),
      sessionTtlMs: config.FRAISEQL_FLIGHT_SESSION_TTL_MS,
      limits: plannerLimitsFromConfig(config),
      queryLimits: roleQueryLimitsFromConfig(config),
      auth: authOptionsFromConfig('flight-server', config),
      apiKeys: config.FRAISEQL_AUTH_API_KEYS,
      auditQueueLimit: config.FRAISEQL_AUDIT_QUEUE_LIMIT,
      settings: {
        batchSize: config.FRAISEQL_FLIGHT_BATCH_SIZE,
        maxBatchBytes: config.FRAISEQL_FLIGHT_BATCH_MAX_BYTES,
        statementTimeoutMs: config.FRAISEQL_FLIGHT_STATEMENT_TIMEOUT_MS,
        ticketTtlMs: config.FRAISEQL_FLIGHT_TICKET_TTL_MS,
        partitionRows: config.FRAISEQL_FLIGHT_PARTITION_ROWS,
        maxRowsPerTicket: config.FRAISEQL_FLIGHT_MAX_ROWS_PER_TICKET,
        ...(config.FRAISEQL_FLIGHT_PUBLIC_LOCATION ? { publicLocation: config.FRAISEQL_FLIGHT_PUBLIC_LOCATION } : {}),
      },
      maxReceiveBytes: config.FRAISEQL_FLIGHT_MAX_RECEIVE_BYTES,
      analytics: {
        timeoutMs: config.FRAISEQL_FLIGHT_ANALYTICS_TIMEOUT_MS,
        ...(config.FRAISEQL_CLICKHOUSE_URL
          ? {
              clickhouse: {
                url: config.FRAISEQL_CLICKHOUSE_URL,
                user: config.FRAISEQL_CLICKHOUSE_USER,
                database: config.FRAISEQL_CLICKHOUSE_DATABASE,
                ...(config.FRAISEQL_CLICKHOUSE_PASSWORD ? { password: config.FRAISEQL_CLICKHOUSE_PASSWORD } : {}),
              },
            }
          : {}),
      },
      logger,
      registry,
    });
    if (config.FRAISEQL_DEV_AUTH) logger.warn('FRAISEQL_DEV_AUTH=1: x-fraiseql-dev-* metadata sets the caller of any Flight call');
    return {
      readinessChecks: flight.readinessChecks,
      shutdownSteps: [
        {
          name: 'stop taking calls, finish running streams',
          run: () => flight.drain(Math.max(1000, config.FRAISEQL_SHUTDOWN_DEADLINE_MS - 2000)),
        },
        { name: 'close schema watch, NATS and PostgreSQL pool', run: () => flight.close() },
      ],
      startedFields: {
        address: flight.address,
        schemaHash: flight.schemaHash(),
        analytics: config.FRAISEQL_CLICKHOUSE_URL ? 'clickhouse' : 'sink over NATS',
      },
    };
  },
});
