import { runService } from '@fraiseql/service-kit';
import { sinkConfig } from './config';
import { createSink } from './create-sink';

/**
 * sink: config → NATS → ClickHouse (server or embedded; migrations, retention) and the search store (Elasticsearch or
 * PostgreSQL) → one durable consumer per dataplane, the search API → ops server → drain on SIGTERM.
 */
void runService({
  name: 'sink',
  config: sinkConfig,
  async start({ config, logger, registry }) {
    const batch = { maxBytes: config.FRAISEQL_SINK_BATCH_BYTES, maxDelayMs: config.FRAISEQL_SINK_BATCH_DELAY_MS };
    const esAuth = config.FRAISEQL_ELASTICSEARCH_API_KEY
      ? { apiKey: config.FRAISEQL_ELASTICSEARCH_API_KEY }
      : config.FRAISEQL_ELASTICSEARCH_USERNAME && config.FRAISEQL_ELASTICSEARCH_PASSWORD
        ? { username: config.FRAISEQL_ELASTICSEARCH_USERNAME, password: config.FRAISEQL_ELASTICSEARCH_PASSWORD }
        : undefined;
    if (!config.FRAISEQL_CLICKHOUSE_URL)
      logger.info({ path: config.FRAISEQL_SINK_CLICKHOUSE_PATH }, 'no FRAISEQL_CLICKHOUSE_URL: embedded ClickHouse');
    if (!config.FRAISEQL_ELASTICSEARCH_URL) logger.info('no FRAISEQL_ELASTICSEARCH_URL: PostgreSQL full-text search');
    const sink = await createSink({
      natsUrl: config.FRAISEQL_NATS_URL,
      dataplanes: config.FRAISEQL_SINK_DATAPLANES,
      clickhouse: {
        ...(config.FRAISEQL_CLICKHOUSE_URL ? { url: config.FRAISEQL_CLICKHOUSE_URL } : {}),
        user: config.FRAISEQL_CLICKHOUSE_USER,
        ...(config.FRAISEQL_CLICKHOUSE_PASSWORD ? { password: config.FRAISEQL_CLICKHOUSE_PASSWORD } : {}),
        database: config.FRAISEQL_CLICKHOUSE_DATABASE,
        path: config.FRAISEQL_SINK_CLICKHOUSE_PATH,
        retentionDays: config.FRAISEQL_SINK_RETENTION_DAYS,
        batch: { ...batch, maxRows: config.FRAISEQL_SINK_BATCH_ROWS },
      },
      search: {
        ...(config.FRAISEQL_ELASTICSEARCH_URL
          ? {
              elasticsearch: {
                url: config.FRAISEQL_ELASTICSEARCH_URL,
                retentionDays: config.FRAISEQL_SINK_RETENTION_DAYS,
                ...(esAuth ? { auth: esAuth } : {}),
                ...(config.FRAISEQL_SINK_CURSOR_SECRET ? { cursorSecret: config.FRAISEQL_SINK_CURSOR_SECRET } : {}),
              },
            }
          : {}),
        postgres: {
          connectionString: config.FRAISEQL_SINK_DATABASE_URL,
          poolMax: config.FRAISEQL_SINK_POOL_MAX,
          schema: config.FRAISEQL_SINK_SEARCH_SCHEMA,
          textSearchConfig: config.FRAISEQL_SINK_SEARCH_LANGUAGE,
        },
        batch: { ...batch, maxRows: config.FRAISEQL_SINK_SEARCH_BATCH_ROWS },
        audit: config.FRAISEQL_SINK_SEARCH_AUDIT,
      },
      consumerOptions: { backoffMs: [config.FRAISEQL_SINK_ACK_WAIT_MS] },
      logger,
      registry,
    });
    return {
      readinessChecks: sink.readinessChecks,
      shutdownSteps: [
        {
          name: 'stop the search API and pulling; write or hand back the batches in hand',
          run: () => sink.drain(Math.max(1000, config.FRAISEQL_SHUTDOWN_DEADLINE_MS - 2000)),
        },
        { name: 'close ClickHouse, the search store and NATS', run: () => sink.close() },
      ],
      startedFields: {
        dataplanes: config.FRAISEQL_SINK_DATAPLANES,
        clickhouse: config.FRAISEQL_CLICKHOUSE_URL ? 'server' : 'embedded',
        search: config.FRAISEQL_ELASTICSEARCH_URL ? 'elasticsearch' : 'postgres',
      },
    };
  },
});
