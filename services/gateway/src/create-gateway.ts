import type { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { connect, type NatsConnection } from 'nats';
import { Gauge, type Registry } from 'prom-client';
import { openSchemaSource, watchPlanners, type SchemaSourceSpec, type TrustedDocumentsMode } from '@fraiseql/graphql-runtime';
import type { PlannerLimits, QueryPlanner } from '@fraiseql/query-planner';
import { AuditLog, rateLimitedEntry } from '@fraiseql/audit';
import { RateLimits, type RateLimitedEvent, type RateLimitsOptions } from '@fraiseql/rate-limits';
import { createRedMetrics, natsReadiness, type Logger, type ReadinessCheck, type TlsFiles } from '@fraiseql/service-kit';
import { ChangeSubscriptions } from './change-subscriptions';
import { createQueryForwarder } from './forward-query';
import { ApiKeyDirectory, createAuthResolver, type AuthOptions } from '@fraiseql/auth';
import type { ExportDownloadOptions } from './export-downloads';
import { buildServer, replaceServedSchema } from './server';
import type { TrustProxy } from './trust-proxy';
import type { QueryLimitsPolicy } from './admit-query-limits';
import { TrustedDocuments } from './trusted-documents';

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
  /** How callers authenticate; API keys are read from FRAISEQL_API_KEYS when `apiKeys` is set (the directory is the gateway's own). */
  auth: Omit<AuthOptions, 'apiKeys'>;
  /** Accept API keys (FRAISEQL_AUTH_API_KEYS). */
  apiKeys?: boolean;
  graphiql: boolean;
  /** GraphQL subscriptions over WebSocket (docs/adr/0083-subscriptions.md); defaults as in config. */
  subscriptions?: Partial<GatewaySubscriptionOptions>;
  /** Export files behind signed download links (docs/jobs.md); absent: `/v1/exports/*` is not served. */
  exportDownloads?: Omit<ExportDownloadOptions, 'logger'>;
  /** Native TLS (FRAISEQL_GATEWAY_TLS_*): HTTPS, and client certificates required when `clientCa` is set. */
  tls?: TlsFiles;
  /** Reads the TLS files again: on SIGHUP the new certificate serves new connections (a renewed Secret, no restart). */
  reloadTls?: () => TlsFiles | undefined;
  /** FRAISEQL_GRAPHQL_TRUSTED_DOCUMENTS (docs/adr/0134-trusted-documents-and-limits.md); default `off`. */
  trustedDocuments?: TrustedDocumentsMode;
  /** Per-role depth/nodes/cost limits (FRAISEQL_GRAPHQL_ROLE_LIMITS); absent: the planner's `limits` only. */
  queryLimits?: QueryLimitsPolicy;
  /** Request rate limits (FRAISEQL_RATE_LIMIT_*, docs/adr/0133-rate-limits.md); absent: none. */
  rateLimits?: RateLimitsOptions;
  /** FRAISEQL_GATEWAY_TRUST_PROXY: whom to believe about the client address; absent: the socket peer. */
  trustProxy?: TrustProxy;
  /** Told of every rate-limit refusal (besides the audit log, which records each). */
  onRateLimited?: (event: RateLimitedEvent) => void;
  /** Audit entries held while JetStream is slow or away (FRAISEQL_AUDIT_QUEUE_LIMIT); default 1000. */
  auditQueueLimit?: number;
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
  /** `http://host:port` (`https://` with TLS) once listening. */
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
  const apiKeys = options.apiKeys
    ? await ApiKeyDirectory.open(nc, { onMalformed: (key, error) => logger.error({ key, err: error }, 'API key record refused') })
    : undefined;
  const auth: AuthOptions = { ...options.auth, ...(apiKeys ? { apiKeys } : {}) };
  // The audit log (ADR 0137): refused credentials and rate-limit refusals, fire-and-forget.
  const audit = new AuditLog({
    nc,
    source: 'gateway',
    registry: options.registry,
    logger,
    ...(options.auditQueueLimit === undefined ? {} : { queueLimit: options.auditQueueLimit }),
  });
  const onRateLimited = (event: RateLimitedEvent): void => {
    audit.record(rateLimitedEntry(event));
    options.onRateLimited?.(event);
  };
  const rateLimits = options.rateLimits
    ? await RateLimits.open(options.rateLimits, { logger, registry: options.registry, onRateLimited })
    : undefined;
  const trustedDocuments = new TrustedDocuments({ mode: options.trustedDocuments ?? 'off', logger });
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
  const metrics = createRedMetrics(options.registry, { prefix: 'fraiseql_gateway', operations: ['query', 'mutation', 'subscription'] });
  new Gauge({
    name: 'fraiseql_gateway_max_in_flight',
    help: 'The bound on GraphQL requests in flight (FRAISEQL_GATEWAY_MAX_IN_FLIGHT).',
    registers: [options.registry],
  }).set(options.maxInFlight);

  const subscriptions = new ChangeSubscriptions({
    js: nc.jetstream(),
    planner,
    resolveAuth: createAuthResolver(auth),
    ...(apiKeys ? { apiKeys } : {}),
    maxQueue: options.subscriptions?.maxQueue ?? 1000,
    maxPerConnection: options.subscriptions?.maxPerConnection ?? 100,
    maxTotal: options.subscriptions?.maxTotal ?? 10_000,
    ...(rateLimits ? { rateLimits } : {}),
    ...(options.queryLimits ? { queryLimits: options.queryLimits } : {}),
    audit,
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
    auth,
    metrics,
    subscriptions,
    trustedDocuments,
    audit,
    ...(options.queryLimits ? { queryLimits: options.queryLimits } : {}),
    ...(rateLimits ? { rateLimits } : {}),
    ...(options.exportDownloads ? { exportDownloads: { ...options.exportDownloads, logger, ...(rateLimits ? { rateLimits } : {}) } } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
  });
  // Ready before the first schema arrives: mercurius must exist to take it.
  await app.ready();

  try {
    await source.start();
    await trustedDocuments.start(nc);
  } catch (error) {
    // A schema file that cannot be read or is invalid stops the start-up: leave nothing open.
    await app.close();
    forwarder.close();
    await trustedDocuments.close();
    await apiKeys?.close();
    await rateLimits?.close();
    await nc.close();
    throw error;
  }

  await app.listen({ host: options.host, port: options.port });
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : options.port;
  const address = `${options.tls ? 'https' : 'http'}://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  logger.info({ address, tls: options.tls ? (options.tls.clientCa ? 'mtls' : 'tls') : 'off' }, 'gateway listening');
  const stopTlsReload = options.tls && options.reloadTls ? reloadTlsOnSighup(app, options.reloadTls, logger) : () => undefined;

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
        stopTlsReload();
        await app.close();
        forwarder.close();
        await source.close();
        await trustedDocuments.close();
        await apiKeys?.close();
        await rateLimits?.close();
        await audit.close();
        await nc.drain().catch(() => nc.close());
      })()),
  };
}

/** SIGHUP → the TLS files are read again and serve new connections; a bad file is logged and the old certificate kept. */
function reloadTlsOnSighup(app: FastifyInstance, read: () => TlsFiles | undefined, logger: Logger): () => void {
  const reload = (): void => {
    try {
      const files = read();
      if (!files) return;
      (app.server as unknown as TlsServer).setSecureContext({
        cert: files.cert,
        key: files.key,
        ...(files.clientCa ? { ca: files.clientCa } : {}),
      });
      logger.info('TLS certificate reloaded (SIGHUP)');
    } catch (error) {
      logger.error({ err: error }, 'TLS certificate not reloaded: keeping the current one');
    }
  };
  process.on('SIGHUP', reload);
  return () => process.off('SIGHUP', reload);
}
