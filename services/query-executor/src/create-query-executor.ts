import { connect, type NatsConnection } from 'nats';
import { Pool } from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import { openSchemaSource, watchPlanners, type SchemaSourceSpec } from '@fraiseql/graphql-runtime';
import type { PlannerLimits, QueryPlanner } from '@fraiseql/query-planner';
import { createRedMetrics, natsReadiness, type Logger, type ReadinessCheck } from '@fraiseql/service-kit';
import { AuditLog } from '@fraiseql/audit';
import { apiKeyResolvers } from './api-keys/api-key-resolvers';
import { auditResolvers, auditTablePool } from './audit/audit-resolvers';
import { MutationAudit } from './audit/mutation-audit';
import { startAuditRecorder, type AuditRecorderSettings } from './audit/start-audit-recorder';
import { startApiKeyStore } from './api-keys/start-api-key-store';
import { deadLetterResolvers } from './dead-letters/dead-letter-resolvers';
import { jobResolvers } from './jobs/job-resolvers';
import { searchResolvers } from './search/search-resolvers';
import { createQueryHandler } from './handle-query';
import { refuse } from './request-envelope';
import { checkObserverRuleInput } from './observers/check-observer-rule-input';
import { startObserverRulesMirror, type ObserverRulesMirrorSettings } from './observers/start-observer-rules-mirror';
import { startChangeLogRelay, type RelaySettings } from './relay/start-change-log-relay';
import type { ProvisionOptions } from '@fraiseql/nats-contract';
import { serveMutations } from './serve-mutations';
import { serveQueries, type QueryService } from './serve-queries';

export interface QueryExecutorOptions {
  natsUrl: string;
  databaseUrl: string;
  poolMax: number;
  statementTimeoutMs: number;
  /**
   * The role every request transaction runs as (SET LOCAL ROLE; docs/adr/0132-row-level-security.md): no BYPASSRLS,
   * owns nothing, so row-level security confines it to the caller's org. Omitted: the pool's own role (the relay and
   * the other system paths always use that one).
   */
  requestRole?: string | undefined;
  maxInFlight: number;
  /** `kv` or a path to schema.compiled.json. */
  schemaSource: SchemaSourceSpec;
  cursorSecret: string;
  limits: PlannerLimits;
  logger: Logger;
  registry: Registry;
  /** How long idempotency keys of mutations are kept (default 24 h). */
  idempotencyRetentionMs?: number;
  /** The change-log relay (src/relay); omitted: none in this process. */
  relay?: RelaySettings;
  /** Provision the JetStream streams at start with these settings; omitted: not provisioned here. */
  jetStream?: ProvisionOptions;
  /** Mirror fraiseql.tb_observer into FRAISEQL_OBSERVERS (src/observers); omitted: not from this process. */
  observerRules?: ObserverRulesMirrorSettings;
  /** How often every API key is re-written into FRAISEQL_API_KEYS to repair a missed write (default one minute). */
  apiKeySyncIntervalMs?: number;
  /** The audit log (ADR 0137): the recorder of FRAISEQL_AUDIT into fraiseql.tb_audit_log (omitted: off) and the publisher's queue bound. */
  audit?: { recorder?: AuditRecorderSettings; queueLimit?: number };
}

export interface QueryExecutor {
  nc: NatsConnection;
  /** /readyz checks: NATS connected, PostgreSQL answering, a schema loaded. */
  readinessChecks: Record<string, ReadinessCheck>;
  schemaHash(): string | undefined;
  /** Stops taking requests and waits for those in flight. */
  drain(): Promise<void>;
  /** Stops the change-log relay: no new claims, the current batch finishes or rolls back. */
  stopRelay(): Promise<void>;
  /** Closes NATS, the schema watch and the pool (after `drain`). */
  close(): Promise<void>;
}

/** Connects NATS and PostgreSQL, loads the schema (hot-reloading it) and serves `fraiseql.v1.query`. */
export async function createQueryExecutor(options: QueryExecutorOptions): Promise<QueryExecutor> {
  const logger = options.logger;
  // Pipeline mode: one transaction's BEGIN, settings, statements and COMMIT share one round trip.
  const pool = new Pool({
    connectionString: options.databaseUrl,
    max: options.poolMax,
    pipeline: true,
    connectionTimeoutMillis: options.statementTimeoutMs,
  });
  pool.on('error', (error) => logger.warn({ err: error }, 'an idle PostgreSQL connection failed'));
  registerPoolGauges(options.registry, pool, options.maxInFlight);

  const nc = await connect({ servers: options.natsUrl, name: 'query-executor', maxReconnectAttempts: -1, noAsyncTraces: true });
  const source = openSchemaSource(options.schemaSource, { nc, logger });
  // Admin observer mutations validate their rule against the schema they are planned with (ADR 0104).
  const planners = watchPlanners(
    source,
    { cursorSecret: options.cursorSecret, limits: options.limits, mutationInputCheck: checkObserverRuleInput },
    { logger },
  );
  const planner = (): QueryPlanner | undefined => (planners.loaded ? planners.current : undefined);
  try {
    await source.start();
  } catch (error) {
    // A schema file that cannot be read or is invalid stops the start-up: leave nothing open.
    await nc.close();
    await pool.end();
    throw error;
  }

  // The change-log relay: provisions the streams, then publishes the change log (own connections).
  let relay: Awaited<ReturnType<typeof startChangeLogRelay>>;
  try {
    relay = await startChangeLogRelay({
      nc,
      databaseUrl: options.databaseUrl,
      registry: options.registry,
      logger,
      relay: options.relay,
      jetStream: options.jetStream,
    });
  } catch (error) {
    await source.close();
    await nc.close();
    await pool.end();
    throw error;
  }

  const mirror = options.observerRules?.enabled
    ? await startObserverRulesMirror(
        { nc, pool, databaseUrl: options.databaseUrl, logger, registry: options.registry },
        options.observerRules,
      )
    : undefined;

  const apiKeys = await startApiKeyStore({ nc, pool, logger, fullSyncIntervalMs: options.apiKeySyncIntervalMs ?? 60_000 });
  // The audit log (ADR 0137): admin mutations are published here; the recorder writes FRAISEQL_AUDIT into PostgreSQL.
  const auditLog = new AuditLog({
    nc,
    source: 'query-executor',
    registry: options.registry,
    logger,
    ...(options.audit?.queueLimit === undefined ? {} : { queueLimit: options.audit.queueLimit }),
  });
  const auditRecorder = options.audit?.recorder?.enabled
    ? await startAuditRecorder({ nc, pool, logger, registry: options.registry, settings: options.audit.recorder })
    : undefined;

  const metrics = createRedMetrics(options.registry, { prefix: 'fraiseql_query_executor', operations: ['query', 'mutation'] });
  const heartbeatsSent = new Counter({
    name: 'fraiseql_query_executor_heartbeats_total',
    help: 'Heartbeats sent to requesters (gateways) for requests still running after their heartbeat interval.',
    registers: [options.registry],
  });
  // Native fields (ADR 0105): the admin dead-letter fields, answered from FRAISEQL_DLQ over this connection, and the
  // job fields, answered by the job-runner (docs/jobs.md).
  const nativeResolvers = {
    ...deadLetterResolvers(nc),
    ...jobResolvers(nc),
    ...searchResolvers(nc, { compiled: () => planner()?.compiled }),
    ...apiKeyResolvers(apiKeys),
    ...auditResolvers(auditRecorder ? pool : await auditTablePool(pool)),
  };
  const handle = createQueryHandler({
    pool,
    planner,
    statementTimeoutMs: options.statementTimeoutMs,
    requestRole: options.requestRole,
    metrics,
    heartbeatsSent,
    logger,
    nativeResolvers,
  });
  const service: QueryService = serveQueries({
    nc,
    handle,
    maxInFlight: options.maxInFlight,
    refuse: (msg, error) => {
      metrics.observe('query', error.code, 0);
      refuse(msg, error);
    },
    logger,
  });
  // Mutations: own subject, own handler, each field in its own read-write transaction.
  const mutations = serveMutations({
    nc,
    pool,
    planner,
    statementTimeoutMs: options.statementTimeoutMs,
    requestRole: options.requestRole,
    maxInFlight: options.maxInFlight,
    idempotencyRetentionMs: options.idempotencyRetentionMs,
    metrics,
    heartbeatsSent,
    logger,
    nativeResolvers,
    audit: new MutationAudit(auditLog),
  });
  // The server knows both subscriptions before anyone is told this executor is up: a request sent
  // right after start must find a responder, not "no responders".
  await nc.flush();

  let closing: Promise<void> | undefined;
  return {
    nc,
    readinessChecks: {
      nats: natsReadiness(nc),
      postgres: async () => {
        await pool.query('SELECT 1');
      },
      schema: () => planners.loaded,
    },
    schemaHash: () => planner()?.schemaHash,
    drain: () => Promise.all([service.drain(), mutations.drain()]).then(() => undefined),
    stopRelay: async () => relay?.stop(),
    close: () =>
      (closing ??= (async () => {
        await Promise.all([service.drain(), mutations.drain()]);
        await relay?.stop();
        await mirror?.stop();
        apiKeys?.stop();
        await auditRecorder?.drain(5000);
        await auditLog.close();
        await source.close();
        await nc.drain().catch(() => nc.close());
        await pool.end();
      })()),
  };
}

function registerPoolGauges(registry: Registry, pool: Pool, maxInFlight: number): void {
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  gauge('fraiseql_query_executor_pg_pool_connections', 'PostgreSQL connections open in the pool.', () => pool.totalCount);
  gauge('fraiseql_query_executor_pg_pool_idle_connections', 'PostgreSQL connections idle in the pool.', () => pool.idleCount);
  gauge('fraiseql_query_executor_pg_pool_waiting_requests', 'Requests waiting for a PostgreSQL connection.', () => pool.waitingCount);
  gauge(
    'fraiseql_query_executor_max_in_flight',
    'The bound on operations in flight (FRAISEQL_QUERY_EXECUTOR_MAX_IN_FLIGHT).',
    () => maxInFlight,
  );
}
