import { FraiseqlError, RetryableError, toFraiseqlError } from '@fraiseql/errors';
import type { OrgFairness } from '@fraiseql/job-fairness';
import { SUBJECTS, withLinkedSpan } from '@fraiseql/nats-contract';
import { mayRetry, retryDelayMs } from '@fraiseql/service-kit';
import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import type { JobContext, JobType, JobTypeRegistry } from '../job-types/job-type';
import type { JobAnnouncer } from './job-announcer';
import { failureReason, type AttemptRecord, type JobData } from './job-data';
import { splitInternalJobId } from './job-ids';
import type { JobKeys } from './job-keys';
import type { JobMetrics } from './job-metrics';
import { indexMember, runOf, type BullJob, type JobQueue } from './job-queue';

export interface JobWorkerOptions {
  connection: Redis;
  redis: Redis;
  keys: JobKeys;
  types: JobTypeRegistry;
  fairness: OrgFairness;
  nc: NatsConnection;
  queue: JobQueue;
  announcer: JobAnnouncer;
  metrics: JobMetrics;
  logger: Logger;
  concurrency: number;
  lockMs: number;
  maxStalled: number;
  watchdogGraceMs: number;
  keepDeadMs: number;
}

/** Why a running attempt was aborted from outside its own code. */
type StopReason = 'cancelled' | 'shutdown';

interface Running {
  controller: AbortController;
  orgId: string | null;
  jobId: string;
}

/** A cancelled job id is remembered this long, for a worker that took the job just before it was marked. */
const RECENTLY_CANCELLED_MS = 120_000;
/** Progress is written (BullMQ and a lifecycle event) at most this often per job; the last one always. */
const PROGRESS_EVERY_MS = 500;

/**
 * The worker side: a BullMQ worker whose processor wraps every job type with what BullMQ's open-source edition
 * leaves out — per-org fairness (leases and rate, libs/job-fairness), a hard timeout through an AbortSignal and a
 * watchdog for code that ignores it, the shared retry policy (delays computed here, handed to BullMQ's custom
 * backoff), a dead-letter queue (`dead` lifecycle event + FRAISEQL_DLQ letter), cancellation and a graceful
 * hand-back on shutdown. docs/jobs.md describes the life of a job.
 */
export class JobWorker {
  readonly worker: Worker<JobData, Record<string, unknown>, string>;
  private readonly running = new Map<string, Running>();
  private readonly recentlyCancelled = new Map<string, number>();
  private readonly control: Subscription;
  private closing = false;

  constructor(private readonly options: JobWorkerOptions) {
    const { keys } = options;
    this.worker = new Worker(keys.queue, (job, token) => this.process(job as BullJob, token), {
      connection: options.connection,
      prefix: keys.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: Math.max(1000, Math.floor(options.lockMs / 2)),
      maxStalledCount: options.maxStalled,
      autorun: false,
      settings: {
        // The processor computed the delay (the type's policy, Retry-After as a floor) and put it on the error.
        backoffStrategy: (_attemptsMade: number, _type?: string, error?: Error) =>
          (error as { retryDelayMs?: number })?.retryDelayMs ?? 1000,
      },
    });
    this.worker.on('error', (error) => options.logger.warn({ err: error }, 'BullMQ worker error'));
    // A job whose worker died more often than maxStalled is failed by BullMQ before our processor sees it.
    this.worker.on('failed', (job, error) => {
      if (job && error.message.includes('stalled more than allowable limit')) void this.afterStall(job as BullJob);
    });
    this.control = options.nc.subscribe(SUBJECTS.jobsCancel, {
      callback: (error, msg) => {
        if (error) return;
        try {
          const { id } = JSON.parse(msg.string()) as { id?: unknown };
          if (typeof id === 'string') this.cancelLocally(id);
        } catch {
          // not ours
        }
      },
    });
  }

  start(): void {
    void this.worker.run().catch((error: unknown) => this.options.logger.error({ err: error }, 'BullMQ worker stopped'));
  }

  /**
   * SIGTERM: take no new job; running ones get `graceMs` to finish, then are aborted and handed back to the queue
   * (moved to delayed for now: no attempt spent) for another replica.
   */
  async close(graceMs: number): Promise<{ handedBack: number }> {
    if (this.closing) return { handedBack: 0 };
    this.closing = true;
    this.control.unsubscribe();
    const closed = this.worker.close();
    let handedBack = 0;
    if (this.running.size > 0 && !(await this.idle(graceMs))) {
      handedBack = this.running.size;
      for (const running of this.running.values()) running.controller.abort(stop('shutdown'));
      // Each aborted attempt moves its job back to delayed and returns; the watchdog bounds code that ignores it.
      await this.idle(this.options.watchdogGraceMs + 1000);
    }
    await closed;
    return { handedBack };
  }

  /** Resolves true once no job runs here, false after `timeoutMs`. */
  private async idle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, deadline - Date.now())));
    }
    return true;
  }

  private cancelLocally(internalId: string): void {
    const now = Date.now();
    this.recentlyCancelled.set(internalId, now);
    for (const [id, at] of this.recentlyCancelled) if (now - at > RECENTLY_CANCELLED_MS) this.recentlyCancelled.delete(id);
    this.running.get(internalId)?.controller.abort(stop('cancelled'));
  }

  private async process(job: BullJob, token: string | undefined): Promise<Record<string, unknown>> {
    const { metrics, fairness, announcer, keys } = this.options;
    const internalId = job.id!;
    // `org` is the token the id holds: orgFromToken checked it is canonical, so it equals orgToken(orgId).
    const { orgId, orgToken: org, jobId } = splitInternalJobId(internalId);
    const attempt = job.attemptsMade + 1;
    const run = runOf(job);
    const base = { job_id: jobId, job_type: job.name, org_id: orgId, run };

    if (job.data.cancelled || this.recentlyCancelled.has(internalId)) {
      throw new UnrecoverableError(failureReason('FRAISEQL_JOB_CANCELLED', 'cancelled before it started'));
    }
    const type = this.options.types.find(job.name);
    if (!type) {
      const error = new FraiseqlError('FRAISEQL_JOB_TYPE_UNKNOWN', `This job-runner has no job type ${job.name}`);
      await this.bury(job, base, attempt, error, 0);
      throw new UnrecoverableError(failureReason(error.code, error.message));
    }

    // Slot, virtual clock and the org's pending index in one script: one round trip before the job runs.
    const slot = await fairness.acquireAndStart(org, internalId, job.priority, {
      pending: { key: keys.orgPendingOfToken(org), member: indexMember(job.timestamp, jobId) },
    });
    if (!slot.ok) {
      // Over the org's concurrency or rate: back to delayed, no attempt spent, its fair priority kept.
      metrics.deferred.inc({ reason: slot.reason });
      await job.moveToDelayed(Date.now() + slot.retryInMs, token);
      throw new DelayedError();
    }
    const running: Running = { controller: new AbortController(), orgId, jobId };
    this.running.set(internalId, running);
    const renew = setInterval(() => void fairness.renew(org, internalId).catch(() => undefined), fairness.limitsFor(org).leaseMs / 3);
    let released: Promise<unknown> | undefined;
    const release = (deleting?: string[]): Promise<unknown> => {
      clearInterval(renew);
      return (released ??= fairness.release(org, internalId, deleting).catch((error: unknown) =>
        // The lease expires by itself; a checkpoint left behind is harmless (only a redrive, which deletes it, runs
        // a succeeded job again) and expires with keepDeadMs.
        this.options.logger.warn({ err: error, jobId: internalId }, 'fairness slot not released'),
      ));
    };
    const began = Date.now();
    // `started` is published while the job runs, not before it; every later event of this attempt (progress,
    // succeeded, failed, dead) waits for its ack, so the stream holds them in lifecycle order. A publish that fails
    // is counted and logged by the announcer; only an event that cannot be encoded rejects (and fails the attempt).
    const startedAnnounced = announcer.lifecycle({ ...base, state: 'started', attempt });
    const afterStarted = startedAnnounced.then(
      () => undefined,
      () => undefined,
    );
    try {
      const span = {
        tracer: '@fraiseql/job-runner',
        name: `job ${job.name}`,
        attributes: {
          'fraiseql.job.id': jobId,
          'fraiseql.job.type': job.name,
          'fraiseql.job.attempt': attempt,
          'fraiseql.org_id': orgId ?? '',
        },
      };
      const result = await withLinkedSpan(span, job.data.traceparent, () => this.attempt(job, type, running, attempt, base, afterStarted));
      metrics.duration.observe({ job_type: job.name }, (Date.now() - began) / 1000);
      metrics.executed.inc({ job_type: job.name });
      await startedAnnounced;
      // `succeeded` is acked before BullMQ is told the attempt completed; meanwhile one script gives the slot back
      // and deletes the checkpoint.
      await Promise.all([announcer.lifecycle({ ...base, state: 'succeeded', attempt, result }), release([keys.checkpoint(internalId)])]);
      return result;
    } catch (caught) {
      metrics.duration.observe({ job_type: job.name }, (Date.now() - began) / 1000);
      await afterStarted;
      const reason = running.controller.signal.aborted ? running.controller.signal.reason : undefined;
      if (isStop(reason, 'shutdown')) {
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      if (isStop(reason, 'cancelled') || (await this.markedCancelled(job))) {
        throw new UnrecoverableError(failureReason('FRAISEQL_JOB_CANCELLED', `attempt ${attempt} was aborted: the job was cancelled`));
      }
      throw await this.failed(job, type, attempt, base, caught, Date.now() - began);
    } finally {
      this.running.delete(internalId);
      await release();
    }
  }

  /** Runs the type's code under its hard timeout; the watchdog fails the attempt if the code ignores the abort. */
  private async attempt(
    job: BullJob,
    type: JobType,
    running: Running,
    attempt: number,
    base: { job_id: string; job_type: string; org_id: string | null; run: number },
    afterStarted: Promise<void>,
  ): Promise<Record<string, unknown>> {
    const { controller } = running;
    const timeout = setTimeout(
      () =>
        controller.abort(
          new FraiseqlError('FRAISEQL_JOB_TIMEOUT', `attempt ${attempt} ran past the ${type.name} job's timeout of ${type.timeoutMs} ms`),
        ),
      type.timeoutMs,
    );
    let watchdog: NodeJS.Timeout | undefined;
    const abandoned = new Promise<never>((_, reject) => {
      const onAbort = (): void => {
        watchdog = setTimeout(() => reject(controller.signal.reason), this.options.watchdogGraceMs);
      };
      if (controller.signal.aborted) onAbort();
      else controller.signal.addEventListener('abort', onAbort, { once: true });
    });
    const context = this.context(job, running, attempt, base, afterStarted);
    try {
      const work = (async () => type.run(type.parse(job.data.payload), context))();
      const result = await Promise.race([work, abandoned]);
      // A job whose code finished although the attempt was aborted (it ignored the signal) still failed.
      controller.signal.throwIfAborted();
      await context.flush();
      return result ?? {};
    } catch (error) {
      // The abort's reason wins over whatever the aborted code threw (usually an AbortError).
      throw controller.signal.aborted ? controller.signal.reason : error;
    } finally {
      clearTimeout(timeout);
      clearTimeout(watchdog);
    }
  }

  private context(
    job: BullJob,
    running: Running,
    attempt: number,
    base: { job_id: string; job_type: string; org_id: string | null; run: number },
    afterStarted: Promise<void>,
  ): JobContext & { flush(): Promise<void> } {
    const { redis, keys, announcer, keepDeadMs } = this.options;
    let lastWrite = 0;
    let pending: Record<string, unknown> | undefined;
    let logger: Logger | undefined;
    const write = async (update: Record<string, unknown>): Promise<void> => {
      lastWrite = Date.now();
      pending = undefined;
      await job.updateProgress(update);
      await afterStarted; // `progress` never overtakes `started` in the stream
      await announcer.lifecycle({ ...base, state: 'progress', attempt, progress: update });
    };
    const parentLogger = this.options.logger;
    return {
      jobId: running.jobId,
      orgId: running.orgId,
      createdBy: { subject: job.data.createdBy, orgId: running.orgId, roles: job.data.roles ?? [] },
      attempt,
      signal: running.controller.signal,
      // Made on first use: most jobs never log, and a child logger per job is not free.
      get logger() {
        return (logger ??= parentLogger.child({ jobId: running.jobId, jobType: job.name, attempt }));
      },
      async progress(update) {
        if (Date.now() - lastWrite >= PROGRESS_EVERY_MS) await write(update);
        else pending = update;
      },
      async flush() {
        if (pending) await write(pending);
      },
      checkpoint: {
        async load() {
          const text = await redis.get(keys.checkpoint(job.id!));
          return text === null ? null : (JSON.parse(text) as unknown);
        },
        async save(value) {
          await redis.set(keys.checkpoint(job.id!), JSON.stringify(value), 'PX', keepDeadMs);
        },
      },
    };
  }

  /**
   * A failed attempt: recorded (job log), counted, announced; then either a retry is scheduled (the error carries
   * the delay for the backoff strategy) or the job is dead (announced, dead-lettered, UnrecoverableError for BullMQ).
   */
  private async failed(
    job: BullJob,
    type: JobType,
    attempt: number,
    base: { job_id: string; job_type: string; org_id: string | null; run: number },
    caught: unknown,
    latencyMs: number,
  ): Promise<Error> {
    const { metrics, announcer, logger } = this.options;
    const error = toFraiseqlError(caught);
    // A payload its type no longer accepts (a job enqueued by an older version) cannot get better by retrying.
    const permanent =
      error.name === 'UnrecoverableError' || caught instanceof UnrecoverableError || error.code === 'FRAISEQL_JOB_PAYLOAD_INVALID';
    const final = permanent || !mayRetry(type.retry, attempt, error.code);
    metrics.failed.inc({ job_type: job.name, error_type: error.code });
    const at = new Date().toISOString();
    const delay = final ? 0 : retryDelayMs(type.retry, attempt, { retryAfterMs: error instanceof RetryableError ? error.retryAfterMs : 0 });
    const retryAt = final ? undefined : new Date(Date.now() + delay).toISOString();
    const record: AttemptRecord = {
      kind: 'attempt-failed',
      attempt,
      at,
      error: { code: error.code, message: error.message },
      latency_ms: latencyMs,
      ...(retryAt ? { retry_at: retryAt } : {}),
    };
    await job.log(JSON.stringify(record)).catch(() => undefined);
    if (error.code === 'FRAISEQL_INTERNAL') logger.error({ err: caught, jobId: base.job_id, jobType: job.name }, 'job failed unexpectedly');
    else logger.info({ jobId: base.job_id, jobType: job.name, attempt, code: error.code, final }, `job attempt failed: ${error.message}`);
    await announcer.lifecycle({ ...base, state: 'failed', attempt, error: record.error, ...(retryAt ? { retry_at: retryAt } : {}) });
    if (final) {
      await this.bury(job, base, attempt, error, latencyMs, record);
      return new UnrecoverableError(failureReason(error.code, error.message));
    }
    metrics.retries.inc({ job_type: job.name });
    return Object.assign(new Error(failureReason(error.code, error.message)), { retryDelayMs: delay });
  }

  /** Dead: the `dead` lifecycle event and the FRAISEQL_DLQ letter with every recorded attempt. */
  private async bury(
    job: BullJob,
    base: { job_id: string; job_type: string; org_id: string | null },
    attempt: number,
    error: { code: string; message: string },
    latencyMs: number,
    last?: AttemptRecord,
  ): Promise<void> {
    const history = await this.options.queue.attemptHistory(job.id!).catch(() => (last ? [last] : []));
    if (history.length === 0) history.push({ kind: 'attempt-failed', attempt, at: new Date().toISOString(), error, latency_ms: latencyMs });
    this.options.metrics.dead.inc({ job_type: job.name });
    await this.options.announcer.dead({
      jobId: base.job_id,
      jobType: base.job_type,
      orgId: base.org_id,
      payload: job.data.payload,
      error: { code: error.code, message: error.message },
      attempts: attempt,
      run: runOf(job),
      history: history.map(({ kind: _kind, ...entry }) => entry),
      createdBy: job.data.createdBy ?? null,
    });
  }

  private async afterStall(job: BullJob): Promise<void> {
    const internalId = job.id!;
    try {
      const { orgId, jobId } = splitInternalJobId(internalId);
      const error = new FraiseqlError(
        'FRAISEQL_JOB_STALLED',
        `the job's worker stopped while running it more than ${this.options.maxStalled} time(s) (FRAISEQL_JOB_MAX_STALLED)`,
      );
      this.options.metrics.failed.inc({ job_type: job.name, error_type: error.code });
      await this.bury(job, { job_id: jobId, job_type: job.name, org_id: orgId }, job.attemptsMade + 1, error, 0);
    } catch (error) {
      this.options.logger.warn({ err: error, jobId: internalId }, 'could not announce a stalled job');
    }
  }

  private async markedCancelled(job: BullJob): Promise<boolean> {
    return (await this.options.redis.sismember(this.options.keys.cancelled, job.id!)) === 1;
  }
}

/** The reason of an abort that came from outside the job's code (a cancellation, a shutdown). */
class Stop extends Error {
  constructor(readonly why: StopReason) {
    super(why === 'cancelled' ? 'the job was cancelled' : 'the job-runner is shutting down; the job goes back to the queue');
    this.name = 'AbortError';
  }
}

function stop(reason: StopReason): Stop {
  return new Stop(reason);
}

function isStop(reason: unknown, which: StopReason): boolean {
  return reason instanceof Stop && reason.why === which;
}
