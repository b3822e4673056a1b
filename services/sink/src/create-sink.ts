import { applyClickhouseMigrations, openClickhouse, serveAnalyticsQueries, type ClickhouseExecutor } from '@fraiseql/clickhouse';
import { provisionJetStream, sinkAuditConsumer, sinkClickHouseConsumer, sinkSearchConsumer } from '@fraiseql/nats-contract';
import { PostgresSearchStore, type SearchStore } from '@fraiseql/search';
import { ElasticsearchSearchStore, type ElasticsearchAuth } from '@fraiseql/search-elasticsearch';
import { natsReadiness, type Logger, type ReadinessCheck } from '@fraiseql/service-kit';
import { connect, type NatsConnection, type Subscription } from 'nats';
import type { Registry } from 'prom-client';
import { clickhouseBatchWrite } from './dataplanes/clickhouse-writer';
import { startDataplane, type Dataplane, type DataplaneName } from './dataplanes/dataplane';
import { isSearchOutage, searchBatchWrite } from './dataplanes/search-writer';
import { serveSearchApi } from './serve-search-api';
import { createSinkMetrics } from './sink-metrics';

export interface SinkOptions {
  natsUrl: string;
  dataplanes: readonly DataplaneName[];
  clickhouse: {
    /** A server; unset: the embedded engine in `path`. */
    url?: string;
    user?: string;
    password?: string;
    database: string;
    path: string;
    retentionDays: number;
    batch: { maxRows: number; maxBytes: number; maxDelayMs: number };
  };
  search: {
    /** Elasticsearch; unset: PostgreSQL full-text search. */
    elasticsearch?: { url: string; auth?: ElasticsearchAuth; cursorSecret?: string; retentionDays: number };
    postgres: { connectionString: string; poolMax: number; schema: string; textSearchConfig: string };
    batch: { maxRows: number; maxBytes: number; maxDelayMs: number };
    /** Also index the audit log (FRAISEQL_AUDIT, consumer sink-audit) as entity type AuditEntry (ADR 0137). Default false. */
    audit?: boolean;
  };
  /** Tests: consumer overrides (ack wait, max deliver) for both dataplanes. */
  consumerOptions?: Parameters<typeof sinkClickHouseConsumer>[0];
  logger: Logger;
  registry: Registry;
}

export interface Sink {
  clickhouse?: ClickhouseExecutor;
  search?: SearchStore;
  readinessChecks: Record<string, ReadinessCheck>;
  /** SIGTERM: stop the search API, stop pulling, write or hand back what is in hand. */
  drain(deadlineMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * sink (docs/analytics.md, docs/search.md): two independent dataplanes — ClickHouse (facts, entity state, rollups)
 * and search — each its own durable consumer with batched, idempotent writes, so either store can be down while the
 * other keeps flowing; and the search API over the search store.
 */
export async function createSink(options: SinkOptions): Promise<Sink> {
  const { logger, registry } = options;
  const nc: NatsConnection = await connect({ servers: options.natsUrl, name: 'sink', maxReconnectAttempts: -1, noAsyncTraces: true });
  const metrics = createSinkMetrics(registry);
  // Each replica holds up to two batches un-acked: room for two replicas before JetStream stops delivering.
  const consumerOptions = (maxRows: number) => ({ maxAckPending: Math.max(10_000, maxRows * 4), ...options.consumerOptions });
  const dataplanes: Dataplane[] = [];
  let clickhouse: ClickhouseExecutor | undefined;
  let search: SearchStore | undefined;
  let subscription: Subscription | undefined;
  let analytics: Subscription | undefined;
  const closeAll = async (): Promise<void> => {
    subscription?.unsubscribe();
    analytics?.unsubscribe();
    await search?.close().catch(() => undefined);
    await clickhouse?.close().catch(() => undefined);
    if (!nc.isClosed()) await nc.close();
  };
  try {
    await provisionJetStream(nc);
    const readinessChecks: Record<string, ReadinessCheck> = { nats: natsReadiness(nc) };

    if (options.dataplanes.includes('clickhouse')) {
      const ch = options.clickhouse;
      clickhouse = await openClickhouse(
        ch.url === undefined
          ? { path: ch.path, database: ch.database }
          : {
              url: ch.url,
              database: ch.database,
              ...(ch.user ? { user: ch.user } : {}),
              ...(ch.password ? { password: ch.password } : {}),
            },
      );
      const migrated = await applyClickhouseMigrations(clickhouse, { retentionDays: ch.retentionDays, logger });
      logger.info({ applied: migrated.applied, retention: migrated.retention, engine: clickhouse.kind }, 'ClickHouse tables ready');
      const executor = clickhouse;
      dataplanes.push(
        await startDataplane({
          name: 'clickhouse',
          nc,
          consumer: sinkClickHouseConsumer(consumerOptions(ch.batch.maxRows)),
          write: clickhouseBatchWrite(executor),
          ...ch.batch,
          logger,
          registry,
          metrics,
        }),
      );
      readinessChecks.clickhouse = () => executor.ping();
      // Only this process can open an embedded engine: flight-server asks it (a server it reads itself).
      if (executor.kind === 'embedded') {
        analytics = serveAnalyticsQueries(nc, executor, {
          onError: (error) => logger.error({ err: error }, 'analytics query failed'),
        });
        await nc.flush();
      }
    }

    if (options.dataplanes.includes('search')) {
      const { elasticsearch, postgres } = options.search;
      search = elasticsearch
        ? new ElasticsearchSearchStore({
            node: elasticsearch.url,
            retentionDays: elasticsearch.retentionDays,
            ...(elasticsearch.auth ? { auth: elasticsearch.auth } : {}),
            ...(elasticsearch.cursorSecret ? { cursorSecret: elasticsearch.cursorSecret } : {}),
          })
        : new PostgresSearchStore(postgres);
      await search.prepare();
      logger.info({ store: search.kind }, 'search store ready');
      const store = search;
      dataplanes.push(
        await startDataplane({
          name: 'search',
          nc,
          consumer: sinkSearchConsumer(consumerOptions(options.search.batch.maxRows)),
          write: searchBatchWrite(store),
          isTransient: isSearchOutage,
          ...options.search.batch,
          logger,
          registry,
          metrics,
        }),
      );
      if (options.search.audit) {
        // Audit entries are EntityEvents (entity type AuditEntry): the same writer indexes them, from their own stream.
        dataplanes.push(
          await startDataplane({
            name: 'search-audit',
            nc,
            consumer: sinkAuditConsumer(consumerOptions(options.search.batch.maxRows)),
            write: searchBatchWrite(store),
            isTransient: isSearchOutage,
            ...options.search.batch,
            logger,
            registry,
            metrics,
          }),
        );
      }
      subscription = serveSearchApi(nc, store, {
        onInternalError: (error, operation) => logger.error({ err: error, operation }, 'search API request failed'),
      });
      await nc.flush();
      readinessChecks.search = async () => {
        if (!(await store.ping())) throw new Error(`the ${store.kind} search store does not answer`);
      };
    }
    for (const dataplane of dataplanes) readinessChecks[`consumer-${dataplane.name}`] = dataplane.readiness;

    let drained: Promise<void> | undefined;
    const drain = (deadlineMs: number): Promise<void> =>
      (drained ??= (async () => {
        await subscription?.drain().catch(() => undefined);
        await analytics?.drain().catch(() => undefined);
        await Promise.all(dataplanes.map((d) => d.drain(deadlineMs)));
      })());
    return {
      ...(clickhouse ? { clickhouse } : {}),
      ...(search ? { search } : {}),
      readinessChecks,
      drain,
      async close() {
        await drain(0);
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
