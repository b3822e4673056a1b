import { plannerLimitsFromConfig } from '@fraiseql/graphql-runtime';
import { runService } from '@fraiseql/service-kit';
import { emailOptionsFromUrl } from '@fraiseql/observer-actions';
import { jobRunnerConfig } from './config';
import { createJobRunner } from './create-job-runner';

/**
 * job-runner: config → NATS, Redis, PostgreSQL (exports) → job types → queue, worker, job API → ops server with /board
 * → drain on SIGTERM.
 */
void runService({
  name: 'job-runner',
  config: jobRunnerConfig,
  async start({ config, logger, registry }) {
    const store = config.FRAISEQL_EXPORT_STORE;
    const signingKey = config.FRAISEQL_EXPORT_SIGNING_KEY;
    if ((store === undefined) !== (signingKey === undefined))
      throw new Error('FRAISEQL_EXPORT_STORE and FRAISEQL_EXPORT_SIGNING_KEY go together: set both (exports) or neither (no export jobs)');
    if (!store) logger.warn('FRAISEQL_EXPORT_STORE is not set: export jobs are not offered');
    if (!config.FRAISEQL_JOB_SMTP_URL) logger.warn('FRAISEQL_JOB_SMTP_URL is not set: email-batch jobs are not offered');
    const runner = await createJobRunner({
      natsUrl: config.FRAISEQL_NATS_URL,
      redisUrl: config.FRAISEQL_REDIS_URL,
      queueName: config.FRAISEQL_JOB_QUEUE,
      redisPrefix: config.FRAISEQL_JOB_REDIS_PREFIX,
      concurrency: config.FRAISEQL_JOB_CONCURRENCY,
      lockMs: config.FRAISEQL_JOB_LOCK_MS,
      maxStalled: config.FRAISEQL_JOB_MAX_STALLED,
      watchdogGraceMs: config.FRAISEQL_JOB_WATCHDOG_GRACE_MS,
      keepSucceededMs: config.FRAISEQL_JOB_KEEP_SUCCEEDED_MS,
      keepDeadMs: config.FRAISEQL_JOB_KEEP_DEAD_MS,
      ...(config.FRAISEQL_JOB_ORG_LIMITS ? { orgLimits: config.FRAISEQL_JOB_ORG_LIMITS } : {}),
      ...(config.FRAISEQL_JOB_ORG_LIMITS_BY_ORG ? { orgLimitsByOrg: config.FRAISEQL_JOB_ORG_LIMITS_BY_ORG } : {}),
      apiMaxInFlight: config.FRAISEQL_JOB_API_MAX_IN_FLIGHT,
      ...(store && signingKey
        ? {
            export: {
              databaseUrl: config.FRAISEQL_JOB_DATABASE_URL,
              poolMax: config.FRAISEQL_JOB_POOL_MAX,
              store: { ...config, FRAISEQL_EXPORT_STORE: store },
              signingKey,
              linkTtlMs: config.FRAISEQL_EXPORT_LINK_TTL_MS,
              schemaSource: config.FRAISEQL_SCHEMA_SOURCE,
              plannerLimits: plannerLimitsFromConfig(config),
            },
          }
        : {}),
      allowTargets: config.FRAISEQL_JOB_ALLOW_TARGETS,
      ...(config.FRAISEQL_JOB_SMTP_URL ? { email: emailOptionsFromUrl(config.FRAISEQL_JOB_SMTP_URL, config.FRAISEQL_JOB_SMTP_FROM) } : {}),
      board: config.FRAISEQL_JOB_BOARD,
      logger,
      registry,
    });
    return {
      readinessChecks: runner.readinessChecks,
      ...(runner.opsRoutes ? { opsRoutes: runner.opsRoutes } : {}),
      shutdownSteps: [
        {
          name: 'stop the job API and new jobs; let running jobs finish, hand back the rest',
          run: async () => {
            const { handedBack } = await runner.drain(config.FRAISEQL_JOB_SHUTDOWN_GRACE_MS);
            if (handedBack > 0) logger.warn({ handedBack }, 'running jobs handed back to the queue');
          },
        },
        { name: 'close queue, Redis, PostgreSQL and NATS', run: () => runner.close() },
      ],
      startedFields: { jobTypes: runner.types.names(), concurrency: config.FRAISEQL_JOB_CONCURRENCY, board: config.FRAISEQL_JOB_BOARD },
    };
  },
});
