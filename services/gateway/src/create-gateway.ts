import type { FastifyInstance } from 'fastify';
import { connect, type NatsConnection } from 'nats';
import { Gauge, type Registry } from 'prom-client';
import { openSchemaSource, watchPlanners, type SchemaSourceSpec } from '@fraiseql/graphql-runtime';
import type { PlannerLimits, QueryPlanner } from '@fraiseql/query-planner';
import { createRedMetrics, natsReadiness, type Logger, type ReadinessCheck } from '@fraiseql/service-kit';
import { ChangeSubscriptions } from './change-subscriptions';
import { createQueryForwarder } from './forward-query';
import { createAuthResolver, type AuthOptions } from '@fraiseql/auth';
import type { ExportDownloadOptions } from './export-downloads';
import { buildServer, replaceServedSchema } from './server';

export interface GatewayOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  natsUrl: string;
  /** `kv` or a path to schema.compiled.json. */
  schemaSource: SchemaSourceSpec;
  cursorSecret: string;
  limits: PlannerLimits;
  requestTimeoutMs: number;
  /** No heartbeat or reply from the executor for this long → FRAISEQL_EXECUTOR_UNAVAILABLE; 0 = off. */
  executorLivenessMs: number;
  maxInFlight: number;
  bodyLimitBytes: number;
  auth: AuthOptions;
  graphiql: boolean;
  /** GraphQL subscriptions over WebSocket (docs/adr/0083-subscriptions.md); defaults as in config. */
  subscriptions?: Partial<GatewaySubscriptionOptions>;
  /** Export files behind signed download links (docs/jobs.md); absent: `/v1/exports/*` is not served. */
  exportDownloads?: Omit<ExportDownloadOptions, 'logger'>;
  logger: Logger;
  registry: Registry;
}

export interface GatewaySubscriptionOptions {
  /** FRAISEQL_GATEWAY_SUBSCRIPTION_MAX_QUEUE */
  maxQueue: number;
  /** FRAISEQL_GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION */
  maxPerConnection: number;
  /** FRAISEQL_GATEWAY_MAX_SUBSCRIPTIONS */
  maxTotal: number;
}

export interface Gateway {
  app: FastifyInstance;
  nc: NatsConnection;
  /** `http://host:port` once listening. */
  address: string;
  readinessChecks: Record<string, ReadinessCheck>;
  schemaHash(): string | undefined;
  /** GraphQL subscriptions open now. */
  subscriptionCount(): number;
  /** Stops accepting connections and waits for requests in flight, then closes NATS and the schema watch. */
  close(): Promise<void>;
}

/** Connects NATS, loads the schema (hot-reloading it), builds the HTTP app and listens. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = options.logger;
  // noAsyncTraces: nats.js would otherwise allocate an Error per request to keep async stacks (~2% of CPU).
  const nc = await connect({ servers: options.natsUrl, name: 'gateway', maxReconnectAttempts: -1, noAsyncTraces: true });
  const source = openSchemaSource(options.schemaSource, { nc, logger });
  const planners = watchPlanners(
    source,
    { cursorSecret: options.cursorSecret, limits: options.limits },
    {
      logger,
      // Mercurius serves the schema to GraphiQL and subscriptions; `app` exists before source.start().
      onSwap: (next) => {
        subscriptions.attach(next.graphqlSchema);
        replaceServedSchema(app, next.graphqlSchema);
      },
    },
  );
  const planner = (): QueryPlanner | undefined => (planners.loaded ? planners.current : undefined);
  const metrics = createRedMetrics(options.registry, { prefix: 'fraiseql_gateway' });
  new Gauge({
    name: 'fraiseql_gateway_max_in_flight',
    help: 'The bound on GraphQL requests in flight (FRAISEQL_GATEWAY_MAX_IN_FLIGHT).',
    registers: [options.registry],
  }).set(options.maxInFlight);

  const subscriptions = new ChangeSubscriptions({
    js: nc.jetstream(),
    planner,
    resolveAuth: createAuthResolver(options.auth),
    maxQueue: options.subscriptions?.maxQueue ?? 1000,
    maxPerConnection: options.subscriptions?.maxPerConnection ?? 100,
    maxTotal: options.subscriptions?.maxTotal ?? 10_000,
    logger,
    registry: options.registry,
  });
  const forwarder = createQueryForwarder(nc, { livenessMs: options.executorLivenessMs, logger, registry: options.registry });

  const app = buildServer({
    logger,
    graphiql: options.graphiql,
    planner,
    forwarder,
    requestTimeoutMs: options.requestTimeoutMs,
    maxInFlight: options.maxInFlight,
    bodyLimitBytes: options.bodyLimitBytes,
    auth: options.auth,
    metrics,
    subscriptions,
    ...(options.exportDownloads ? { exportDownloads: { ...options.exportDownloads, logger } } : {}),
  });
  // Ready before the first schema arrives: mercurius must exist to take it.
  await app.ready();

  try {
    await source.start();
  } catch (error) {
    // A schema file that cannot be read or is invalid stops the start-up: leave nothing open.
    await app.close();
    forwarder.close();
    await nc.close();
    throw error;
  }

  await app.listen({ host: options.host, port: options.port });
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : options.port;
  const address = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  logger.info({ address }, 'gateway listening');

  let closing: Promise<void> | undefined;
  return {
    app,
    nc,
    address,
    readinessChecks: {
      nats: natsReadiness(nc),
      schema: () => planners.loaded,
    },
    schemaHash: () => planner()?.schemaHash,
    subscriptionCount: () => subscriptions.activeCount,
    close: () =>
      (closing ??= (async () => {
        // Subscribers are told the gateway is going away (1001) and their consumers deleted, before NATS drains.
        subscriptions.closeAll();
        await app.close();
        forwarder.close();
        await source.close();
        await nc.drain().catch(() => nc.close());
      })()),
  };
}
