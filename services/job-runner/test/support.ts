import { randomBytes } from 'node:crypto';
import { toCaller, type Caller } from '@fraiseql/identity';
import { decodeJobLifecycleEvent, JobApiClient, type JobLifecycleEvent } from '@fraiseql/jobs';
import { jobFilterSubject, provisionJetStream, STREAMS } from '@fraiseql/nats-contract';
import { createLogger } from '@fraiseql/service-kit';
import { startNatsServer, startRedisServer, type TestNatsServer, type TestRedisServer } from '@fraiseql/testkit';
import { connect, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { createJobRunner, type JobRunner, type JobRunnerOptions } from '../src/create-job-runner';

export const ORG_A = '00000000-0000-4000-8000-00000000000a';
export const ORG_B = '00000000-0000-4000-8000-00000000000b';

export const adminOf = (orgId: string): Caller =>
  toCaller({ subject: `admin@${orgId.slice(-1)}`, orgId, roles: ['admin'] }, 'FRAISEQL_BAD_REQUEST');

/** Private NATS and Redis servers for one suite (the suites stop and kill them). */
export async function startBackends(): Promise<{
  nats: TestNatsServer;
  redis: TestRedisServer;
  nc: NatsConnection;
  dispose(): Promise<void>;
}> {
  const nats = await startNatsServer();
  const redis = await startRedisServer();
  const nc = await connect({ servers: nats.url });
  await provisionJetStream(nc);
  return {
    nats,
    redis,
    nc,
    async dispose() {
      await nc.close();
      await redis.dispose();
      await nats.dispose();
    },
  };
}

export interface TestRunner {
  runner: JobRunner;
  registry: Registry;
  api: JobApiClient;
  close(): Promise<void>;
}

/** A job-runner in this process on its own queue (defaults sized for tests). */
export async function startRunner(
  backends: { nats: TestNatsServer; redis: TestRedisServer; nc: NatsConnection },
  overrides: Partial<JobRunnerOptions> = {},
): Promise<TestRunner> {
  const registry = new Registry();
  const runner = await createJobRunner({
    natsUrl: backends.nats.url,
    redisUrl: backends.redis.url,
    queueName: overrides.queueName ?? `test-${randomBytes(4).toString('hex')}`,
    redisPrefix: 'fraiseql',
    concurrency: 4,
    lockMs: 2000,
    maxStalled: 2,
    watchdogGraceMs: 200,
    keepSucceededMs: 3_600_000,
    keepDeadMs: 3_600_000,
    apiMaxInFlight: 256,
    allowTargets: ['127.0.0.1'],
    board: 'read-only',
    logger: createLogger({ service: 'job-runner-test', level: (process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent' }),
    registry,
    ...overrides,
  });
  return {
    runner,
    registry,
    api: new JobApiClient(backends.nc, { timeoutMs: 10_000 }),
    close: () => runner.close(),
  };
}

/** Every lifecycle event of a job so far (FRAISEQL_JOBS, the job's org), in stream order. */
export async function lifecycleOf(nc: NatsConnection, jobId: string, orgId: string | null): Promise<JobLifecycleEvent[]> {
  const jsm = await nc.jetstreamManager();
  const last = (await jsm.streams.info(STREAMS.jobs)).state.last_seq;
  const out: JobLifecycleEvent[] = [];
  if (last === 0) return out;
  const consumer = await nc.jetstream().consumers.get(STREAMS.jobs, { filterSubjects: jobFilterSubject({ orgId }) });
  for (;;) {
    const msg = await consumer.next({ expires: 1000 });
    if (!msg) break;
    const event = decodeJobLifecycleEvent(msg.data);
    if (event.job_id === jobId) out.push(event);
    if (msg.seq >= last || msg.info.pending === 0) break;
  }
  return out;
}

/** A metric's value for some labels, read from the registry (the job-runner's /metrics). */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want))
    .filter((v) => !('metricName' in v) || v.metricName === name || v.metricName === `${name}_count`)
    .reduce((sum, v) => sum + v.value, 0);
}
