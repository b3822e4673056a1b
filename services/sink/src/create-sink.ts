import { serveAnalyticsQueries, type ClickhouseExecutor } from '@fraiseql/clickhouse';
import { provisionJetStream } from '@fraiseql/nats-contract';
import type { SearchStore } from '@fraiseql/search';
import { natsReadiness, type ReadinessCheck } from '@fraiseql/service-kit';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { clickhouseBatchWrite } from './dataplanes/clickhouse-writer';
import { startDataplane, type Dataplane } from './dataplanes/dataplane';
import { isSearchOutage, searchBatchWrite } from './dataplanes/search-writer';
import { serveSearchApi } from './serve-search-api';
import { createSinkMetrics } from './sink-metrics';
import type { SinkOptions } from './sink-options';
import { openClickhouseTables, openSearchStore, sinkConsumers } from './sink-stores';

export type { SinkOptions } from './sink-options';

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
  const metrics = createSinkMetrics(registry, [
    ...options.dataplanes,
    ...(options.dataplanes.includes('search') && options.search.audit ? (['search-audit'] as const) : []),
  ]);
  const consumers = sinkConsumers(options);
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
    // Created when missing; their settings belong to the query-executor (and the provision Job), never undone here.
    await provisionJetStream(nc, {}, { existing: 'keep' });
    const readinessChecks: Record<string, ReadinessCheck> = { nats: natsReadiness(nc) };

    if (consumers.clickhouse) {
      const ch = options.clickhouse;
      clickhouse = (await openClickhouseTables(ch, logger)).executor;
      const executor = clickhouse;
      dataplanes.push(
        await startDataplane({
          name: 'clickhouse',
          nc,
          consumer: consumers.clickhouse,
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

    if (consumers.search) {
      search = await openSearchStore(options.search, logger);
      const store = search;
      dataplanes.push(
        await startDataplane({
          name: 'search',
          nc,
          consumer: consumers.search,
          write: searchBatchWrite(store),
          isTransient: isSearchOutage,
          ...options.search.batch,
          logger,
          registry,
          metrics,
        }),
      );
      if (consumers.searchAudit) {
        // Audit entries are EntityEvents (entity type AuditEntry): the same writer indexes them, from their own stream.
        dataplanes.push(
          await startDataplane({
            name: 'search-audit',
            nc,
            consumer: consumers.searchAudit,
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
