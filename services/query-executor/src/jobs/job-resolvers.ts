import { FraiseqlError } from '@fraiseql/errors';
import { JobApiClient, type JobsPage, type JobView, type JobViewState } from '@fraiseql/jobs';
import { JOB_API_SURFACE } from '@fraiseql/schema';
import type { NatsConnection } from 'nats';
import type { NativeFieldRequest, NativeFieldResolvers } from '../native-fields';

export interface JobResolverOptions {
  /** How long to wait for the job-runner (FRAISEQL_JOB_API_TIMEOUT_MS). */
  timeoutMs?: number;
}

/**
 * The resolvers of the job fields (`admin: { jobs: true }`, docs/jobs.md): each one is a job API request to the
 * job-runner on behalf of the caller, whose org (checked by the planner) scopes it there too. GraphQL enum values
 * and inputs are mapped to the API's shapes here; the job-runner validates them again and names a bad field.
 */
export function jobResolvers(nc: NatsConnection, options: JobResolverOptions = {}): NativeFieldResolvers {
  const api = new JobApiClient(nc, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
  const { resolvers } = JOB_API_SURFACE;
  const caller = (request: NativeFieldRequest) => ({ ...request.caller, orgId: request.orgId });
  return {
    [resolvers.get]: async (request) => {
      const { job } = await api.call('get', { id: text(request.args.id, 'id') }, caller(request));
      return job && toGraphql(job);
    },
    [resolvers.list]: async (request) => {
      const where = (request.args.where ?? {}) as {
        state?: string[] | null;
        type?: string | null;
        createdAfter?: string | null;
        createdBefore?: string | null;
      };
      const page = await api.call(
        'list',
        {
          ...paging(request.args),
          where: {
            ...(where.state ? { state: where.state.map((s) => s.toLowerCase() as JobViewState) } : {}),
            ...(where.type ? { type: where.type } : {}),
            ...(where.createdAfter ? { createdAfter: where.createdAfter } : {}),
            ...(where.createdBefore ? { createdBefore: where.createdBefore } : {}),
          },
        },
        caller(request),
      );
      return toGraphqlPage(page);
    },
    [resolvers.dead]: async (request) => toGraphqlPage(await api.call('dead-list', paging(request.args), caller(request))),
    [resolvers.download]: async (request) => api.call('download', { id: text(request.args.id, 'id') }, caller(request)),
    [resolvers.enqueueExport]: async (request) => {
      const input = request.args.input as { format: string; source: unknown; jobId?: string | null };
      const { job } = await api.call(
        'enqueue',
        {
          type: 'export',
          payload: { format: input.format.toLowerCase(), source: input.source },
          ...(input.jobId ? { jobId: input.jobId } : {}),
        },
        caller(request),
      );
      return toGraphql(job);
    },
    [resolvers.cancel]: async (request) => toGraphql((await api.call('cancel', { id: text(request.args.id, 'id') }, caller(request))).job),
    [resolvers.retry]: async (request) => toGraphql((await api.call('retry', { id: text(request.args.id, 'id') }, caller(request))).job),
    [resolvers.purgeDead]: async (request) => {
      const ids = request.args.ids as string[];
      return api.call('dead-purge', { ids }, caller(request));
    },
  };
}

function paging(args: Record<string, unknown>): { first?: number; after?: string } {
  const first = args.first as number | null | undefined;
  const after = args.after as string | null | undefined;
  if (first !== undefined && first !== null && (first < 1 || first > JOB_API_SURFACE.maxPage)) {
    throw new FraiseqlError('FRAISEQL_PAGE_TOO_LARGE', `first must be between 1 and ${JOB_API_SURFACE.maxPage}, got ${first}`, {
      details: { argument: 'first' },
    });
  }
  return { ...(first ? { first } : {}), ...(after ? { after } : {}) };
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new FraiseqlError('BAD_USER_INPUT', `${name} must be a string`, { details: { argument: name } });
  return value;
}

/** A `Job` of the GraphQL surface. */
function toGraphql(job: JobView): Record<string, unknown> {
  return {
    id: job.id,
    type: job.type,
    state: job.state.toUpperCase(),
    progress: job.progress,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    retryAt: job.retryAt,
    result: job.result,
    errorCode: job.error?.code ?? null,
    errorMessage: job.error?.message ?? null,
    createdBy: job.createdBy,
  };
}

function toGraphqlPage(page: JobsPage): Record<string, unknown> {
  return { jobs: page.jobs.map(toGraphql), endCursor: page.pageInfo.endCursor, hasNextPage: page.pageInfo.hasNextPage };
}
