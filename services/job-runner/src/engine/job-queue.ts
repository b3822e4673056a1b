import { randomUUID } from 'node:crypto';
import { FraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import type { OrgFairness } from '@fraiseql/job-fairness';
import { MAX_JOBS_PAGE, type JobApiRequest, type JobsPage, type JobView, type JobViewState } from '@fraiseql/jobs';
import { activeTraceparent, orgToken, SUBJECTS } from '@fraiseql/nats-contract';
import { Queue, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NatsConnection } from 'nats';
import type { JobType, JobTypeRegistry } from '../job-types/job-type';
import type { JobAnnouncer } from './job-announcer';
import { parseAttemptLog, parseFailureReason, type AttemptRecord, type JobData } from './job-data';
import { internalJobId, splitInternalJobId } from './job-ids';
import type { JobKeys } from './job-keys';
import type { JobMetrics } from './job-metrics';

export type BullJob = Job<JobData, Record<string, unknown>, string>;

export interface JobQueueOptions {
  /** BullMQ's connection (a dedicated ioredis client; BullMQ's blocking calls need their own). */
  connection: Redis;
  /** The job-runner's own commands (indexes, checkpoints). */
  redis: Redis;
  keys: JobKeys;
  types: JobTypeRegistry;
  fairness: OrgFairness;
  nc: NatsConnection;
  announcer: JobAnnouncer;
  metrics: JobMetrics;
  keepSucceededMs: number;
  keepDeadMs: number;
}

/** Rows of an org's index read per round while filling a page; a page scans at most LIST_SCAN_LIMIT rows. */
const LIST_CHUNK = 100;
const LIST_SCAN_LIMIT = 2000;
const DEFAULT_PAGE = 20;

/**
 * The queue side of the job-runner: everything the job API does (enqueue, read, list, cancel, redrive, purge),
 * on BullMQ plus the job-runner's per-org indexes. Every operation is scoped to one org: the BullMQ id embeds the
 * org (job-ids.ts), so another org's job is not found — never revealed.
 */
export class JobQueue {
  readonly queue: Queue<JobData, Record<string, unknown>, string>;
  private readonly redis: Redis;
  private readonly keys: JobKeys;

  constructor(private readonly options: JobQueueOptions) {
    this.redis = options.redis;
    this.keys = options.keys;
    this.queue = new Queue(options.keys.queue, { connection: options.connection, prefix: options.keys.prefix });
  }

  async enqueue(request: JobApiRequest<'enqueue'>, caller: Caller): Promise<{ job: JobView; created: boolean }> {
    const type = this.options.types.get(request.type);
    const payload = type.parse(request.payload, caller);
    const jobId = request.jobId ?? randomUUID();
    const id = internalJobId(caller.orgId, jobId);
    const existing = await this.queue.getJob(id);
    if (existing) {
      if (existing.name !== type.name)
        throw new FraiseqlError('FRAISEQL_JOB_STATE_CONFLICT', `Job ${jobId} exists already, as a ${existing.name} job`, {
          details: { id: jobId, type: existing.name },
        });
      return { job: await this.view(existing), created: false };
    }
    // One enqueue per new id at a time: a concurrent one of the same id is told to retry (it will then find the job).
    const claim = this.keys.claim(id);
    if ((await this.redis.set(claim, '1', 'PX', 60_000, 'NX')) === null)
      throw new FraiseqlError('FRAISEQL_OVERLOADED', `Job ${jobId} is being enqueued by another request; retry shortly`, {
        details: { id: jobId },
      });
    try {
      return await this.create(type, payload, jobId, id, request, caller);
    } catch (error) {
      await this.redis.del(claim).catch(() => undefined);
      throw error;
    }
  }

  private async create(
    type: JobType,
    payload: unknown,
    jobId: string,
    id: string,
    request: JobApiRequest<'enqueue'>,
    caller: Caller,
  ): Promise<{ job: JobView; created: boolean }> {
    const now = Date.now();
    const org = orgToken(caller.orgId);
    // The indexes first: a job is never missing from its org's list (an index entry without a job is skipped).
    // The priority comes from the fairness connection meanwhile: one round trip for both.
    const [priority] = await Promise.all([
      this.options.fairness.priorityFor(org),
      this.redis
        .multi()
        .zadd(this.keys.orgIndex(caller.orgId), 0, indexMember(now, jobId))
        .zadd(this.keys.orgPending(caller.orgId), 0, indexMember(now, jobId))
        .sadd(this.keys.orgs, org)
        .exec(),
    ]);
    const data: JobData = {
      type: type.name,
      orgId: caller.orgId,
      payload,
      createdBy: caller.subject,
      roles: [...caller.roles],
      ...(request.source ? { source: request.source } : {}),
      ...traceparentField(),
    };
    // Announced before the add: a free worker may start the job at once, and `started` must not come first.
    await this.options.announcer.lifecycle({ job_id: jobId, job_type: type.name, org_id: caller.orgId, state: 'queued', attempt: 0 });
    const job = (await this.queue.add(type.name, data, {
      ...this.jobOptions(type.retry.maximumAttempts),
      jobId: id,
      priority,
      timestamp: now,
      ...(request.delayMs ? { delay: request.delayMs } : {}),
    })) as BullJob;
    this.options.metrics.queued.inc({ job_type: type.name });
    return { job: await this.view(job), created: true };
  }

  /** BullMQ options of every job: our backoff (worker's strategy), our attempts, retention. */
  jobOptions(maximumAttempts: number | undefined): JobsOptions {
    return {
      attempts: maximumAttempts && maximumAttempts > 0 ? maximumAttempts : Number.MAX_SAFE_INTEGER,
      backoff: { type: 'fraiseql' },
      removeOnComplete: { age: Math.ceil(this.options.keepSucceededMs / 1000) },
      removeOnFail: { age: Math.ceil(this.options.keepDeadMs / 1000) },
    };
  }

  async get(jobId: string, caller: Caller): Promise<JobView | null> {
    const job = await this.find(jobId, caller);
    return job ? this.view(job) : null;
  }

  async list(request: JobApiRequest<'list'>, caller: Caller): Promise<JobsPage> {
    const where = request.where ?? {};
    const states = where.state ? new Set<JobViewState>(where.state) : undefined;
    return this.page(caller, request.first ?? DEFAULT_PAGE, request.after, {
      ...(where.createdAfter ? { min: Date.parse(where.createdAfter) } : {}),
      ...(where.createdBefore ? { max: Date.parse(where.createdBefore) } : {}),
      accept: (view) => (!states || states.has(view.state)) && (!where.type || view.type === where.type),
    });
  }

  deadList(request: JobApiRequest<'dead-list'>, caller: Caller): Promise<JobsPage> {
    return this.page(caller, request.first ?? DEFAULT_PAGE, request.after, { accept: (view) => view.state === 'dead' });
  }

  /**
   * Cancel: the job is marked (its data), so a worker that picks it up ends it at once; a running attempt is
   * aborted through its AbortSignal wherever it runs (`fraiseql.v1.jobs.control.cancel`, heard by every replica).
   */
  async cancel(jobId: string, caller: Caller): Promise<JobView> {
    const job = await this.mine(jobId, caller);
    const state = await this.viewState(job);
    if (state !== 'queued' && state !== 'retrying' && state !== 'active')
      throw new FraiseqlError(
        'FRAISEQL_JOB_STATE_CONFLICT',
        `Job ${jobId} is ${state}: only a queued, retrying or running job can be cancelled`,
        { details: { id: jobId, state } },
      );
    const at = new Date().toISOString();
    await job.updateData({ ...job.data, cancelled: { at, by: caller.subject } });
    await this.redis
      .multi()
      .sadd(this.keys.cancelled, job.id!)
      .zrem(this.keys.orgPending(caller.orgId), indexMember(job.timestamp, jobId))
      .exec();
    // Published whatever the state read above: a worker may have taken the job since.
    this.options.nc.publish(SUBJECTS.jobsCancel, JSON.stringify({ id: job.id }));
    if ((await job.getState()) === 'delayed') await job.promote().catch(() => undefined); // ended by the next worker
    this.options.metrics.cancelled.inc({ job_type: job.name });
    await this.options.announcer.lifecycle({
      job_id: jobId,
      job_type: job.name,
      org_id: caller.orgId,
      state: 'cancelled',
      attempt: job.attemptsMade,
      run: runOf(job),
      error: { code: 'FRAISEQL_JOB_CANCELLED', message: `cancelled by ${caller.subject ?? 'an anonymous caller'}` },
    });
    return this.view((await this.queue.getJob(job.id!)) ?? job);
  }

  /** Redrive: a dead, cancelled or succeeded job runs again with a fresh count of attempts. */
  async retry(jobId: string, caller: Caller): Promise<JobView> {
    const job = await this.mine(jobId, caller);
    const bullState = await job.getState();
    if (bullState !== 'failed' && bullState !== 'completed') {
      const state = await this.viewState(job);
      throw new FraiseqlError(
        'FRAISEQL_JOB_STATE_CONFLICT',
        `Job ${jobId} is ${state}: only a dead, cancelled or succeeded job can be retried`,
        {
          details: { id: jobId, state },
        },
      );
    }
    const { cancelled: _cancelled, ...data } = job.data;
    const run = runOf(job) + 1;
    await job.updateData({ ...data, run } as JobData);
    await this.redis.srem(this.keys.cancelled, job.id!);
    await this.redis.del(this.keys.checkpoint(job.id!));
    await this.options.announcer.lifecycle({ job_id: jobId, job_type: job.name, org_id: caller.orgId, state: 'queued', attempt: 0, run });
    await job.retry(bullState, { resetAttemptsMade: true, resetAttemptsStarted: true });
    return this.view((await this.queue.getJob(job.id!)) ?? job);
  }

  /** Removes dead jobs for good: all of them, or none when one is not a dead job of the caller's org. */
  async deadPurge(ids: string[], caller: Caller): Promise<number> {
    const jobs = await Promise.all(ids.map((id) => this.find(id, caller)));
    const states = await Promise.all(jobs.map((job) => (job ? this.viewState(job) : undefined)));
    const missing = ids.filter((_, i) => states[i] !== 'dead');
    if (missing.length > 0)
      throw new FraiseqlError('FRAISEQL_JOB_NOT_FOUND', `No dead job ${missing.join(', ')} in the caller's organization`, {
        details: { ids: missing },
      });
    for (const job of jobs) {
      await job!.remove();
      const { jobId } = splitInternalJobId(job!.id!);
      await this.redis
        .multi()
        .zrem(this.keys.orgIndex(caller.orgId), indexMember(job!.timestamp, jobId))
        .del(this.keys.checkpoint(job!.id!))
        .exec();
    }
    return jobs.length;
  }

  /** The caller's org's job, or undefined. */
  find(jobId: string, caller: Caller): Promise<BullJob | undefined> {
    return this.queue.getJob(internalJobId(caller.orgId, jobId)) as Promise<BullJob | undefined>;
  }

  async mine(jobId: string, caller: Caller): Promise<BullJob> {
    const job = await this.find(jobId, caller);
    if (!job) throw new FraiseqlError('FRAISEQL_JOB_NOT_FOUND', `No job ${jobId} in the caller's organization`, { details: { id: jobId } });
    return job;
  }

  async viewState(job: BullJob): Promise<JobViewState> {
    return viewStateOf(job, await job.getState());
  }

  async view(read: BullJob): Promise<JobView> {
    const bullState = await read.getState();
    // Read before it finished (a worker may finish it between the read and getState): read it again.
    const finished = bullState === 'completed' || bullState === 'failed';
    const job = finished && !read.finishedOn ? (((await this.queue.getJob(read.id!)) as BullJob | undefined) ?? read) : read;
    const state = viewStateOf(job, bullState);
    const { orgId, jobId } = splitInternalJobId(job.id!);
    const type = this.options.types.find(job.name);
    // The attempt records (job log) hold the last error and the scheduled retry; BullMQ's failedReason only the text.
    const last =
      job.attemptsMade > 0 && (state === 'retrying' || !job.failedReason) ? (await this.attemptHistory(job.id!)).at(-1) : undefined;
    const failure =
      state === 'cancelled'
        ? { code: 'FRAISEQL_JOB_CANCELLED', message: 'cancelled' }
        : (last?.error ?? parseFailureReason(job.failedReason));
    const retryAt = state === 'retrying' ? (last?.retry_at ?? null) : null;
    return {
      id: jobId,
      type: job.name,
      orgId,
      state,
      progress: typeof job.progress === 'object' && job.progress !== null ? (job.progress as Record<string, unknown>) : null,
      attempts: state === 'active' ? job.attemptsMade + 1 : job.attemptsMade,
      maxAttempts:
        job.opts.attempts && job.opts.attempts < Number.MAX_SAFE_INTEGER ? job.opts.attempts : (type?.retry.maximumAttempts ?? 0),
      createdAt: new Date(job.timestamp).toISOString(),
      startedAt: job.processedOn ? new Date(job.processedOn).toISOString() : null,
      finishedAt:
        (state === 'succeeded' || state === 'dead') && job.finishedOn
          ? new Date(job.finishedOn).toISOString()
          : (job.data.cancelled?.at ?? null),
      retryAt,
      result: state === 'succeeded' && job.returnvalue && typeof job.returnvalue === 'object' ? job.returnvalue : null,
      error: state === 'succeeded' ? null : failure,
      createdBy: job.data.createdBy ?? null,
    };
  }

  /** The failed attempts recorded in the job's log, oldest first. */
  async attemptHistory(internalId: string): Promise<AttemptRecord[]> {
    const { logs } = await this.queue.getJobLogs(internalId, 0, -1, true);
    return logs.map(parseAttemptLog).filter((r): r is AttemptRecord => r !== undefined);
  }

  /** A page of the org's jobs newest first, filtered; the cursor is the index member of the last row seen. */
  private async page(
    caller: Caller,
    first: number,
    after: string | undefined,
    filter: { min?: number; max?: number; accept: (view: JobView) => boolean },
  ): Promise<JobsPage> {
    const limit = Math.min(first, MAX_JOBS_PAGE);
    const key = this.keys.orgIndex(caller.orgId);
    // Members are `<created ms, 15 digits>:<job id>`: lexicographic order is creation order, ties broken by id.
    const low = filter.min === undefined ? '-' : `[${indexMember(filter.min, '')}`;
    let high = filter.max === undefined ? '+' : `(${indexMember(filter.max + 1, '')}`;
    if (after !== undefined) {
      const member = decodeCursor(after);
      if (high === '+' || member < high.slice(1)) high = `(${member}`;
    }
    const jobs: JobView[] = [];
    let scanned = 0;
    let last: string | undefined;
    let exhausted = false;
    while (jobs.length < limit && scanned < LIST_SCAN_LIMIT) {
      const members = await this.redis.zrevrangebylex(key, high, low, 'LIMIT', 0, LIST_CHUNK);
      if (members.length === 0) {
        exhausted = true;
        break;
      }
      for (const member of members) {
        scanned++;
        last = member;
        const job = await this.queue.getJob(internalJobId(caller.orgId, member.slice(member.indexOf(':') + 1)));
        if (job) {
          const view = await this.view(job as BullJob);
          if (filter.accept(view)) jobs.push(view);
        }
        if (jobs.length >= limit || scanned >= LIST_SCAN_LIMIT) break;
      }
      high = `(${last}`;
    }
    const hasNextPage =
      !exhausted && last !== undefined && (await this.redis.zrevrangebylex(key, `(${last}`, low, 'LIMIT', 0, 1)).length > 0;
    return { jobs, pageInfo: { endCursor: last === undefined ? (after ?? null) : encodeCursor(last), hasNextPage } };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** How many times the job was redriven (lifecycle events of a redrive carry it, so they are not taken for repeats). */
export function runOf(job: BullJob): number {
  return (job.data as JobData & { run?: number }).run ?? 0;
}

export function viewStateOf(job: BullJob, bullState: string): JobViewState {
  if (job.data.cancelled && bullState !== 'completed') return 'cancelled';
  switch (bullState) {
    case 'active':
      return 'active';
    case 'completed':
      return 'succeeded';
    case 'failed':
      return 'dead';
    case 'delayed':
      return job.attemptsMade > 0 ? 'retrying' : 'queued';
    default:
      return 'queued';
  }
}

/** An org index member: creation time first (15 digits: lexicographic = numeric), then the job id. */
export function indexMember(createdMs: number, jobId: string): string {
  return `${String(createdMs).padStart(15, '0')}:${jobId}`;
}

function encodeCursor(member: string): string {
  return Buffer.from(member).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const member = Buffer.from(cursor, 'base64url').toString();
  if (!/^\d{15}:[A-Za-z0-9_-]{1,128}$/.test(member))
    throw new FraiseqlError('FRAISEQL_BAD_REQUEST', 'request.after: not a cursor of this list', { details: { path: 'request.after' } });
  return member;
}

/** The enqueue request's trace (the job API's handler span is active here), stored for the attempts' span links. */
function traceparentField(): { traceparent?: string } {
  const traceparent = activeTraceparent();
  return traceparent === undefined ? {} : { traceparent };
}
