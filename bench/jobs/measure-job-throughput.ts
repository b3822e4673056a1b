import { randomBytes } from 'node:crypto';
import { toCaller } from '@fraiseql/identity';
import { createJobRunner, zodPayload, type JobType } from '@fraiseql/job-runner';
import { STREAMS } from '@fraiseql/nats-contract';
import { createLogger } from '@fraiseql/service-kit';
import { captureLines } from '@fraiseql/testkit';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { JetStreamManager } from 'nats';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { profiled } from '../lib/cpu-profile';
import { ServerMeter, type ServerSpent } from './server-meter';

export type JobSystem = 'wrapper' | 'bullmq';

export const SYSTEM_TITLES: Record<JobSystem, string> = {
  wrapper: 'job-runner (createJobRunner)',
  bullmq: 'bare BullMQ Worker',
};

/** One side of one scenario in one round. */
export interface ThroughputRun {
  system: JobSystem;
  concurrency: number;
  round: number;
  jobs: number;
  /** Wall time to put all the jobs in the queue (worker paused). */
  enqueueSeconds: number;
  /** From the worker's resume() to its last `completed` event (or to the stall, when incomplete). */
  drainSeconds: number;
  completed: number;
  failed: number;
  complete: boolean;
  /** CPU spent and Redis commands run during the drain. */
  cpu: ServerSpent;
  /** job-runner: messages its run added to FRAISEQL_JOBS (expected 3 per job: queued, started, succeeded). */
  lifecycleEvents?: number;
  /** What went wrong, verbatim (stall state, failed reasons, worker errors, warnings the job-runner logged). */
  problems: string[];
}

export interface ThroughputBackends {
  redisUrl: string;
  natsUrl: string;
  jsm: JetStreamManager;
  /** For INFO, SCAN and UNLINK; not used by either system under test. */
  admin: Redis;
  cpu: ServerMeter;
}

export interface ThroughputScenario {
  system: JobSystem;
  concurrency: number;
  jobs: number;
  round: number;
  stallMs: number;
  /** Profile each drain of this process into this directory. */
  cpuProf?: string;
  log: (line: string) => void;
}

export const BENCH_ORG = '00000000-0000-4000-8000-000000000001';
const CALLER = toCaller({ subject: 'bench', orgId: BENCH_ORG, roles: ['admin'] }, 'FRAISEQL_BAD_REQUEST');
const PREFIX = 'fraiseql';
/** Enqueues in flight at once through the job-runner (its job API's default FRAISEQL_JOB_API_MAX_IN_FLIGHT). */
const ENQUEUE_IN_FLIGHT = 64;
/** Jobs per addBulk call of the bare side. */
const ADD_BULK_CHUNK = 1000;
const MAX_PROBLEMS = 5;
const WEEK_MS = 7 * 86_400_000;

const parseNoop = zodPayload('bench-noop', z.object({}).strict());

/** The trivial job: validates an empty payload and returns {} at once. */
const NOOP_TYPE: JobType<ReturnType<typeof parseNoop>> = {
  name: 'bench-noop',
  parse: parseNoop,
  timeoutMs: 60_000,
  retry: { initialIntervalMs: 1000, maximumIntervalMs: 10_000, maximumAttempts: 3 },
  async run() {
    return {};
  },
};

/** Counts a worker's completions and failures; notes when the last expected one arrived. */
class Completions {
  completed = 0;
  failed = 0;
  lastAt = performance.now();
  doneAt: number | undefined;
  readonly problems: string[] = [];

  constructor(
    worker: Worker,
    private readonly expected: number,
  ) {
    worker.on('completed', () => {
      this.completed++;
      this.tick();
    });
    worker.on('failed', (job, error) => {
      this.failed++;
      this.note(`job ${job?.id ?? '?'} failed: ${error.message}`);
      this.tick();
    });
    worker.on('error', (error) => this.note(`worker error: ${error.message}`));
  }

  note(problem: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(problem);
    else if (this.problems.length === MAX_PROBLEMS) this.problems.push('… (more)');
  }

  private tick(): void {
    this.lastAt = performance.now();
    if (this.doneAt === undefined && this.completed + this.failed >= this.expected) this.doneAt = this.lastAt;
  }

  /** Resolves true once every job ended, false when none ended for `stallMs`. */
  async settled(stallMs: number): Promise<boolean> {
    for (;;) {
      if (this.doneAt !== undefined) return true;
      if (performance.now() - this.lastAt > stallMs) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Pauses the worker and waits until its main loop has ended, so nothing is fetched while the jobs go in. */
async function pauseWorker(worker: Worker): Promise<void> {
  await worker.pause();
  const deadline = Date.now() + 10_000;
  while (worker.isRunning()) {
    if (Date.now() > deadline) throw new Error('the BullMQ worker did not stop within 10 s of pause()');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `count` calls of `work`, at most `limit` at once. */
async function inParallel(count: number, limit: number, work: () => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      next++;
      await work();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

async function stuckState(queue: Queue): Promise<string> {
  const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
  return Object.entries(counts)
    .map(([state, n]) => `${state} ${n}`)
    .join(', ');
}

/** Removes every key of the queue (BullMQ's, the job-runner's indexes, the fairness keys): `<prefix>:<queue>:*`. */
async function removeQueueKeys(admin: Redis, prefix: string, queueName: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:${queueName}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await admin.unlink(...keys);
  } while (cursor !== '0');
}

async function streamMessages(jsm: JetStreamManager): Promise<number> {
  return (await jsm.streams.info(STREAMS.jobs)).state.messages;
}

/** The job-runner: createJobRunner with the no-op type, its worker paused while the jobs are enqueued through its JobQueue. */
export async function measureWrapper(backends: ThroughputBackends, scenario: ThroughputScenario): Promise<ThroughputRun> {
  const queueName = `bench-w${scenario.concurrency}-${randomBytes(3).toString('hex')}`;
  const logs = captureLines();
  const runner = await createJobRunner({
    natsUrl: backends.natsUrl,
    redisUrl: backends.redisUrl,
    queueName,
    redisPrefix: PREFIX,
    concurrency: scenario.concurrency,
    // The service's defaults (services/job-runner/src/config.ts).
    lockMs: 30_000,
    maxStalled: 2,
    watchdogGraceMs: 5000,
    keepSucceededMs: WEEK_MS,
    keepDeadMs: 30 * 86_400_000,
    apiMaxInFlight: ENQUEUE_IN_FLIGHT,
    allowTargets: [],
    board: 'off',
    logger: createLogger({ service: 'job-runner-bench', level: 'warn', destination: logs.destination }),
    registry: new Registry(),
    types: () => [NOOP_TYPE as unknown as JobType<never>],
  });
  const worker = runner.worker.worker as unknown as Worker;
  try {
    // createJobRunner starts its worker at once: stop it before the first job goes in.
    await pauseWorker(worker);
    const completions = new Completions(worker, scenario.jobs);
    const eventsBefore = await streamMessages(backends.jsm);

    const enqueueStarted = performance.now();
    await inParallel(scenario.jobs, ENQUEUE_IN_FLIGHT, () => runner.queue.enqueue({ type: NOOP_TYPE.name, payload: {} }, CALLER));
    const enqueueSeconds = (performance.now() - enqueueStarted) / 1000;

    const drained = await drain(backends, worker, completions, scenario, runner.queue.queue as unknown as Queue);
    const lifecycleEvents = (await streamMessages(backends.jsm)) - eventsBefore;
    if (lifecycleEvents !== 3 * scenario.jobs)
      completions.note(`FRAISEQL_JOBS got ${lifecycleEvents} lifecycle events, expected ${3 * scenario.jobs} (3 per job)`);
    for (const line of logs.lines().slice(0, 3)) completions.note(`job-runner logged: ${line.slice(0, 300)}`);
    return { system: 'wrapper', ...scenarioFields(scenario), enqueueSeconds, ...drained, lifecycleEvents, problems: completions.problems };
  } finally {
    await runner.close().catch((error: unknown) => scenario.log(`job-runner close failed: ${(error as Error).message}`));
    await removeQueueKeys(backends.admin, PREFIX, queueName);
  }
}

/** Bare BullMQ: a Worker with a no-op processor and the same concurrency; the jobs go in with Queue.addBulk. */
export async function measureBullmq(backends: ThroughputBackends, scenario: ThroughputScenario): Promise<ThroughputRun> {
  const queueName = `bench-b${scenario.concurrency}-${randomBytes(3).toString('hex')}`;
  const prefix = 'bench';
  // Like the job-runner's: dedicated connections that wait through Redis restarts.
  const queueConnection = new Redis(backends.redisUrl, { maxRetriesPerRequest: null, connectionName: 'bench-bullmq-queue' });
  const workerConnection = new Redis(backends.redisUrl, { maxRetriesPerRequest: null, connectionName: 'bench-bullmq-worker' });
  const queue = new Queue(queueName, { connection: queueConnection, prefix });
  const worker = new Worker(queueName, async () => ({}), { connection: workerConnection, prefix, concurrency: scenario.concurrency });
  try {
    await pauseWorker(worker);
    const completions = new Completions(worker, scenario.jobs);

    const enqueueStarted = performance.now();
    for (let added = 0; added < scenario.jobs; added += ADD_BULK_CHUNK) {
      const size = Math.min(ADD_BULK_CHUNK, scenario.jobs - added);
      await queue.addBulk(Array.from({ length: size }, () => ({ name: 'bench-noop', data: {} })));
    }
    const enqueueSeconds = (performance.now() - enqueueStarted) / 1000;

    const drained = await drain(backends, worker, completions, scenario, queue);
    return { system: 'bullmq', ...scenarioFields(scenario), enqueueSeconds, ...drained, problems: completions.problems };
  } finally {
    await worker.close(true).catch(() => undefined);
    await queue.close().catch(() => undefined);
    queueConnection.disconnect();
    workerConnection.disconnect();
    await removeQueueKeys(backends.admin, prefix, queueName);
  }
}

function scenarioFields(scenario: ThroughputScenario): Pick<ThroughputRun, 'concurrency' | 'round' | 'jobs'> {
  return { concurrency: scenario.concurrency, round: scenario.round, jobs: scenario.jobs };
}

/** Resumes the paused worker and times it until the last job ended (or until completions stop for stallMs). */
async function drain(
  backends: ThroughputBackends,
  worker: Worker,
  completions: Completions,
  scenario: ThroughputScenario,
  queue: Queue,
): Promise<Pick<ThroughputRun, 'drainSeconds' | 'completed' | 'failed' | 'complete' | 'cpu'>> {
  const cpuBefore = await backends.cpu.snapshot();
  const started = performance.now();
  completions.lastAt = started;
  const complete = await profiled(scenario.cpuProf, `drain-${scenario.system}-c${scenario.concurrency}-r${scenario.round}`, async () => {
    await worker.resume();
    return completions.settled(scenario.stallMs);
  });
  const ended = complete ? completions.doneAt! : completions.lastAt;
  const cpu = ServerMeter.spent(cpuBefore, await backends.cpu.snapshot());
  if (!complete) {
    const state = await stuckState(queue);
    completions.note(
      `stuck: ${completions.completed} completed and ${completions.failed} failed of ${scenario.jobs}, ` +
        `none for ${scenario.stallMs / 1000} s; the queue holds ${state}`,
    );
    scenario.log(`${scenario.system} c=${scenario.concurrency}: STUCK — ${completions.problems.at(-1)}`);
  }
  return { drainSeconds: (ended - started) / 1000, completed: completions.completed, failed: completions.failed, complete, cpu };
}
