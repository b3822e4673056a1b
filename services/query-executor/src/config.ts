import { z } from 'zod';
import { auditConfigShape } from '@fraiseql/audit';
import { graphqlRuntimeConfigShape } from '@fraiseql/graphql-runtime';
import { configValue, defineConfig, type LoadedConfig } from '@fraiseql/service-kit';

export const queryExecutorConfig = defineConfig({
  service: 'query-executor',
  schema: z.object({
    ...graphqlRuntimeConfigShape,
    FRAISEQL_QUERY_EXECUTOR_DATABASE_URL: configValue
      .secret(configValue.url({ protocols: ['postgres', 'postgresql'] }))
      .default('postgres://postgres@127.0.0.1:5432/fraiseql'),
    FRAISEQL_QUERY_EXECUTOR_POOL_MAX: configValue.positiveInt({ max: 1000 }).default(10),
    FRAISEQL_QUERY_EXECUTOR_STATEMENT_TIMEOUT_MS: configValue.durationMs({ min: 1 }).default(5000),
    /**
     * The role request transactions run as (SET LOCAL ROLE; docs/adr/0132-row-level-security.md): migration 0006's
     * fraiseql_app, confined to the caller's org by row-level security. `none`: the connection's own role (not advised).
     */
    FRAISEQL_QUERY_EXECUTOR_REQUEST_ROLE: z
      .string()
      .trim()
      .regex(/^[a-z_][a-z0-9_$]{0,62}$/, 'expected a PostgreSQL role name (lower case, letters, digits, _ or $), or none')
      .default('fraiseql_app'),
    /** Operations handled at once; beyond it the executor answers FRAISEQL_OVERLOADED at once. */
    FRAISEQL_QUERY_EXECUTOR_MAX_IN_FLIGHT: configValue.positiveInt().default(64),
    FRAISEQL_QUERY_EXECUTOR_OPS_HOST: z.string().trim().min(1).default('127.0.0.1'),
    FRAISEQL_QUERY_EXECUTOR_OPS_PORT: configValue.port({ allowZero: true }).default(9102),
    // --- change-log relay (src/relay, docs/adr/0081-change-log-relay.md) ---
    /** Publish the change log to JetStream from this replica (any number of replicas cooperate). */
    FRAISEQL_QUERY_EXECUTOR_RELAY_ENABLED: configValue.boolean().default(true),
    /** Rows claimed per transaction (several batches are open at once: ceil(MAX_IN_FLIGHT / BATCH_SIZE) + 1, 2..8). */
    FRAISEQL_QUERY_EXECUTOR_RELAY_BATCH_SIZE: configValue.positiveInt({ max: 10_000 }).default(1000),
    /** Publishes awaiting their JetStream ack at once, across all open batches. */
    FRAISEQL_QUERY_EXECUTOR_RELAY_MAX_IN_FLIGHT: configValue.positiveInt({ max: 100_000 }).default(2000),
    /** Look for unpublished rows this often even without a NOTIFY. */
    FRAISEQL_QUERY_EXECUTOR_RELAY_POLL_INTERVAL_MS: configValue.durationMs({ min: 10, max: 86_400_000 }).default(1000),
    /** A publish not acknowledged within this fails (and retries) its batch. */
    FRAISEQL_QUERY_EXECUTOR_RELAY_PUBLISH_TIMEOUT_MS: configValue.durationMs({ min: 100, max: 600_000 }).default(5000),
    /** Published change-log rows are deleted after this long. */
    FRAISEQL_QUERY_EXECUTOR_RELAY_RETENTION: configValue.durationMs({ min: 60_000 }).default(7 * 86_400_000),
    // --- observer rules (docs/observers.md): fraiseql.tb_observer mirrored into the KV bucket FRAISEQL_OBSERVERS ---
    /** Mirror the run-time observer rules into FRAISEQL_OBSERVERS from this replica (any number cooperate). */
    FRAISEQL_QUERY_EXECUTOR_OBSERVER_RULES_MIRROR: configValue.boolean().default(true),
    /** A full sync of every rule this often repairs what a missed notification left stale. */
    FRAISEQL_QUERY_EXECUTOR_OBSERVER_RULES_SYNC_INTERVAL_MS: configValue.durationMs({ min: 1000, max: 86_400_000 }).default(60_000),
    // --- audit log (docs/security.md, "Audit log"; ADR 0137) ---
    /** Record FRAISEQL_AUDIT into fraiseql.tb_audit_log from this replica (consumer query-executor-audit; replicas cooperate). */
    FRAISEQL_QUERY_EXECUTOR_AUDIT_RECORDER: configValue.boolean().default(true),
    ...auditConfigShape,
    // --- JetStream provisioning at start (FRAISEQL_EVENTS, docs/architecture.md, "NATS contract") ---
    /** Events older than this leave the stream; 0 = no age limit. */
    FRAISEQL_EVENTS_MAX_AGE: configValue.durationMs().default(7 * 86_400_000),
    /** Stream size cap in bytes (oldest dropped first); -1 = no size limit. */
    FRAISEQL_EVENTS_MAX_BYTES: configValue
      .positiveInt({ min: -1 })
      .refine((n) => n !== 0, 'expected -1 (no limit) or a positive number of bytes, got 0')
      .default(-1),
    /** JetStream replicas of every stream and bucket: 1 on one server, 3 in a cluster. */
    FRAISEQL_STREAM_REPLICAS: configValue.positiveInt({ max: 5 }).default(1),
    /** `node service/provision.js` (the Helm pre-install/pre-upgrade Job): the whole run, retries included, ends by then. */
    FRAISEQL_QUERY_EXECUTOR_PROVISION_TIMEOUT_MS: configValue.durationMs({ min: 1000, max: 3_600_000 }).default(300_000),
  }),
});

export type QueryExecutorConfig = LoadedConfig<(typeof queryExecutorConfig)['schema']['shape']>;
