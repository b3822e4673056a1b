import { FraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import { serveJobApi, type JobApiHandlers, type JobView, type JobsPage } from '@fraiseql/jobs';
import type { NatsConnection, Subscription } from 'nats';

/**
 * The job-runner stand-in of the CLI tests (the real job-runner is built elsewhere): `serveJobApi` over in-memory
 * jobs, each visible to its own org only, newest first, paged by a numeric cursor. Records every call with its caller.
 */
export async function startJobApiStandIn(nc: NatsConnection, seed: JobView[] = []) {
  const jobs = new Map(seed.map((j) => [j.id, { ...j }]));
  const calls: { op: string; request: unknown; caller: Caller }[] = [];
  const mine = (id: string, caller: Caller): JobView => {
    const job = jobs.get(id);
    if (!job || job.orgId !== caller.orgId) throw new FraiseqlError('FRAISEQL_JOB_NOT_FOUND', `no job ${id}`);
    return job;
  };
  const page = (list: JobView[], first = 20, after?: string): JobsPage => {
    const start = after === undefined ? 0 : Number(after);
    const slice = list.slice(start, start + first);
    const end = start + slice.length;
    return { jobs: slice, pageInfo: { endCursor: slice.length > 0 ? String(end) : null, hasNextPage: end < list.length } };
  };
  const newestFirst = (caller: Caller) =>
    [...jobs.values()].filter((j) => j.orgId === caller.orgId).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const record = <T>(op: string, request: unknown, caller: Caller, run: () => T): T => {
    calls.push({ op, request, caller });
    return run();
  };
  const handlers: JobApiHandlers = {
    enqueue: async () => {
      throw new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', 'not in this stand-in');
    },
    get: async (request, caller) =>
      record('get', request, caller, () => ({ job: jobs.get(request.id)?.orgId === caller.orgId ? jobs.get(request.id)! : null })),
    list: async (request, caller) =>
      record('list', request, caller, () => {
        const w = request.where ?? {};
        const found = newestFirst(caller).filter(
          (j) =>
            (!w.state || w.state.includes(j.state)) &&
            (!w.type || j.type === w.type) &&
            (!w.createdAfter || j.createdAt >= new Date(w.createdAfter).toISOString()),
        );
        return page(found, request.first, request.after);
      }),
    cancel: async (request, caller) =>
      record('cancel', request, caller, () => {
        const job = mine(request.id, caller);
        if (!['queued', 'retrying', 'active'].includes(job.state))
          throw new FraiseqlError(
            'FRAISEQL_JOB_STATE_CONFLICT',
            `job ${job.id} is ${job.state}: only a queued, retrying or running job can be cancelled`,
          );
        job.state = 'cancelled';
        return { job };
      }),
    retry: async (request, caller) =>
      record('retry', request, caller, () => {
        const job = mine(request.id, caller);
        if (!['dead', 'cancelled', 'succeeded'].includes(job.state))
          throw new FraiseqlError('FRAISEQL_JOB_STATE_CONFLICT', `job ${job.id} is ${job.state}: only a finished job can be retried`);
        Object.assign(job, { state: 'queued', attempts: 0, error: null });
        return { job };
      }),
    download: async () => {
      throw new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', 'not in this stand-in');
    },
    'dead-list': async (request, caller) =>
      record('dead-list', request, caller, () =>
        page(
          newestFirst(caller).filter((j) => j.state === 'dead'),
          request.first,
          request.after,
        ),
      ),
    'dead-purge': async (request, caller) =>
      record('dead-purge', request, caller, () => {
        const missing = request.ids.filter((id) => jobs.get(id)?.orgId !== caller.orgId || jobs.get(id)?.state !== 'dead');
        if (missing.length > 0) throw new FraiseqlError('FRAISEQL_JOB_NOT_FOUND', `no dead job ${missing.join(', ')}`);
        for (const id of request.ids) jobs.delete(id);
        return { purged: request.ids.length };
      }),
  };
  const sub: Subscription = serveJobApi(nc, handlers);
  // The subscription reaches the server before anyone else's request: no "no responders" race under load.
  await nc.flush();
  return {
    jobs,
    calls,
    stop: async () => {
      sub.unsubscribe();
      await nc.flush();
    },
  };
}

/** A job as the API shows it. */
export function jobView(id: string, orgId: string | null, overrides: Partial<JobView> = {}): JobView {
  return {
    id,
    type: 'order-export',
    orgId,
    state: 'queued',
    progress: null,
    attempts: 0,
    maxAttempts: 3,
    createdAt: '2026-12-05T10:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    retryAt: null,
    result: null,
    error: null,
    createdBy: 'service:observer-worker',
    ...overrides,
  };
}
