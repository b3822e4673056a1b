import { randomBytes } from 'node:crypto';
import { openSchemaSource, watchPlanners, type SchemaSourceSpec } from '@fraiseql/graphql-runtime';
import { OrgFairness, type OrgLimits } from '@fraiseql/job-fairness';
import { createExportStore, type ExportStoreConfig } from '@fraiseql/job-export';
import { serveJobApi } from '@fraiseql/jobs';
import { provisionJetStream } from '@fraiseql/nats-contract';
import { ActionDelivery, EmailClient, WebhookClient, type EmailOptions } from '@fraiseql/observer-actions';
import type { PlannerLimits, QueryPlanner } from '@fraiseql/query-planner';
import type { SchemaSource } from '@fraiseql/schema';
import { natsReadiness, type ReadinessCheck } from '@fraiseql/service-kit';
import { Redis } from 'ioredis';
import { connect, type NatsConnection, type Subscription } from 'nats';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { jobApiHandlers } from './api/job-api-handlers';
import { boardRoutes, type BoardMode } from './board';
import { JobAnnouncer } from './engine/job-announcer';
import { JobKeys } from './engine/job-keys';
import { createJobMetrics, type JobGaugeSources, type JobMetrics } from './engine/job-metrics';
import { JobQueue } from './engine/job-queue';
import { JobWorker } from './engine/job-worker';
import { emailBatchJobType } from './job-types/email-batch-job';
import { exportJobType } from './job-types/export-job';
import { JobTypeRegistry, type JobType } from './job-types/job-type';
import { webhookJobType } from './job-types/webhook-job';

export interface JobRunnerOptions {
  natsUrl: string;
  redisUrl: string;
  queueName: string;
  redisPrefix: string;
  concurrency: number;
  lockMs: number;
  maxStalled: number;
  watchdogGraceMs: number;
  keepSucceededMs: number;
  keepDeadMs: number;
  orgLimits?: OrgLimits;
  orgLimitsByOrg?: Record<string, OrgLimits>;
  apiMaxInFlight: number;
  /** Exports: both set, or the export type is not offered. */
  export?: {
    databaseUrl: string;
    poolMax: number;
    store: ExportStoreConfig;
    signingKey: string;
    linkTtlMs: number;
    /** The compiled schema graphql exports are planned with (FRAISEQL_SCHEMA_SOURCE); unset: no graphql exports. */
    schemaSource?: SchemaSourceSpec;
    plannerLimits?: Partial<PlannerLimits>;
  };
  allowTargets: string[];
  email?: EmailOptions;
  board: 'off' | BoardMode;
  logger: Logger;
  registry: Registry;
  /** Tests: replace the job types (default: webhook, email-batch when SMTP is set, export when configured). */
  types?: (defaults: JobType<never>[]) => JobType<never>[];
}

export interface JobRunner {
  queue: JobQueue;
  worker: JobWorker;
  types: JobTypeRegistry;
  metrics: JobMetrics;
  readinessChecks: Record<string, ReadinessCheck>;
  opsRoutes?: ReturnType<typeof boardRoutes>;
  /** SIGTERM: stop answering the API, stop taking jobs, let running ones finish within `graceMs`, hand back the rest. */
  drain(graceMs: number): Promise<{ handedBack: number }>;
  close(): Promise<void>;
}

/**
 * job-runner (docs/jobs.md): the job types, the BullMQ queue and worker wrapped with fairness, timeouts, retries and
 * a dead-letter queue, the job API on NATS, the operator UI, and the gauges read from Redis on each scrape.
 */
export async function createJobRunner(options: JobRunnerOptions): Promise<JobRunner> {
  const { logger, registry } = options;
  const nc: NatsConnection = await connect({ servers: options.natsUrl, name: 'job-runner', maxReconnectAttempts: -1, noAsyncTraces: true });
  // BullMQ wants its own connections (blocking reads) that wait through Redis restarts: no per-request retry limit.
  const bullConnection = new Redis(options.redisUrl, { maxRetriesPerRequest: null, connectionName: 'job-runner-bullmq' });
  const workerConnection = new Redis(options.redisUrl, { maxRetriesPerRequest: null, connectionName: 'job-runner-worker' });
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3, connectionName: 'job-runner' });
  for (const client of [bullConnection, workerConnection, redis])
    client.on('error', (error: Error) => logger.debug({ err: error }, 'redis error'));
  const pool = options.export
    ? new pg.Pool({ connectionString: options.export.databaseUrl, max: options.export.poolMax, application_name: 'fraiseql-job-runner' })
    : undefined;
  pool?.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'));
  const delivery = new ActionDelivery({ registry, ssrf: { allow: options.allowTargets } });
  const emailClient = options.email ? new EmailClient(delivery, options.email) : undefined;
  let fairness: OrgFairness | undefined;
  let subscription: Subscription | undefined;
  let schemaSource: SchemaSource | undefined;
  const closeAll = async (): Promise<void> => {
    subscription?.unsubscribe();
    await schemaSource?.close().catch(() => undefined);
    emailClient?.close();
    await delivery.close();
    await fairness?.close();
    await pool?.end().catch(() => undefined);
    for (const client of [bullConnection, workerConnection, redis]) client.disconnect();
    if (!nc.isClosed()) await nc.close();
  };
  try {
    // Created when missing (FRAISEQL_JOBS is published here); their settings belong to the query-executor, never undone here.
    await provisionJetStream(nc, {}, { existing: 'keep' });
    const defaults: JobType<never>[] = [webhookJobType(new WebhookClient(delivery)) as unknown as JobType<never>];
    if (emailClient) defaults.push(emailBatchJobType(emailClient) as unknown as JobType<never>);
    if (options.export && pool) {
      let planner: (() => QueryPlanner) | undefined;
      if (options.export.schemaSource !== undefined) {
        schemaSource = openSchemaSource(options.export.schemaSource, { nc, logger });
        // Exports serve no Relay cursors: the cursor key is this process's own.
        const planners = watchPlanners(
          schemaSource,
          { cursorSecret: randomBytes(32), ...(options.export.plannerLimits ? { limits: options.export.plannerLimits } : {}) },
          { logger },
        );
        await schemaSource.start();
        planner = () => planners.current;
      }
      const store = createExportStore(options.export.store);
      defaults.push(exportJobType({ pool, nc, store, ...(planner ? { planner } : {}) }) as unknown as JobType<never>);
    }
    const types = new JobTypeRegistry(options.types ? options.types(defaults) : defaults);

    const gauges: { sources?: JobGaugeSources } = {};
    const metrics = createJobMetrics(registry, options.queueName, () => gauges.sources, types.names());
    const keys = new JobKeys(options.redisPrefix, options.queueName);
    fairness = new OrgFairness({
      redis,
      keyPrefix: `${options.redisPrefix}:${options.queueName}:fair`,
      queueName: options.queueName,
      ...(options.orgLimits ? { limits: options.orgLimits } : {}),
      ...(options.orgLimitsByOrg ? { orgLimits: options.orgLimitsByOrg } : {}),
    });
    const announcer = new JobAnnouncer(nc, logger, metrics.announceFailures);
    const common = { redis, keys, types, fairness, nc, announcer, metrics };
    const queue = new JobQueue({
      ...common,
      connection: bullConnection,
      keepSucceededMs: options.keepSucceededMs,
      keepDeadMs: options.keepDeadMs,
    });
    const worker = new JobWorker({
      ...common,
      connection: workerConnection,
      queue,
      logger,
      concurrency: options.concurrency,
      lockMs: options.lockMs,
      maxStalled: options.maxStalled,
      watchdogGraceMs: options.watchdogGraceMs,
      keepDeadMs: options.keepDeadMs,
    });
    gauges.sources = gaugeSources(queue, keys, redis, fairness);
    subscription = serveJobApi(
      nc,
      jobApiHandlers({
        queue,
        ...(options.export ? { signingKey: options.export.signingKey } : {}),
        defaultLinkTtlMs: options.export?.linkTtlMs ?? 900_000,
      }),
      {
        maxInFlight: options.apiMaxInFlight,
        onInternalError: (error, operation) => logger.error({ err: error, operation }, 'job API request failed'),
      },
    );
    // The server must know the subscription before anyone is told the runner is up: a request sent in between
    // would find no responder.
    await nc.flush();
    worker.start();

    let drained: Promise<{ handedBack: number }> | undefined;
    const drain = (graceMs: number): Promise<{ handedBack: number }> => {
      drained ??= (async () => {
        await subscription?.drain().catch(() => undefined);
        return worker.close(graceMs);
      })();
      return drained;
    };
    return {
      queue,
      worker,
      types,
      metrics,
      readinessChecks: {
        nats: natsReadiness(nc),
        redis: async () => (await redis.ping()) === 'PONG',
        ...(pool ? { postgres: async () => void (await pool.query('SELECT 1')) } : {}),
      },
      ...(options.board === 'off' ? {} : { opsRoutes: boardRoutes(queue.queue, options.board) }),
      drain,
      async close() {
        await drain(0);
        await queue.close();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** What the gauges read on each scrape: BullMQ's counts, the DLQ, and per-org running and waiting jobs. */
function gaugeSources(queue: JobQueue, keys: JobKeys, redis: Redis, fairness: OrgFairness): JobGaugeSources {
  const states = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'] as const;
  return {
    async queueDepth() {
      const counts = await queue.queue.getJobCounts(...states);
      return Object.fromEntries(states.map((state) => [state, counts[state] ?? 0]));
    },
    async oldestAge() {
      const now = Date.now();
      const age = (since: number | undefined) => (since === undefined ? 0 : Math.max(0, (now - since) / 1000));
      // Lists are read from their oldest end; prioritized jobs are ordered by priority, so the next 100 stand for it.
      const [waiting, prioritized, active] = await Promise.all([
        queue.queue.getJobs(['waiting'], 0, 0, true),
        queue.queue.getJobs(['prioritized'], 0, 99, true),
        queue.queue.getJobs(['active'], 0, 0, true),
      ]);
      const oldest = (jobs: { timestamp: number }[]) => (jobs.length ? Math.min(...jobs.map((job) => job.timestamp)) : undefined);
      return {
        waiting: age(oldest(waiting)),
        prioritized: age(oldest(prioritized)),
        active: age(active[0]?.processedOn ?? undefined),
      };
    },
    async dlqItems() {
      const [failed, cancelled] = await Promise.all([queue.queue.getJobCountByTypes('failed'), redis.scard(keys.cancelled)]);
      return Math.max(0, failed - cancelled);
    },
    async orgActive() {
      return (await fairness.snapshot()).map(({ orgId, active }) => ({ org: orgId, count: active }));
    },
    async orgWaiting() {
      const orgs = await redis.smembers(keys.orgs);
      const pipeline = redis.pipeline();
      for (const org of orgs) pipeline.zcard(keys.orgPendingOfToken(org));
      const replies = (await pipeline.exec()) ?? [];
      return orgs.map((org, i) => ({ org, count: Number(replies[i]?.[1] ?? 0) })).filter((row) => row.count > 0);
    },
  };
}
