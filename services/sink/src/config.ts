import { z } from 'zod';
import { clickhouseConfigShape } from '@fraiseql/clickhouse';
import { configValue, defineConfig, type LoadedConfig } from '@fraiseql/service-kit';

/** Configuration of the sink (docs/configuration.md, "sink"). */
export const sinkConfig = defineConfig({
  service: 'sink',
  envPrefix: 'FRAISEQL_SINK_',
  schema: z.object({
    FRAISEQL_SINK_OPS_HOST: z.string().trim().min(1).default('127.0.0.1'),
    FRAISEQL_SINK_OPS_PORT: configValue.port({ allowZero: true }).default(9106),
    /** Which dataplanes this replica writes: `clickhouse`, `search`, or both (each is its own durable consumer). */
    FRAISEQL_SINK_DATAPLANES: configValue
      .list({ item: z.enum(['clickhouse', 'search']) })
      .pipe(z.array(z.enum(['clickhouse', 'search'])).min(1, 'name at least one of clickhouse, search'))
      .default('clickhouse,search'),

    /**
     * FRAISEQL_CLICKHOUSE_URL (a server, `http(s)://host:8123`; unset: the embedded engine (chdb) under
     * FRAISEQL_SINK_CLICKHOUSE_PATH), _USER, _PASSWORD (chart: clickhouse.existingSecret, clickhouse.secretKey), _DATABASE.
     */
    ...clickhouseConfigShape,
    /** The embedded engine's data directory (no FRAISEQL_CLICKHOUSE_URL). */
    FRAISEQL_SINK_CLICKHOUSE_PATH: z.string().min(1).default('.data/clickhouse'),
    /** Days raw events are kept in ClickHouse (the tables' TTL; changed at start when it differs). */
    FRAISEQL_SINK_RETENTION_DAYS: configValue.positiveInt({ max: 36_500 }).default(90),
    /** A ClickHouse batch is written at this many events… */
    FRAISEQL_SINK_BATCH_ROWS: configValue.positiveInt({ min: 1000, max: 100_000 }).default(20_000),
    /** …or this many bytes of events… */
    FRAISEQL_SINK_BATCH_BYTES: configValue.positiveInt({ min: 65_536, max: 1_073_741_824 }).default(32 * 1024 * 1024),
    /** …or this long after its first event. */
    FRAISEQL_SINK_BATCH_DELAY_MS: configValue.durationMs({ min: 10, max: 60_000 }).default(1000),

    /**
     * How long a delivered event may stay un-acked before JetStream gives it to another replica: what a replica that
     * died mid-batch costs in delay. Held batches (a store outage) send heartbeats, so they never reach it.
     */
    FRAISEQL_SINK_ACK_WAIT_MS: configValue.durationMs({ min: 1000, max: 3_600_000 }).default(60_000),
    /** `node service/provision.js` (the Helm pre-install/pre-upgrade Job): the whole run, retries included, ends by then. */
    FRAISEQL_SINK_PROVISION_TIMEOUT_MS: configValue.durationMs({ min: 1000, max: 3_600_000 }).default(300_000),
    /**
     * With the search dataplane: also index the audit log (stream FRAISEQL_AUDIT, consumer sink-audit) as entity type
     * AuditEntry. Off by default: searchEvents/searchEntities (roles admin or search) would then show the org's audit entries.
     */
    FRAISEQL_SINK_SEARCH_AUDIT: configValue.boolean().default(false),

    /** Elasticsearch (`https://host:9200`); unset: PostgreSQL full-text search in FRAISEQL_SINK_SEARCH_SCHEMA. */
    FRAISEQL_ELASTICSEARCH_URL: configValue.secret(configValue.url({ protocols: ['http', 'https'] })).optional(),
    /** An Elasticsearch API key (preferred), or a user and password. From a secret in Kubernetes. */
    FRAISEQL_ELASTICSEARCH_API_KEY: configValue.secret().optional(),
    FRAISEQL_ELASTICSEARCH_USERNAME: z.string().min(1).optional(),
    FRAISEQL_ELASTICSEARCH_PASSWORD: configValue.secret().optional(),
    /** PostgreSQL search: a role that may create the schema below (it owns it; nothing else is written). */
    FRAISEQL_SINK_DATABASE_URL: configValue
      .secret(configValue.url({ protocols: ['postgres', 'postgresql'] }))
      .default('postgres://postgres@127.0.0.1:5432/fraiseql'),
    FRAISEQL_SINK_POOL_MAX: configValue.positiveInt({ max: 1000 }).default(4),
    FRAISEQL_SINK_SEARCH_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case identifier')
      .default('fraiseql_search'),
    /** PostgreSQL text search configuration: `simple` (no stemming; ids, names, mixed languages), `english`, … */
    FRAISEQL_SINK_SEARCH_LANGUAGE: z.string().min(1).default('simple'),
    /** A search batch is written at this many events (or FRAISEQL_SINK_BATCH_DELAY_MS after its first). */
    FRAISEQL_SINK_SEARCH_BATCH_ROWS: configValue.positiveInt({ min: 1, max: 100_000 }).default(2000),
    /** Elasticsearch: HMAC key of search cursors, the same on every replica (unset: cursors are checked, not keyed). */
    FRAISEQL_SINK_CURSOR_SECRET: configValue.secret(z.string().min(32, 'must be at least 32 characters')).optional(),
  }),
});

export type SinkConfig = LoadedConfig<(typeof sinkConfig)['schema']['shape']>;
