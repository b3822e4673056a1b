import { runService } from '@fraiseql/service-kit';
import { sinkConfig } from './config';
import { createSink } from './create-sink';
import { sinkOptionsFromConfig } from './sink-options-from-config';

/**
 * sink: config → NATS → ClickHouse (server or embedded; migrations, retention) and the search store (Elasticsearch or
 * PostgreSQL) → one durable consumer per dataplane, the search API → ops server → drain on SIGTERM.
 */
void runService({
  name: 'sink',
  config: sinkConfig,
  async start({ config, logger, registry }) {
    if (!config.FRAISEQL_CLICKHOUSE_URL)
      logger.info({ path: config.FRAISEQL_SINK_CLICKHOUSE_PATH }, 'no FRAISEQL_CLICKHOUSE_URL: embedded ClickHouse');
    if (!config.FRAISEQL_ELASTICSEARCH_URL) logger.info('no FRAISEQL_ELASTICSEARCH_URL: PostgreSQL full-text search');
    const sink = await createSink({
      ...sinkOptionsFromConfig(config),
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
