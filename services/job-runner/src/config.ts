import { z } from 'zod';
import { plannerConfigShape } from '@fraiseql/graphql-runtime';
import { exportConfigShape } from '@fraiseql/job-export';
import { orgLimitsSchema } from '@fraiseql/job-fairness';
import { configValue, defineConfig, type LoadedConfig } from '@fraiseql/service-kit';

/** A JSON text checked against `schema` (the problem names the key inside the JSON). */
function jsonOf<T extends z.ZodTypeAny>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** The export keys that are secrets (libs/job-export declares its shape without service-kit): FRAISEQL_*_FILE, masked in logs. */
const exportSecretKeys = {
  FRAISEQL_EXPORT_SIGNING_KEY: configValue.secret(exportConfigShape.FRAISEQL_EXPORT_SIGNING_KEY),
  FRAISEQL_EXPORT_S3_SECRET_ACCESS_KEY: configValue.secret(exportConfigShape.FRAISEQL_EXPORT_S3_SECRET_ACCESS_KEY),
  FRAISEQL_EXPORT_S3_SESSION_TOKEN: configValue.secret(exportConfigShape.FRAISEQL_EXPORT_S3_SESSION_TOKEN),
};

/** Configuration of job-runner (docs/configuration.md, "job-runner"). */
export const jobRunnerConfig = defineConfig({
  service: 'job-runner',
  envPrefix: 'FRAISEQL_JOB_',
  schema: z.object({
    FRAISEQL_JOB_OPS_HOST: z.string().trim().min(1).default('127.0.0.1'),
    FRAISEQL_JOB_OPS_PORT: configValue.port({ allowZero: true }).default(9105),
    /** Redis of the BullMQ queue, the org fairness scripts and the per-org indexes. */
    FRAISEQL_REDIS_URL: configValue.secret(configValue.url({ protocols: ['redis', 'rediss'] })).default('redis://127.0.0.1:6379'),
    /** The BullMQ queue every replica serves (one queue, every job type; fairness across orgs within it). */
    FRAISEQL_JOB_QUEUE: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and -')
      .default('fraiseql-jobs'),
    /** Prefix of every Redis key BullMQ writes (`<prefix>:<queue>:…`). */
    FRAISEQL_JOB_REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_{}-]{1,64}$/)
      .default('fraiseql'),
    /** Jobs one replica runs at once (all types). */
    FRAISEQL_JOB_CONCURRENCY: configValue.positiveInt({ max: 1000 }).default(10),
    /** Lock of a running job: a replica that died gives its jobs back (stalled) after about this long. */
    FRAISEQL_JOB_LOCK_MS: configValue.durationMs({ min: 1000, max: 600_000 }).default(30_000),
    /** Times a job may be found stalled (its replica died) and run again before it is dead. */
    FRAISEQL_JOB_MAX_STALLED: configValue.positiveInt({ max: 100 }).default(2),
    /** After its hard timeout aborted a job, how long its code has to stop before the watchdog fails the attempt anyway. */
    FRAISEQL_JOB_WATCHDOG_GRACE_MS: configValue.durationMs({ min: 0, max: 600_000 }).default(5000),
    /** SIGTERM: running jobs get this long to finish; the rest are aborted and handed back to the queue (no attempt spent). */
    FRAISEQL_JOB_SHUTDOWN_GRACE_MS: configValue.durationMs({ min: 0, max: 3_600_000 }).default(8000),
    /** Succeeded jobs are kept (visible through the API) this long, dead and cancelled ones this long. */
    FRAISEQL_JOB_KEEP_SUCCEEDED_MS: configValue.durationMs({ min: 60_000 }).default(7 * 86_400_000),
    FRAISEQL_JOB_KEEP_DEAD_MS: configValue.durationMs({ min: 60_000 }).default(30 * 86_400_000),
    /** Per-org limits of every org (JSON `{"concurrency": 5, "ratePerSecond": 10}`); unset: none. */
    FRAISEQL_JOB_ORG_LIMITS: jsonOf(orgLimitsSchema).optional(),
    /** Per-org overrides (JSON `{"<org id>": {"concurrency": 20}}`). */
    FRAISEQL_JOB_ORG_LIMITS_BY_ORG: jsonOf(z.record(z.string().min(1), orgLimitsSchema)).optional(),
    /** Job API requests answered at once by one replica. */
    FRAISEQL_JOB_API_MAX_IN_FLIGHT: configValue.positiveInt({ max: 10_000 }).default(64),
    /** Exports: PostgreSQL as a read-only role (SELECT on va_/v_ views; the Flight role by default). */
    FRAISEQL_JOB_DATABASE_URL: configValue
      .secret(configValue.url({ protocols: ['postgres', 'postgresql'] }))
      .default('postgres://fraiseql_flight@127.0.0.1:5432/fraiseql'),
    FRAISEQL_JOB_POOL_MAX: configValue.positiveInt({ max: 1000 }).default(4),
    /**
     * Exports: where files go (`local:<directory>`, or `s3://bucket/prefix` with the FRAISEQL_EXPORT_S3_* keys) and
     * the key download links are signed with (the gateway's, for `GET /v1/exports/<token>`). Both or neither:
     * neither = the export type is not offered.
     */
    ...exportConfigShape,
    ...exportSecretKeys,
    /**
     * Graphql exports: FRAISEQL_SCHEMA_SOURCE (`kv`, or a schema.compiled.json path) and the document limits, as the
     * gateway and the flight-server: an export's query is planned for its creator as a Flight graphql ticket is.
     */
    ...plannerConfigShape,
    /** How long a download link stays valid when the caller names no ttl. */
    FRAISEQL_EXPORT_LINK_TTL_MS: configValue.durationMs({ min: 10_000, max: 7 * 86_400_000 }).default(900_000),
    /** Webhook jobs: hosts or CIDRs a job may call although they are private (the SSRF guard's exceptions). */
    FRAISEQL_JOB_ALLOW_TARGETS: configValue.list().default([]),
    /** email-batch jobs: the SMTP relay; unset: email-batch is not offered. */
    FRAISEQL_JOB_SMTP_URL: configValue.secret(configValue.url({ protocols: ['smtp', 'smtps'] })).optional(),
    FRAISEQL_JOB_SMTP_FROM: z.string().trim().min(3).default('FraiseQL <jobs@localhost>'),
    /** The operator UI (bull-board) at /board on the ops port: `off`, `read-only` (default) or `read-write`. */
    FRAISEQL_JOB_BOARD: z.enum(['off', 'read-only', 'read-write']).default('read-only'),
  }),
});

export type JobRunnerConfig = LoadedConfig<(typeof jobRunnerConfig)['schema']['shape']>;
