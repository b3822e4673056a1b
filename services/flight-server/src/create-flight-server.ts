import { Server, ServerCredentials } from '@grpc/grpc-js';
import { connect, type NatsConnection } from 'nats';
import { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { AuditLog, rateLimitedEntry } from '@fraiseql/audit';
import { ApiKeyDirectory, type AuthOptions } from '@fraiseql/auth';
import { FLIGHT_SERVICE, TicketCodec } from '@fraiseql/flight';
import { openSchemaSource, type RoleQueryLimits, type SchemaSourceSpec } from '@fraiseql/graphql-runtime';
import { openSchemaBucket, SCHEMA_ACTIVE_KEY } from '@fraiseql/nats-contract';
import { QueryPlanner, type PlannerLimits } from '@fraiseql/query-planner';
import { RateLimits, type RateLimitedEvent, type RateLimitsOptions } from '@fraiseql/rate-limits';
import { SchemaHolder, type CompiledSchema } from '@fraiseql/schema';
import { natsReadiness, type Logger, type ReadinessCheck, type TlsFiles } from '@fraiseql/service-kit';
import { FlightCatalog } from './flight-catalog';
import { createFlightMetrics } from './flight-metrics';
import { FlightAuthenticator } from './flight-principal';
import type { FlightSettings } from './flight-service-deps';
import { createFlightServiceImpl } from './flight-service-impl';
import { auditedCalls } from './audited-calls';
import { rateLimitedCalls } from './rate-limited-calls';
import { StreamSlots } from './stream-slots';
import { AnalyticsCatalog } from './analytics-catalog';
import { openAnalyticsSource, type AnalyticsSourceOptions } from './analytics-source';

export interface FlightServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** TLS on the gRPC port (undefined: plaintext); `clientCa` set = client certificates required at the handshake (mTLS). */
  tls?: TlsFiles | undefined;
  natsUrl: string;
  databaseUrl: string;
  poolMax: number;
  maxConcurrentStreams: number;
  schemaSource: SchemaSourceSpec;
  /** Signs tickets and session tokens; the same on every replica. */
  ticketSecret: string;
  sessionTtlMs: number;
  limits: PlannerLimits;
  /** Per-role depth/nodes/cost limits of graphql tickets (FRAISEQL_GRAPHQL_ROLE_LIMITS); absent: the planner's only. */
  queryLimits?: RoleQueryLimits;
  /** How callers authenticate; API keys are read from FRAISEQL_API_KEYS when `apiKeys` is set. */
  auth: Omit<AuthOptions, 'apiKeys'>;
  /** Accept API keys (FRAISEQL_AUTH_API_KEYS). */
  apiKeys?: boolean;
  settings: FlightSettings;
  /** Request rate of every call but Handshake (FRAISEQL_RATE_LIMIT_*, as the gateway); absent: none. */
  rateLimits?: RateLimitsOptions;
  /** FRAISEQL_FLIGHT_MAX_STREAMS_PER_PRINCIPAL: streams one principal may hold at once on this server; 0/absent = none. */
  maxStreamsPerPrincipal?: number;
  /** Told of every rate-limit refusal (besides the audit log, which records each). */
  onRateLimited?: (event: RateLimitedEvent) => void;
  /** Audit entries held while JetStream is slow or away (FRAISEQL_AUDIT_QUEUE_LIMIT); default 1000. */
  auditQueueLimit?: number;
  maxReceiveBytes: number;
  /** Where the analytics datasets come from: ClickHouse when `clickhouse` is set, the sink over NATS otherwise. */
  analytics: AnalyticsSourceOptions;
  logger: Logger;
  registry: Registry;
}

export interface FlightServer {
  /** `host:port` the gRPC server listens on. */
  address: string;
  port: number;
  nc: NatsConnection;
  pool: Pool;
  readinessChecks: Record<string, ReadinessCheck>;
  schemaHash(): string | undefined;
  /** Stops accepting calls and waits for running streams, up to `deadlineMs`, then cancels the rest. */
  drain(deadlineMs: number): Promise<void>;
  /** Closes the schema watch, NATS and the pool (after `drain`). */
  close(): Promise<void>;
}

/** Connects PostgreSQL (read-only role) and NATS, follows the compiled schema, serves Arrow Flight. */
export async function createFlightServer(options: FlightServerOptions): Promise<FlightServer> {
  const { logger } = options;
  const pool = new Pool({
    connectionString: options.databaseUrl,
    max: options.poolMax,
    connectionTimeoutMillis: 10_000,
    application_name: 'fraiseql-flight-server',
  });
  pool.on('error', (error) => logger.warn({ err: error }, 'an idle PostgreSQL connection failed'));
  const metrics = createFlightMetrics(options.registry, pool, options.maxConcurrentStreams);
  // The audit log (ADR 0137) needs the NATS connection, opened below; refusals before it are not recorded.
  const audited: { log?: AuditLog } = {};
  const onRateLimited = (event: RateLimitedEvent): void => {
    audited.log?.record(rateLimitedEntry(event));
    options.onRateLimited?.(event);
  };
  const limitDeps = { logger, registry: options.registry, onRateLimited };
  const rateLimits = options.rateLimits ? await RateLimits.open(options.rateLimits, limitDeps) : RateLimits.off(limitDeps);
  const slots = new StreamSlots(options.maxConcurrentStreams, {
    perPrincipal: options.maxStreamsPerPrincipal ?? 0,
    onPrincipalRefused: (caller, key) => rateLimits.countRefusal({ limiter: 'streams_per_principal', key, caller, retryAfterMs: 1000 }),
  });
  const tickets = new TicketCodec({ secret: options.ticketSecret });

  const nc = await connect({ servers: options.natsUrl, name: 'flight-server', maxReconnectAttempts: -1, noAsyncTraces: true });
  const audit = new AuditLog({
    nc,
    source: 'flight-server',
    registry: options.registry,
    logger,
    ...(options.auditQueueLimit === undefined ? {} : { queueLimit: options.auditQueueLimit }),
  });
  audited.log = audit;
  const apiKeys = options.apiKeys
    ? await ApiKeyDirectory.open(nc, { onMalformed: (key, error) => logger.error({ key, err: error }, 'API key record refused') })
    : undefined;
  const auth = new FlightAuthenticator({
    ...options.auth,
    ...(apiKeys ? { apiKeys } : {}),
    secret: options.ticketSecret,
    sessionTtlMs: options.sessionTtlMs,
  });
  const analytics = new AnalyticsCatalog(openAnalyticsSource(nc, options.analytics));
  const source = openSchemaSource(options.schemaSource, { nc, logger });
  const catalogs = new SchemaHolder<FlightCatalog>();
  source.on('change', (compiled: CompiledSchema) => {
    try {
      catalogs.swap(
        new FlightCatalog(
          compiled,
          new QueryPlanner(compiled, { cursorSecret: options.ticketSecret, limits: options.limits }),
          options.queryLimits,
        ),
      );
      logger.info({ schemaHash: compiled.hash, datasets: (compiled.datasets ?? []).length }, 'compiled schema loaded');
    } catch (error) {
      logger.error({ err: error, schemaHash: compiled.hash }, 'compiled schema rejected: keeping the previous one');
    }
  });

  const server = new Server({
    'grpc.max_receive_message_length': options.maxReceiveBytes,
    'grpc.max_send_message_length': -1,
  });
  try {
    await source.start();
    server.addService(
      FLIGHT_SERVICE,
      createFlightServiceImpl({
        pool,
        nc,
        catalog: () => catalogs.current,
        analytics,
        schemaVersions: async () => {
          const active = catalogs.loaded ? catalogs.current.compiled.hash : undefined;
          if (options.schemaSource !== 'kv') return active ? [{ hash: active, active: true }] : [];
          const kv = await openSchemaBucket(nc);
          const versions: Array<{ hash: string; revision: number; createdAt: string; active: boolean }> = [];
          for await (const entry of await kv.history({ key: SCHEMA_ACTIVE_KEY })) {
            if (entry.operation !== 'PUT') continue;
            let hash = '';
            try {
              hash = String((entry.json() as { hash?: unknown }).hash ?? '');
            } catch {
              hash = '(unreadable)';
            }
            versions.push({ hash, revision: entry.revision, createdAt: entry.created.toISOString(), active: hash === active });
          }
          return versions;
        },
        auth: rateLimitedCalls(auditedCalls(auth, audit), rateLimits),
        tickets,
        slots,
        settings: options.settings,
        logger,
        metrics,
        rateLimits,
      }),
    );
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${options.host}:${options.port}`, serverCredentials(options.tls), (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
    return {
      address: `${options.host}:${port}`,
      port,
      nc,
      pool,
      readinessChecks: {
        postgres: async () => {
          await pool.query('SELECT 1');
        },
        nats: natsReadiness(nc),
        schema: () => catalogs.loaded,
      },
      schemaHash: () => (catalogs.loaded ? catalogs.current.compiled.hash : undefined),
      drain: (deadlineMs) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, deadlineMs);
          server.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        }),
      close: async () => {
        await source.close();
        await analytics.source.close();
        await apiKeys?.close();
        await rateLimits.close();
        await audit.close();
        await nc.drain().catch(() => undefined);
        await pool.end();
      },
    };
  } catch (error) {
    server.forceShutdown();
    await source.close().catch(() => undefined);
    await analytics.source.close().catch(() => undefined);
    await apiKeys?.close();
    await rateLimits.close();
    await nc.close();
    await pool.end();
    throw error;
  }
}

/**
 * Plaintext, TLS, or mTLS when a client CA is given: the handshake then refuses a client without a certificate
 * chaining to it. mTLS is transport-level: the caller is still the bearer token's (docs/adr/0135-secrets-and-transport.md).
 */
function serverCredentials(tls: TlsFiles | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined);
}
