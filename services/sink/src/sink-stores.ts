import { applyClickhouseMigrations, openClickhouse, type ClickhouseExecutor, type ClickhouseMigrationResult } from '@fraiseql/clickhouse';
import {
  ensureConsumer,
  provisionJetStream,
  sinkAuditConsumer,
  sinkClickHouseConsumer,
  sinkSearchConsumer,
  type ConsumerSpec,
  type EnsureOutcome,
  type ProvisionResult,
} from '@fraiseql/nats-contract';
import { PostgresSearchStore, type SearchStore } from '@fraiseql/search';
import { ElasticsearchSearchStore } from '@fraiseql/search-elasticsearch';
import type { Logger } from '@fraiseql/service-kit';
import { connect } from 'nats';
import type { SinkOptions } from './sink-options';

type StoreOptions = Omit<SinkOptions, 'logger' | 'registry' | 'natsUrl'>;

/** The durable consumers of the configured dataplanes, as the sink binds them (`search-audit` only with search.audit). */
export function sinkConsumers(options: Pick<StoreOptions, 'dataplanes' | 'clickhouse' | 'search' | 'consumerOptions'>): {
  clickhouse?: ConsumerSpec;
  search?: ConsumerSpec;
  searchAudit?: ConsumerSpec;
} {
  // Each replica holds up to two batches un-acked: room for two replicas before JetStream stops delivering.
  const consumerOptions = (maxRows: number) => ({ maxAckPending: Math.max(10_000, maxRows * 4), ...options.consumerOptions });
  const search = options.dataplanes.includes('search');
  return {
    ...(options.dataplanes.includes('clickhouse')
      ? { clickhouse: sinkClickHouseConsumer(consumerOptions(options.clickhouse.batch.maxRows)) }
      : {}),
    ...(search ? { search: sinkSearchConsumer(consumerOptions(options.search.batch.maxRows)) } : {}),
    ...(search && options.search.audit ? { searchAudit: sinkAuditConsumer(consumerOptions(options.search.batch.maxRows)) } : {}),
  };
}

/** Opens ClickHouse (a server, or the embedded engine in `path`) and applies migrations/clickhouse and the retention. */
export async function openClickhouseTables(
  ch: SinkOptions['clickhouse'],
  logger: Logger,
): Promise<{ executor: ClickhouseExecutor; migrated: ClickhouseMigrationResult }> {
  const clickhouse = await openClickhouse(
    ch.url === undefined
      ? { path: ch.path, database: ch.database }
      : {
          url: ch.url,
          database: ch.database,
          ...(ch.user ? { user: ch.user } : {}),
          ...(ch.password ? { password: ch.password } : {}),
        },
  );
  try {
    const migrated = await applyClickhouseMigrations(clickhouse, { retentionDays: ch.retentionDays, logger });
    logger.info(
      { applied: migrated.applied, unchanged: migrated.skipped.length, retention: migrated.retention, engine: clickhouse.kind },
      'ClickHouse tables ready',
    );
    return { executor: clickhouse, migrated };
  } catch (error) {
    await clickhouse.close().catch(() => undefined);
    throw error;
  }
}

/** Elasticsearch (templates, ILM) when configured, else PostgreSQL full-text search (its schema): prepared. */
export async function openSearchStore(search: SinkOptions['search'], logger: Logger): Promise<SearchStore> {
  const { elasticsearch, postgres } = search;
  const store: SearchStore = elasticsearch
    ? new ElasticsearchSearchStore({
        node: elasticsearch.url,
        retentionDays: elasticsearch.retentionDays,
        ...(elasticsearch.auth ? { auth: elasticsearch.auth } : {}),
        ...(elasticsearch.cursorSecret ? { cursorSecret: elasticsearch.cursorSecret } : {}),
      })
    : new PostgresSearchStore(postgres);
  try {
    await store.prepare();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  logger.info({ store: store.kind }, 'search store ready');
  return store;
}

export interface SinkStoresReport {
  streams: ProvisionResult['streams'];
  buckets: ProvisionResult['bucketOutcomes'];
  clickhouse: { applied: string[]; unchanged: number } | 'embedded: migrated by the sink at start' | 'off';
  search: 'postgres' | 'elasticsearch' | 'off';
  consumers: Record<string, EnsureOutcome>;
}

/**
 * `node service/provision.js` of the sink: the streams it reads (created when missing; their settings are the
 * query-executor's), the ClickHouse tables (a server; an embedded engine belongs to the sink process alone), the search
 * store's schema or templates, and the durable consumers of its dataplanes. Idempotent.
 */
export async function provisionSinkStores(options: Omit<SinkOptions, 'logger' | 'registry'>, logger: Logger): Promise<SinkStoresReport> {
  let clickhouse: SinkStoresReport['clickhouse'] = 'off';
  if (options.dataplanes.includes('clickhouse')) {
    if (options.clickhouse.url === undefined) {
      clickhouse = 'embedded: migrated by the sink at start';
      logger.info('no FRAISEQL_CLICKHOUSE_URL: the embedded ClickHouse is migrated by the sink itself at start');
    } else {
      const { executor, migrated } = await openClickhouseTables(options.clickhouse, logger);
      await executor.close();
      clickhouse = { applied: migrated.applied, unchanged: migrated.skipped.length };
    }
  }
  let search: SinkStoresReport['search'] = 'off';
  if (options.dataplanes.includes('search')) {
    const store = await openSearchStore(options.search, logger);
    search = store.kind;
    await store.close();
  }
  const nc = await connect({ servers: options.natsUrl, name: 'sink-provision', maxReconnectAttempts: 0 });
  try {
    const jetStream = await provisionJetStream(nc, {}, { existing: 'keep' });
    logger.info({ streams: jetStream.streams, buckets: jetStream.bucketOutcomes }, 'JetStream streams and KV buckets');
    const jsm = await nc.jetstreamManager();
    const consumers: Record<string, EnsureOutcome> = {};
    for (const spec of Object.values(sinkConsumers(options))) {
      if (spec) consumers[spec.durable_name] = await ensureConsumer(jsm, spec.stream, spec);
    }
    logger.info({ consumers }, 'JetStream consumers');
    return { streams: jetStream.streams, buckets: jetStream.bucketOutcomes, clickhouse, search, consumers };
  } finally {
    await nc.close();
  }
}
