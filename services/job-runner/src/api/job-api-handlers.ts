import { FraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import { signExportDownloadToken, type JobApiHandlers } from '@fraiseql/jobs';
import { JOB_API_SURFACE } from '@fraiseql/schema';
import type { JobQueue } from '../engine/job-queue';

export interface JobApiHandlerOptions {
  queue: JobQueue;
  /** The key export links are signed with (the gateway's FRAISEQL_EXPORT_SIGNING_KEY); unset: no downloads. */
  signingKey?: string;
  /** Validity of a link when the request names none. */
  defaultLinkTtlMs: number;
}

/** Services acting for an org (observer-worker) hold this role. */
const SERVICE_ROLE = 'service';

/**
 * The job API's operations (libs/jobs), each scoped to the caller's org by the queue. Roles as in GraphQL
 * (JOB_API_SURFACE, docs/jobs.md "Who may do what"), checked here again: the job-runner answers any NATS client.
 */
export function jobApiHandlers(options: JobApiHandlerOptions): JobApiHandlers {
  const { queue } = options;
  return {
    enqueue: async (request, caller) => {
      requireRole(
        caller,
        request.type === 'export' ? JOB_API_SURFACE.exportRoles : JOB_API_SURFACE.adminRoles,
        `enqueue ${request.type} jobs`,
      );
      return queue.enqueue(request, caller);
    },
    get: async (request, caller) => ({ job: await queue.get(request.id, requireSubject(caller)) }),
    list: async (request, caller) => queue.list(request, requireSubject(caller)),
    cancel: async (request, caller) => {
      requireRole(caller, JOB_API_SURFACE.adminRoles, 'cancel jobs');
      return { job: await queue.cancel(request.id, caller) };
    },
    retry: async (request, caller) => {
      requireRole(caller, JOB_API_SURFACE.adminRoles, 'retry jobs');
      return { job: await queue.retry(request.id, caller) };
    },
    download: async (request, caller) => {
      requireRole(caller, JOB_API_SURFACE.exportRoles, 'download exports');
      if (!options.signingKey)
        throw new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', 'Export downloads are not configured (FRAISEQL_EXPORT_SIGNING_KEY)');
      const job = await queue.mine(request.id, caller);
      const view = await queue.view(job);
      if (view.type !== 'export')
        throw new FraiseqlError('FRAISEQL_JOB_STATE_CONFLICT', `Job ${request.id} is a ${view.type} job, not an export`, {
          details: { id: request.id, type: view.type },
        });
      if (view.state !== 'succeeded' || !view.result)
        throw new FraiseqlError('FRAISEQL_JOB_STATE_CONFLICT', `Export ${request.id} is ${view.state}: there is a file once it succeeded`, {
          details: { id: request.id, state: view.state },
        });
      const key = String(view.result.key);
      const expiresAtMs = Date.now() + (request.ttlSeconds === undefined ? options.defaultLinkTtlMs : request.ttlSeconds * 1000);
      const exp = Math.floor(expiresAtMs / 1000);
      const extension = key.slice(key.lastIndexOf('.') + 1);
      const token = signExportDownloadToken(
        { jobId: request.id, orgId: caller.orgId, key, fileName: `${request.id}.${extension}`, exp },
        options.signingKey,
      );
      return { url: `/v1/exports/${token}`, expiresAt: new Date(exp * 1000).toISOString() };
    },
    'dead-list': async (request, caller) => {
      requireRole(caller, JOB_API_SURFACE.adminRoles, 'list dead jobs');
      return queue.deadList(request, caller);
    },
    'dead-purge': async (request, caller) => {
      requireRole(caller, JOB_API_SURFACE.adminRoles, 'purge dead jobs');
      return { purged: await queue.deadPurge(request.ids, caller) };
    },
  };
}

function requireSubject(caller: Caller): Caller {
  if (caller.subject === null) throw new FraiseqlError('FRAISEQL_UNAUTHENTICATED', 'The job API needs an authenticated caller');
  return caller;
}

function requireRole(caller: Caller, roles: readonly string[], what: string): void {
  requireSubject(caller);
  if (caller.roles.includes(SERVICE_ROLE) || caller.roles.some((role) => roles.includes(role))) return;
  throw new FraiseqlError('FRAISEQL_FORBIDDEN', `Only ${roles.join(', ')} may ${what}`, { details: { required: roles } });
}
