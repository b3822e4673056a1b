import { Redis } from 'ioredis';
import { z } from 'zod';
import { FraiseqlError } from '@fraiseql/errors';
import { LUA_SCRIPTS } from './commands/lua-scripts';
import { orgLimitsSchema, resolveOrgLimits, type OrgLimits, type ResolvedOrgLimits } from './org-limits';

/** BullMQ's highest job priority (its `PRIORITY_LIMIT`, 2^21 - 1); 0 means "unprioritized, first". */
export const BULLMQ_PRIORITY_LIMIT = 2 ** 21 - 1;

export interface OrgFairnessOptions {
  /** A Redis URL, or a client whose options are reused: the instance opens its own connection, which `close()` ends. */
  redis: string | Redis;
  /**
   * Prefix of every key. Default `{fraiseql-fair}`: one hash tag, so that in Redis Cluster every
   * script's keys (and the keys `snapshot` builds) share a slot.
   */
  keyPrefix?: string;
  /** Whose virtual clock `priorityFor`/`started` use: one per BullMQ queue. Default `default`. */
  queueName?: string;
  /** Limits of every org. Default: none (slots are still leased, so `activeCount` works). */
  limits?: OrgLimits;
  /** Per-org overrides of `limits`, key by key (`null` lifts a default). */
  orgLimits?: Record<string, OrgLimits>;
  /** Longest retry delay suggested for a concurrency refusal (earlier when a lease expires sooner). Default 1000 ms. */
  concurrencyRetryMs?: number;
  /** Clock value from which a drained queue's priorities start again at 1. Default 2^20 (half of BullMQ's range). */
  rebaseAbove?: number;
}

export type AcquireResult = { ok: true } | { ok: false; retryInMs: number; reason: 'concurrency' | 'rate' };

export interface OrgActivity {
  orgId: string;
  active: number;
}

/** The state of a queue's virtual clock, for gauges: `BULLMQ_PRIORITY_LIMIT - highest` is the headroom left. */
export interface VirtualClockState {
  clock: number;
  /** Highest priority handed out since the last rebase. */
  highest: number;
  rebases: number;
  /** Priorities clamped to BULLMQ_PRIORITY_LIMIT (fairness among those jobs fell back to FIFO). */
  clamped: number;
}

const optionsSchema = z
  .object({
    redis: z.union([z.string().min(1), z.instanceof(Redis)]),
    keyPrefix: z.string().min(1).optional(),
    queueName: z.string().min(1).optional(),
    limits: orgLimitsSchema.optional(),
    orgLimits: z.record(z.string().min(1), orgLimitsSchema).optional(),
    concurrencyRetryMs: z.number().int().positive().optional(),
    rebaseAbove: z.number().int().positive().max(BULLMQ_PRIORITY_LIMIT).optional(),
  })
  .strict();

type AcquireReply = [1] | [0, number, 'concurrency' | 'rate'];

/** A member of a caller's index of jobs not started yet, removed when the job starts. */
export interface PendingIndexEntry {
  /** A ZSET (in Redis Cluster: in this instance's hash tag, like every key of a script). */
  key: string;
  member: string;
}

interface FairnessCommands {
  fairPriorityFor(clockKey: string, nextKey: string, orgId: string, limit: number, rebaseAbove: number): Promise<number>;
  fairStarted(clockKey: string, priority: number): Promise<number>;
  fairAcquire(
    activeKey: string,
    bucketKey: string,
    orgsKey: string,
    ...argv: [jobId: string, orgId: string, concurrency: number, rate: number, burst: number, leaseMs: number, retryMs: number]
  ): Promise<AcquireReply>;
  /** acquire.lua with its optional keys: the number of keys first (4, or 5 with a pending index). */
  fairAcquireAndStart(numberOfKeys: 4 | 5, ...keysAndArgv: Array<string | number>): Promise<AcquireReply>;
  fairRenew(activeKey: string, orgsKey: string, jobId: string, orgId: string, leaseMs: number): Promise<number>;
  /** release.lua with its optional keys: the number of keys first (2, plus the keys to delete). */
  fairRelease(numberOfKeys: number, ...keysAndArgv: string[]): Promise<number>;
  fairActiveCount(activeKey: string): Promise<number>;
  fairSnapshot(orgsKey: string, activePrefix: string): Promise<Array<string | number>>;
}

/** `numberOfKeys` absent: the call passes it first (a script with optional keys). */
const COMMANDS: Record<keyof FairnessCommands, { lua: string; numberOfKeys?: number }> = {
  fairPriorityFor: { lua: LUA_SCRIPTS.priorityFor, numberOfKeys: 2 },
  fairStarted: { lua: LUA_SCRIPTS.started, numberOfKeys: 1 },
  fairAcquire: { lua: LUA_SCRIPTS.acquire, numberOfKeys: 3 },
  fairAcquireAndStart: { lua: LUA_SCRIPTS.acquire },
  fairRenew: { lua: LUA_SCRIPTS.renew, numberOfKeys: 2 },
  fairRelease: { lua: LUA_SCRIPTS.release },
  fairActiveCount: { lua: LUA_SCRIPTS.activeCount, numberOfKeys: 1 },
  fairSnapshot: { lua: LUA_SCRIPTS.snapshot, numberOfKeys: 1 },
};

/**
 * Per-org fairness for one BullMQ queue without BullMQ Pro's groups: fair start order through job
 * priorities (start-time fair queuing), and per-org concurrency and rate limits held as leases.
 * Every operation is one Lua script, so any number of producers and workers may share it.
 */
export class OrgFairness {
  private readonly redis: Redis & FairnessCommands;
  private readonly prefix: string;
  private readonly clockKey: string;
  private readonly nextKey: string;
  private readonly orgsKey: string;
  private readonly defaults: OrgLimits;
  private readonly orgLimits: Record<string, OrgLimits>;
  private readonly concurrencyRetryMs: number;
  private readonly rebaseAbove: number;

  constructor(options: OrgFairnessOptions) {
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `OrgFairness option ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    const redis = typeof options.redis === 'string' ? new Redis(options.redis) : options.redis.duplicate();
    for (const [name, definition] of Object.entries(COMMANDS)) redis.defineCommand(name, definition);
    this.redis = redis as Redis & FairnessCommands;
    this.prefix = options.keyPrefix ?? '{fraiseql-fair}';
    const queue = options.queueName ?? 'default';
    this.clockKey = `${this.prefix}:clock:${queue}`;
    this.nextKey = `${this.prefix}:next:${queue}`;
    this.orgsKey = `${this.prefix}:orgs`;
    this.defaults = options.limits ?? {};
    this.orgLimits = options.orgLimits ?? {};
    this.concurrencyRetryMs = options.concurrencyRetryMs ?? 1000;
    this.rebaseAbove = options.rebaseAbove ?? 2 ** 20;
  }

  /** The BullMQ `priority` for an org's job being enqueued now (1..BULLMQ_PRIORITY_LIMIT). */
  async priorityFor(orgId: string): Promise<number> {
    return this.redis.fairPriorityFor(this.clockKey, this.nextKey, checkId('orgId', orgId), BULLMQ_PRIORITY_LIMIT, this.rebaseAbove);
  }

  /** Call when a job starts (first thing in the processor): moves the virtual clock up to its priority. */
  async started(orgId: string, priority: number): Promise<void> {
    checkId('orgId', orgId);
    if (!Number.isInteger(priority) || priority < 1) return; // an unprioritized job does not move the clock
    await this.redis.fairStarted(this.clockKey, priority);
  }

  /** The org's limits: `options.limits`, overridden key by key by `options.orgLimits[orgId]`. */
  limitsFor(orgId: string): ResolvedOrgLimits {
    return resolveOrgLimits({ ...this.defaults, ...this.orgLimits[orgId] }, undefined);
  }

  /**
   * Takes a running slot for the job. `limits` (optional) override the org's configured ones key by key.
   * The same jobId with a live lease (a stalled job run again) is the same slot: renewed, counted once.
   */
  async acquire(orgId: string, jobId: string, limits?: OrgLimits): Promise<AcquireResult> {
    const resolved = resolveOrgLimits({ ...this.defaults, ...this.orgLimits[orgId] }, limits);
    const reply = await this.redis.fairAcquire(
      this.activeKey(checkId('orgId', orgId)),
      `${this.prefix}:bucket:${orgId}`,
      this.orgsKey,
      checkId('jobId', jobId),
      orgId,
      resolved.concurrency,
      resolved.ratePerSecond,
      resolved.burst,
      resolved.leaseMs,
      this.concurrencyRetryMs,
    );
    return acquireResult(reply);
  }

  /**
   * `acquire`, then — only when the slot is taken — `started` and the removal of the job from the caller's index
   * of jobs not started yet (`pending`), all in one script: one round trip where the three calls take three.
   */
  async acquireAndStart(
    orgId: string,
    jobId: string,
    priority: number,
    options: { limits?: OrgLimits; pending?: PendingIndexEntry } = {},
  ): Promise<AcquireResult> {
    const resolved = resolveOrgLimits({ ...this.defaults, ...this.orgLimits[orgId] }, options.limits);
    const { pending } = options;
    const keys = [this.activeKey(checkId('orgId', orgId)), `${this.prefix}:bucket:${orgId}`, this.orgsKey, this.clockKey];
    if (pending) keys.push(pending.key);
    const reply = await this.redis.fairAcquireAndStart(
      pending ? 5 : 4,
      ...keys,
      checkId('jobId', jobId),
      orgId,
      resolved.concurrency,
      resolved.ratePerSecond,
      resolved.burst,
      resolved.leaseMs,
      this.concurrencyRetryMs,
      // An unprioritized job (0) or a bogus priority does not move the clock, as with `started`.
      Number.isInteger(priority) && priority >= 1 ? priority : 0,
      pending?.member ?? '',
    );
    return acquireResult(reply);
  }

  /** Extends the job's lease (default: the org's `leaseMs`). False when it held none any more: acquire again. */
  async renew(orgId: string, jobId: string, leaseMs?: number): Promise<boolean> {
    const lease = leaseMs ?? this.limitsFor(orgId).leaseMs;
    if (!Number.isInteger(lease) || lease < 1) throw new FraiseqlError('FRAISEQL_INTERNAL', `leaseMs ${lease} is not a positive integer`);
    return (await this.redis.fairRenew(this.activeKey(checkId('orgId', orgId)), this.orgsKey, checkId('jobId', jobId), orgId, lease)) === 1;
  }

  /**
   * Gives the job's slot back (on completion, failure or deferral). False when it held none. `deleting` names keys
   * of the caller's that end with the job (its checkpoint): deleted by the same script, in the same round trip.
   */
  async release(orgId: string, jobId: string, deleting: readonly string[] = []): Promise<boolean> {
    const keys = [this.activeKey(checkId('orgId', orgId)), this.orgsKey, ...deleting];
    return (await this.redis.fairRelease(keys.length, ...keys, checkId('jobId', jobId), orgId)) === 1;
  }

  /** Jobs of the org holding a live lease. */
  async activeCount(orgId: string): Promise<number> {
    return this.redis.fairActiveCount(this.activeKey(checkId('orgId', orgId)));
  }

  /** Every org with live leases and how many, for a per-org gauge. */
  async snapshot(): Promise<OrgActivity[]> {
    const flat = await this.redis.fairSnapshot(this.orgsKey, `${this.prefix}:active:`);
    const result: OrgActivity[] = [];
    for (let i = 0; i < flat.length; i += 2) result.push({ orgId: String(flat[i]), active: Number(flat[i + 1]) });
    return result;
  }

  /** The queue's virtual clock, for gauges (headroom before priorities clamp). */
  async virtualClock(): Promise<VirtualClockState> {
    const [clock, highest, rebases, clamped] = await this.redis.hmget(this.clockKey, 'clock', 'highest', 'rebases', 'clamped');
    return { clock: Number(clock ?? 0), highest: Number(highest ?? 0), rebases: Number(rebases ?? 0), clamped: Number(clamped ?? 0) };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private activeKey(orgId: string): string {
    return `${this.prefix}:active:${orgId}`;
  }
}

function acquireResult(reply: AcquireReply): AcquireResult {
  return reply[0] === 1 ? { ok: true } : { ok: false, retryInMs: Number(reply[1]), reason: reply[2] };
}

function checkId(name: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new FraiseqlError('FRAISEQL_INTERNAL', `${name} must be a non-empty string`);
  return value;
}
