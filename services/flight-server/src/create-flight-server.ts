import { Server, ServerCredentials } from '@grpc/grpc-js';
import { connect, type NatsConnection } from 'nats';
import { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { FLIGHT_SERVICE, TicketCodec } from '@fraiseql/flight';
import { openSchemaSource, type SchemaSourceSpec } from '@fraiseql/graphql-runtime';
import { openSchemaBucket, SCHEMA_ACTIVE_KEY } from '@fraiseql/nats-contract';
import { QueryPlanner, type PlannerLimits } from '@fraiseql/query-planner';
import { SchemaHolder, type CompiledSchema } from '@fraiseql/schema';
import { natsReadiness, type Logger, type ReadinessCheck } from '@fraiseql/service-kit';
import { FlightCatalog } from './flight-catalog';
import { createFlightMetrics } from './flight-metrics';
import { FlightAuthenticator } from './flight-principal';
import type { FlightSettings } from './flight-service-deps';
import { createFlightServiceImpl } from './flight-service-impl';
import { StreamSlots } from './stream-slots';
import { AnalyticsCatalog } from './analytics-catalog';
import { openAnalyticsSource, type AnalyticsSourceOptions } from './analytics-source';

export interface FlightServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  natsUrl: string;
  databaseUrl: string;
  poolMax: number;
  maxConcurrentStreams: number;
  schemaSource: SchemaSourceSpec;
  /** Signs tickets and session tokens; the same on every replica. */
  ticketSecret: string;
  sessionTtlMs: number;
  limits: PlannerLimits;
  auth: { jwtSecret?: string; devAuth: boolean };
  settings: FlightSettings;
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
  const slots = new StreamSlots(options.maxConcurrentStreams);
  const tickets = new TicketCodec({ secret: options.ticketSecret });
  const auth = new FlightAuthenticator({ ...options.auth, secret: options.ticketSecret, sessionTtlMs: options.sessionTtlMs });

  const nc = await connect({ servers: options.natsUrl, name: 'flight-server', maxReconnectAttempts: -1, noAsyncTraces: true });
  const analytics = new AnalyticsCatalog(openAnalyticsSource(nc, options.analytics));
  const source = openSchemaSource(options.schemaSource, { nc, logger });
  const catalogs = new SchemaHolder<FlightCatalog>();
  source.on('change', (compiled: CompiledSchema) => {
    try {
      catalogs.swap(
        new FlightCatalog(compiled, new QueryPlanner(compiled, { cursorSecret: options.ticketSecret, limits: options.limits })),
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
        auth,
        tickets,
        slots,
        settings: options.settings,
        logger,
        metrics,
      }),
    );
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${options.host}:${options.port}`, ServerCredentials.createInsecure(), (error, bound) =>
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
        await nc.drain().catch(() => undefined);
        await pool.end();
      },
    };
  } catch (error) {
    server.forceShutdown();
    await source.close().catch(() => undefined);
    await analytics.source.close().catch(() => undefined);
    await nc.close();
    await pool.end();
    throw error;
  }
}
