import { setTimeout as sleep } from 'node:timers/promises';
import { RetryableError, UnrecoverableError } from '@fraiseql/errors';
import { jobApiSubject, writeCallerHeaders } from '@fraiseql/nats-contract';
import { headers as natsHeaders } from 'nats';
import { listDeadLetters, deadLetterJob } from '@fraiseql/dead-letters';
import type { JobView } from '@fraiseql/jobs';
import { waitFor } from '@fraiseql/testkit';
import { z } from 'zod';
import { zodPayload, type JobType } from '../src/job-types/job-type';
import { adminOf, lifecycleOf, metricValue, ORG_A, ORG_B, startBackends, startRunner, type TestRunner } from './support';

type Backends = Awaited<ReturnType<typeof startBackends>>;

/** When each attempt of each job started (by job id), and what the polite type saw. */
const starts = new Map<string, number[]>();
const aborted = new Set<string>();
const fixed = new Set<string>();
const record = (jobId: string): number => {
  const list = starts.get(jobId) ?? [];
  list.push(Date.now());
  starts.set(jobId, list);
  return list.length;
};

const empty = zodPayload('test', z.object({}).passthrough());

/** Typed one by one (the array below holds several payload types). */
const type = <P>(definition: JobType<P>): JobType<never> => definition as unknown as JobType<never>;

const TEST_TYPES: JobType<never>[] = [
  type({
    name: 'flaky',
    parse: zodPayload('flaky', z.object({ failures: z.number().int().min(0) }).strict()),
    timeoutMs: 10_000,
    retry: {
      initialIntervalMs: 300,
      backoff: 'exponential',
      backoffCoefficient: 2,
      maximumIntervalMs: 5000,
      jitter: 0,
      maximumAttempts: 5,
    },
    async run(payload: { failures: number }, context) {
      record(context.jobId);
      if (context.attempt <= payload.failures)
        throw new RetryableError('FRAISEQL_ACTION_UNREACHABLE', `attempt ${context.attempt} fails`, 0);
      return { attempt: context.attempt };
    },
  }),
  type({
    name: 'permanent',
    parse: empty,
    timeoutMs: 10_000,
    retry: { initialIntervalMs: 100, maximumIntervalMs: 100, maximumAttempts: 5 },
    async run(_payload, context) {
      record(context.jobId);
      if (!fixed.has(context.jobId)) throw new UnrecoverableError('the receiver said 410 Gone', { code: 'FRAISEQL_ACTION_REJECTED' });
      return { fixed: true };
    },
  }),
  type({
    name: 'stubborn',
    parse: empty,
    timeoutMs: 300,
    retry: { initialIntervalMs: 100, backoff: 'fixed', maximumIntervalMs: 100, maximumAttempts: 2 },
    async run(_payload, context) {
      record(context.jobId);
      await sleep(3000, undefined, { ref: false }); // ignores its signal: the watchdog must fail the attempt
      return { late: true };
    },
  }),
  type({
    name: 'polite',
    parse: empty,
    timeoutMs: 60_000,
    retry: { initialIntervalMs: 100, maximumIntervalMs: 100, maximumAttempts: 3 },
    async run(_payload, context) {
      record(context.jobId);
      await sleep(30_000, undefined, { signal: context.signal }).catch((error: unknown) => {
        aborted.add(context.jobId);
        throw error;
      });
      return {};
    },
  }),
  type({
    name: 'quick',
    parse: empty,
    timeoutMs: 10_000,
    retry: { initialIntervalMs: 100, maximumIntervalMs: 100, maximumAttempts: 1 },
    async run(_payload, context) {
      await context.progress({ step: 1 });
      return { ok: true };
    },
  }),
];

describe('job-runner (real Redis, NATS JetStream; in-process runner)', () => {
  let backends: Backends;
  let t: TestRunner;
  const A = adminOf(ORG_A);
  const B = adminOf(ORG_B);

  beforeAll(async () => {
    backends = await startBackends();
    t = await startRunner(backends, { types: () => TEST_TYPES });
  });

  afterAll(async () => {
    await t?.close();
    await backends?.dispose();
  });

  const until = async (id: string, caller: typeof A, states: JobView['state'][], timeoutMs = 20_000): Promise<JobView> => {
    let last: JobView | null = null;
    await waitFor(async () => {
      last = (await t.api.call('get', { id }, caller)).job;
      return last !== null && states.includes(last.state);
    }, timeoutMs).catch(() => {
      throw new Error(`job ${id} is ${JSON.stringify(last)}, expected ${states.join('|')}`);
    });
    return last!;
  };

  it('retries on the policy schedule and announces every step', async () => {
    const { job, created } = await t.api.call('enqueue', { type: 'flaky', payload: { failures: 3 }, jobId: 'flaky-1' }, A);
    expect(created).toBe(true);
    expect(job).toMatchObject({ id: 'flaky-1', type: 'flaky', orgId: ORG_A, maxAttempts: 5, createdBy: A.subject });
    expect(['queued', 'active']).toContain(job.state); // a free worker may have taken it already
    const done = await until('flaky-1', A, ['succeeded', 'dead']);
    expect(done).toMatchObject({ state: 'succeeded', attempts: 4, result: { attempt: 4 }, error: null });
    // 300, 600, 1200 ms (exponential, no jitter); BullMQ promotes delayed jobs on time, the tolerance covers the rest.
    const times = starts.get('flaky-1')!;
    const gaps = times.slice(1).map((at, i) => at - times[i]!);
    [300, 600, 1200].forEach((expected, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(expected - 20);
      expect(gaps[i]).toBeLessThan(expected + 1000);
    });
    const events = await lifecycleOf(backends.nc, 'flaky-1', ORG_A);
    expect(events.map((e) => `${e.state}:${e.attempt}`)).toEqual([
      'queued:0',
      'started:1',
      'failed:1',
      'started:2',
      'failed:2',
      'started:3',
      'failed:3',
      'started:4',
      'succeeded:4',
    ]);
    const failed = events.filter((e) => e.state === 'failed');
    expect(failed.every((e) => e.error?.code === 'FRAISEQL_ACTION_UNREACHABLE' && typeof e.retry_at === 'string')).toBe(true);
    expect(await metricValue(t.registry, 'fraiseql_job_retry_attempts_total', { job_type: 'flaky' })).toBe(3);
    expect(
      await metricValue(t.registry, 'fraiseql_job_failed_total', { job_type: 'flaky', error_type: 'FRAISEQL_ACTION_UNREACHABLE' }),
    ).toBe(3);
    expect(await metricValue(t.registry, 'fraiseql_job_executed_total', { job_type: 'flaky' })).toBe(1);
    expect(await metricValue(t.registry, 'fraiseql_job_duration_seconds', { job_type: 'flaky' })).toBe(4);
  });

  it('shows a retrying job with its last error and when its next attempt runs', async () => {
    await t.api.call('enqueue', { type: 'flaky', payload: { failures: 1 }, jobId: 'flaky-2' }, A);
    const retrying = await until('flaky-2', A, ['retrying']);
    expect(retrying).toMatchObject({ attempts: 1, error: { code: 'FRAISEQL_ACTION_UNREACHABLE', message: 'attempt 1 fails' } });
    const due = Date.parse(retrying.retryAt!) - starts.get('flaky-2')![0]!;
    expect(due).toBeGreaterThanOrEqual(300);
    expect(due).toBeLessThan(1300);
    expect(await until('flaky-2', A, ['succeeded'])).toMatchObject({ attempts: 2, error: null, retryAt: null });
  });

  it('a second enqueue with the same id finds the job; another org with the same id gets its own', async () => {
    const first = await t.api.call('enqueue', { type: 'quick', payload: {}, jobId: 'same-id' }, A);
    const again = await t.api.call('enqueue', { type: 'quick', payload: {}, jobId: 'same-id' }, A);
    const other = await t.api.call('enqueue', { type: 'quick', payload: {}, jobId: 'same-id' }, B);
    expect([first.created, again.created, other.created]).toEqual([true, false, true]);
    expect(other.job.orgId).toBe(ORG_B);
    await until('same-id', A, ['succeeded']);
    await until('same-id', B, ['succeeded']);
    expect((await lifecycleOf(backends.nc, 'same-id', ORG_A)).filter((e) => e.state === 'queued')).toHaveLength(1);
    expect(await metricValue(t.registry, 'fraiseql_job_queued_total', { job_type: 'quick' })).toBeGreaterThanOrEqual(2);
    const progress = (await lifecycleOf(backends.nc, 'same-id', ORG_A)).find((e) => e.state === 'progress');
    expect(progress?.progress).toEqual({ step: 1 });
  });

  it('concurrent enqueues of one new id make one job, listed once', async () => {
    const replies = await Promise.allSettled(
      Array.from({ length: 6 }, () => t.api.call('enqueue', { type: 'quick', payload: {}, jobId: 'racy-1' }, B)),
    );
    const created = replies.filter((r) => r.status === 'fulfilled' && r.value.created);
    expect(created).toHaveLength(1);
    for (const r of replies) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'FRAISEQL_OVERLOADED' }); // retryable: it finds the job then
    expect((await t.api.call('enqueue', { type: 'quick', payload: {}, jobId: 'racy-1' }, B)).created).toBe(false);
    await until('racy-1', B, ['succeeded']);
    const listed = await t.api.call('list', { first: 100 }, B);
    expect(listed.jobs.filter((j) => j.id === 'racy-1')).toHaveLength(1);
  });

  it('a hard timeout aborts the attempt even when the code ignores its signal; exhausted attempts are dead-lettered', async () => {
    await t.api.call('enqueue', { type: 'stubborn', payload: {}, jobId: 'slow-1' }, A);
    const dead = await until('slow-1', A, ['dead']);
    expect(dead).toMatchObject({ attempts: 2, error: { code: 'FRAISEQL_JOB_TIMEOUT' } });
    expect(starts.get('slow-1')).toHaveLength(2);
    expect(await metricValue(t.registry, 'fraiseql_job_failed_total', { job_type: 'stubborn', error_type: 'FRAISEQL_JOB_TIMEOUT' })).toBe(
      2,
    );
    await waitFor(async () =>
      (await listDeadLetters(backends.nc, { source: 'job-runner', org: ORG_A })).some((l) => deadLetterJob(l.letter)?.jobId === 'slow-1'),
    );
    const letter = (await listDeadLetters(backends.nc, { source: 'job-runner', org: ORG_A })).find(
      (l) => deadLetterJob(l.letter)?.jobId === 'slow-1',
    )!;
    expect(letter.letter).toMatchObject({
      error: { code: 'FRAISEQL_JOB_TIMEOUT' },
      attempts: { count: 2 },
      details: { job_type: 'stubborn', org_id: ORG_A },
    });
    expect(letter.letter.attempts.history.map((h) => h.attempt)).toEqual([1, 2]);
    expect(JSON.parse(Buffer.from(letter.letter.raw_base64!, 'base64').toString())).toEqual({});
    expect((await lifecycleOf(backends.nc, 'slow-1', ORG_A)).map((e) => e.state)).toEqual([
      'queued',
      'started',
      'failed',
      'started',
      'failed',
      'dead',
    ]);
  });

  it('a permanent error goes to the DLQ at once; redrive runs it again with fresh attempts', async () => {
    await t.api.call('enqueue', { type: 'permanent', payload: {}, jobId: 'perm-1' }, A);
    const dead = await until('perm-1', A, ['dead']);
    expect(dead).toMatchObject({ attempts: 1, error: { code: 'FRAISEQL_ACTION_REJECTED', message: 'the receiver said 410 Gone' } });
    expect((await t.api.call('dead-list', {}, A)).jobs.map((j) => j.id)).toContain('perm-1');
    expect((await t.api.call('dead-list', {}, B)).jobs.map((j) => j.id)).not.toContain('perm-1');
    expect(await metricValue(t.registry, 'fraiseql_job_dlq_items')).toBeGreaterThanOrEqual(1);

    fixed.add('perm-1');
    const redriven = await t.api.call('retry', { id: 'perm-1' }, A);
    expect(['queued', 'active', 'succeeded']).toContain(redriven.job.state);
    const done = await until('perm-1', A, ['succeeded']);
    expect(done).toMatchObject({ attempts: 1, result: { fixed: true } });
    const states = (await lifecycleOf(backends.nc, 'perm-1', ORG_A)).map((e) => `${e.state}${e.run ? `/r${e.run}` : ''}`);
    expect(states).toEqual(['queued', 'started', 'failed', 'dead', 'queued/r1', 'started/r1', 'succeeded/r1']);
    await expect(t.api.call('retry', { id: 'flaky-1' }, B)).rejects.toMatchObject({ code: 'FRAISEQL_JOB_NOT_FOUND' });
  });

  it('cancels a running job through its signal, and a queued one before it runs', async () => {
    await t.api.call('enqueue', { type: 'polite', payload: {}, jobId: 'long-1' }, A);
    await until('long-1', A, ['active']);
    await expect(t.api.call('cancel', { id: 'long-1' }, B)).rejects.toMatchObject({ code: 'FRAISEQL_JOB_NOT_FOUND' });
    const cancelled = await t.api.call('cancel', { id: 'long-1' }, A);
    expect(cancelled.job.state).toBe('cancelled');
    await waitFor(() => aborted.has('long-1'));
    const after = await until('long-1', A, ['cancelled']);
    expect(after.error?.code).toBe('FRAISEQL_JOB_CANCELLED');
    await expect(t.api.call('cancel', { id: 'long-1' }, A)).rejects.toMatchObject({ code: 'FRAISEQL_JOB_STATE_CONFLICT' });

    await t.api.call('enqueue', { type: 'polite', payload: {}, jobId: 'later-1', delayMs: 60_000 }, A);
    expect((await t.api.call('cancel', { id: 'later-1' }, A)).job.state).toBe('cancelled');
    await sleep(500);
    expect(starts.get('later-1')).toBeUndefined();
    expect((await t.api.call('get', { id: 'later-1' }, A)).job?.state).toBe('cancelled');
    // Cancelled jobs are not dead letters.
    expect((await t.api.call('dead-list', {}, A)).jobs.map((j) => j.id)).not.toContain('long-1');
    expect((await lifecycleOf(backends.nc, 'long-1', ORG_A)).map((e) => e.state)).toEqual(['queued', 'started', 'cancelled']);
  });

  it('keeps each org to its own jobs: get, list, cancel, retry, download, purge', async () => {
    await t.api.call('enqueue', { type: 'quick', payload: {}, jobId: 'a-only' }, A);
    await until('a-only', A, ['succeeded']);
    expect((await t.api.call('get', { id: 'a-only' }, B)).job).toBeNull();
    const listed = await t.api.call('list', { first: 100 }, B);
    expect(listed.jobs.every((j) => j.orgId === ORG_B)).toBe(true);
    expect(listed.jobs.map((j) => j.id)).not.toContain('a-only');
    for (const op of ['cancel', 'retry', 'download'] as const)
      await expect(t.api.call(op, { id: 'a-only' }, B)).rejects.toMatchObject({
        code: expect.stringMatching(/FRAISEQL_JOB_NOT_FOUND|FRAISEQL_OPERATION_NOT_SUPPORTED/),
      });
    await expect(t.api.call('dead-purge', { ids: ['perm-1'] }, B)).rejects.toMatchObject({ code: 'FRAISEQL_JOB_NOT_FOUND' });
  });

  it('lists newest first with filters and a cursor', async () => {
    for (let i = 0; i < 5; i++) await t.api.call('enqueue', { type: 'quick', payload: {}, jobId: `page-${i}` }, B);
    for (let i = 0; i < 5; i++) await until(`page-${i}`, B, ['succeeded']);
    const first = await t.api.call('list', { first: 2, where: { type: 'quick' } }, B);
    expect(first.jobs.map((j) => j.id)).toEqual(['page-4', 'page-3']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await t.api.call('list', { first: 2, after: first.pageInfo.endCursor!, where: { type: 'quick' } }, B);
    expect(second.jobs.map((j) => j.id)).toEqual(['page-2', 'page-1']);
    const rest = await t.api.call(
      'list',
      { first: 50, after: second.pageInfo.endCursor!, where: { type: 'quick', state: ['succeeded'] } },
      B,
    );
    expect(rest.jobs.map((j) => j.id)).toEqual(['page-0', 'racy-1', 'same-id']);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const none = await t.api.call('list', { where: { state: ['dead'] } }, B);
    expect(none.jobs).toEqual([]);
    await expect(t.api.call('list', { after: 'bm90LWEtY3Vyc29y' }, B)).rejects.toMatchObject({ code: 'FRAISEQL_BAD_REQUEST' });
  });

  it('refuses bad payloads, unknown types and callers without the role at enqueue, naming the field', async () => {
    await expect(t.api.call('enqueue', { type: 'flaky', payload: { failures: 'x' } }, A)).rejects.toMatchObject({
      code: 'FRAISEQL_JOB_PAYLOAD_INVALID',
      message: expect.stringContaining('payload.failures'),
    });
    await expect(t.api.call('enqueue', { type: 'nope', payload: {} }, A)).rejects.toMatchObject({ code: 'FRAISEQL_JOB_TYPE_UNKNOWN' });
    const viewer = { subject: 'viewer', orgId: ORG_A, roles: ['viewer'] };
    await expect(t.api.call('enqueue', { type: 'quick', payload: {} }, viewer)).rejects.toMatchObject({ code: 'FRAISEQL_FORBIDDEN' });
    await expect(t.api.call('cancel', { id: 'a-only' }, viewer)).rejects.toMatchObject({ code: 'FRAISEQL_FORBIDDEN' });
    // A read needs no role, only the org.
    expect((await t.api.call('get', { id: 'a-only' }, viewer)).job?.id).toBe('a-only');
    expect((await t.api.call('list', { where: { type: 'nope' } }, A)).jobs).toEqual([]);
    expect(await metricValue(t.registry, 'fraiseql_job_queued_total', { job_type: 'nope' })).toBe(0);
  });

  it('reports queue depth and per-org gauges on /metrics', async () => {
    expect(await metricValue(t.registry, 'fraiseql_job_queue_depth', { state: 'completed' })).toBeGreaterThan(0);
    expect(await metricValue(t.registry, 'fraiseql_job_queue_depth', { state: 'failed' })).toBeGreaterThan(0);
    await t.api.call('enqueue', { type: 'polite', payload: {}, jobId: 'gauge-run' }, B);
    await t.api.call('enqueue', { type: 'quick', payload: {}, jobId: 'gauge-wait', delayMs: 60_000 }, B);
    await until('gauge-run', B, ['active']);
    expect(await metricValue(t.registry, 'fraiseql_job_org_active', { org: ORG_B })).toBe(1);
    expect(await metricValue(t.registry, 'fraiseql_job_org_waiting', { org: ORG_B })).toBe(1);
    // The running job has been active since its start; nothing waits (the other one is delayed).
    expect(await metricValue(t.registry, 'fraiseql_job_oldest_age_seconds', { state: 'active' })).toBeGreaterThan(0);
    expect(await metricValue(t.registry, 'fraiseql_job_oldest_age_seconds', { state: 'waiting' })).toBe(0);
    expect(await metricValue(t.registry, 'fraiseql_job_oldest_age_seconds', { state: 'prioritized' })).toBe(0);
    await t.api.call('cancel', { id: 'gauge-run' }, B);
    await t.api.call('cancel', { id: 'gauge-wait' }, B);
    await waitFor(async () => (await metricValue(t.registry, 'fraiseql_job_org_active', { org: ORG_B })) === 0);
    expect(await metricValue(t.registry, 'fraiseql_job_org_waiting', { org: ORG_B })).toBe(0);
    expect(await metricValue(t.registry, 'fraiseql_job_cancelled_total')).toBeGreaterThanOrEqual(2);
  });

  it('answers a malformed request on the wire with FRAISEQL_BAD_REQUEST naming the field (no client-side check)', async () => {
    const headers = natsHeaders();
    writeCallerHeaders(headers, A);
    const reply = await backends.nc.request(jobApiSubject('get'), new TextEncoder().encode('{"id":"bad id!"}'), { headers, timeout: 5000 });
    expect(JSON.parse(reply.string())).toMatchObject({
      ok: false,
      error: { code: 'FRAISEQL_BAD_REQUEST', message: expect.stringContaining('request.id') },
    });
    const notJson = await backends.nc.request(jobApiSubject('list'), new TextEncoder().encode('{'), { headers, timeout: 5000 });
    expect(JSON.parse(notJson.string())).toMatchObject({ ok: false, error: { code: 'FRAISEQL_BAD_REQUEST' } });
  });
});
