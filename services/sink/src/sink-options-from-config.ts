import type { SinkConfig } from './config';
import type { SinkOptions } from './sink-options';

/** The sink's options of its config keys (the service and its provision Job read the same environment). */
export function sinkOptionsFromConfig(config: SinkConfig): Omit<SinkOptions, 'logger' | 'registry'> {
  const batch = { maxBytes: config.FRAISEQL_SINK_BATCH_BYTES, maxDelayMs: config.FRAISEQL_SINK_BATCH_DELAY_MS };
  const esAuth = config.FRAISEQL_ELASTICSEARCH_API_KEY
    ? { apiKey: config.FRAISEQL_ELASTICSEARCH_API_KEY }
    : config.FRAISEQL_ELASTICSEARCH_USERNAME && config.FRAISEQL_ELASTICSEARCH_PASSWORD
      ? { username: config.FRAISEQL_ELASTICSEARCH_USERNAME, password: config.FRAISEQL_ELASTICSEARCH_PASSWORD }
      : undefined;
  return {
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
  };
}
