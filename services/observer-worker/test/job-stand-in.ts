import { FraiseqlError, type ErrorCode } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import { JOB_API_OPERATIONS, serveJobApi, type JobApiHandlers, type JobApiRequest, type JobView } from '@fraiseql/jobs';
import type { NatsConnection, Subscription } from 'nats';

export interface JobApiStandIn {
  /** Jobs by id, as BullMQ keeps them: an enqueue naming an existing id returns it (`created: false`). */
  jobs: Map<string, JobView & { payload: unknown }>;
  /** Every enqueue request that reached the stand-in, with its caller. */
  requests: { request: JobApiRequest<'enqueue'>; caller: Caller }[];
  /** Jobs created (an enqueue that found its id is not one). */
  creations(): number;
  /** Answer every enqueue with this code instead (undefined: accept). */
  refuse(code: ErrorCode | undefined): void;
  /** Answer enqueues this long after the job was created (a lost answer, when longer than the caller waits). */
  answerAfter(ms: number): void;
  stop(): Promise<void>;
}

/**
 * The job-runner stand-in for tests (the real job-runner is built elsewhere): `serveJobApi` with in-memory
 * handlers. Only `enqueue` is implemented; the other operations answer FRAISEQL_OPERATION_NOT_SUPPORTED.
 */
export async function startJobApiStandIn(nc: NatsConnection): Promise<JobApiStandIn> {
  const jobs = new Map<string, JobView & { payload: unknown }>();
  const requests: JobApiStandIn['requests'] = [];
  let refusal: ErrorCode | undefined;
  let answerDelayMs = 0;
  let created = 0;
  const notHere = async (): Promise<never> => {
    throw new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', 'not in this stand-in');
  };
  const handlers = Object.fromEntries(JOB_API_OPERATIONS.map((op) => [op, notHere])) as unknown as JobApiHandlers;
  handlers.enqueue = async (request, caller) => {
    requests.push({ request, caller });
    if (refusal) throw new FraiseqlError(refusal, `the stand-in refuses: ${refusal}`);
    const id = request.jobId ?? `job-${jobs.size + 1}`;
    const existing = jobs.get(id);
    if (existing) return { job: existing, created: false };
    const now = new Date().toISOString();
    const job = {
      ...{ id, type: request.type, orgId: caller.orgId, state: 'queued' as const, progress: null, attempts: 0, maxAttempts: 3 },
      ...{ createdAt: now, startedAt: null, finishedAt: null, retryAt: null, result: null, error: null, createdBy: caller.subject },
      payload: request.payload,
    };
    jobs.set(id, job);
    created++;
    if (answerDelayMs > 0) await new Promise((r) => setTimeout(r, answerDelayMs));
    return { job, created: true };
  };
  const sub: Subscription = serveJobApi(nc, handlers);
  // The subscription reaches the server before the worker's first request: no "no responders" race under load.
  await nc.flush();
  return {
    jobs,
    requests,
    creations: () => created,
    refuse: (code) => {
      refusal = code;
    },
    answerAfter: (ms) => {
      answerDelayMs = ms;
    },
    stop: async () => {
      sub.unsubscribe();
      await nc.flush();
    },
  };
}
