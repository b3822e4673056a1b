import { FraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import { JOB_API_OPERATIONS, observerJobId, serveJobApi, type JobApiHandlers, type JobApiRequest, type JobView } from '@fraiseql/jobs';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { connect, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { ActionDelivery, JobEnqueuer, type JobEnqueueRequest } from '../src';

const ORG = '0190f1c4-6a8b-7c3d-9e2f-1a2b3c4d5e6f';
const EVENT_ID = '0190f1c4-6a8b-7c3d-9e2f-00000000e001';

/** The job-runner stand-in: in-memory jobs, deduplicated by id as BullMQ does; `refuse` answers a code instead. */
async function jobApiStandIn(nc: NatsConnection) {
  const jobs = new Map<string, JobView>();
  const requests: { request: JobApiRequest<'enqueue'>; caller: Caller }[] = [];
  let refuse: { code: 'FRAISEQL_JOB_TYPE_UNKNOWN' | 'FRAISEQL_JOB_PAYLOAD_INVALID' | 'FRAISEQL_OVERLOADED' } | undefined;
  let answerDelayMs = 0;
  const notHere = async (): Promise<never> => {
    throw new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', 'not in this stand-in');
  };
  const handlers = Object.fromEntries(JOB_API_OPERATIONS.map((op) => [op, notHere])) as unknown as JobApiHandlers;
  handlers.enqueue = async (request, caller) => {
    requests.push({ request, caller });
    if (refuse) throw new FraiseqlError(refuse.code, `refused: ${refuse.code}`);
    const id = request.jobId!;
    const existing = jobs.get(id);
    if (existing) return { job: existing, created: false };
    const now = new Date().toISOString();
    const job: JobView = {
      ...{ id, type: request.type, orgId: caller.orgId, state: 'queued', progress: null, attempts: 0, maxAttempts: 3 },
      ...{ createdAt: now, startedAt: null, finishedAt: null, retryAt: null, result: null, error: null, createdBy: caller.subject },
    };
    jobs.set(id, job);
    // The job exists from here on, even when the answer comes too late for the caller.
    if (answerDelayMs > 0) await new Promise((r) => setTimeout(r, answerDelayMs));
    return { job, created: true };
  };
  const sub = serveJobApi(nc, handlers);
  await nc.flush();
  return {
    jobs,
    requests,
    sub,
    refuseWith(code: typeof refuse) {
      refuse = code;
    },
    answerAfter(ms: number) {
      answerDelayMs = ms;
    },
  };
}

describe('JobEnqueuer against a real NATS and the job API stand-in', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  let delivery: ActionDelivery;
  let registry: Registry;

  beforeEach(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    registry = new Registry();
    delivery = new ActionDelivery({ registry, perHost: { failuresToOpen: 3, halfOpenAfterMs: 60_000 } });
  });
  afterEach(async () => {
    await delivery.close();
    await nc.close();
    await server.dispose();
  });

  const request = (overrides: Partial<JobEnqueueRequest> = {}): JobEnqueueRequest => ({
    type: 'order-export',
    payload: { order: 'o-1' },
    jobId: observerJobId('schema:orderExport', 0, EVENT_ID),
    delayMs: 250,
    source: { rule: 'schema:orderExport', action: 0, eventId: EVENT_ID },
    orgId: ORG,
    timeoutMs: 1000,
    ...overrides,
  });

  it('enqueues once as service:observer-worker of the org; the same job id again is a success that finds the job (job API stand-in)', async () => {
    const standIn = await jobApiStandIn(nc);
    const enqueuer = new JobEnqueuer(delivery, nc);
    expect(await enqueuer.enqueue(request())).toMatchObject({
      kind: 'success',
      detail: { jobId: request().jobId, created: true, state: 'queued' },
    });
    expect(await enqueuer.enqueue(request())).toMatchObject({ kind: 'success', detail: { jobId: request().jobId, created: false } });
    expect(standIn.jobs.size).toBe(1);
    expect(standIn.requests[0]).toEqual({
      request: {
        type: 'order-export',
        payload: { order: 'o-1' },
        jobId: request().jobId,
        delayMs: 250,
        source: { kind: 'observer', rule: 'schema:orderExport', action: 0, eventId: EVENT_ID },
      },
      caller: { subject: 'service:observer-worker', orgId: ORG, roles: ['service'] },
    });
    const executed = (await registry.getSingleMetric('fraiseql_observer_action_executed_total')?.get())?.values ?? [];
    expect(executed.find((v) => v.labels.action_type === 'job' && v.labels.outcome === 'success')?.value).toBe(2);
  });

  it('is permanent for an unknown job type or an invalid payload, keeping the code (job API stand-in)', async () => {
    const standIn = await jobApiStandIn(nc);
    const enqueuer = new JobEnqueuer(delivery, nc);
    standIn.refuseWith({ code: 'FRAISEQL_JOB_TYPE_UNKNOWN' });
    expect(await enqueuer.enqueue(request())).toMatchObject({ kind: 'permanent', code: 'FRAISEQL_JOB_TYPE_UNKNOWN' });
    standIn.refuseWith({ code: 'FRAISEQL_JOB_PAYLOAD_INVALID' });
    expect(await enqueuer.enqueue(request())).toMatchObject({ kind: 'permanent', code: 'FRAISEQL_JOB_PAYLOAD_INVALID' });
    // A request the contract refuses never leaves the process: permanent too.
    expect(await enqueuer.enqueue(request({ type: 'Not A Type' }))).toMatchObject({ kind: 'permanent', code: 'FRAISEQL_BAD_REQUEST' });
    expect(standIn.requests).toHaveLength(2);
    expect(standIn.jobs.size).toBe(0);
  });

  it('is retryable when the job-runner is overloaded (job API stand-in)', async () => {
    const standIn = await jobApiStandIn(nc);
    standIn.refuseWith({ code: 'FRAISEQL_OVERLOADED' });
    expect(await new JobEnqueuer(delivery, nc).enqueue(request())).toMatchObject({ kind: 'retryable', code: 'FRAISEQL_OVERLOADED' });
  });

  it('is retryable when no job-runner answers, and the pseudo-host job-runner opens its circuit after repeated failures', async () => {
    const enqueuer = new JobEnqueuer(delivery, nc);
    for (let i = 0; i < 3; i++) {
      expect(await enqueuer.enqueue(request())).toMatchObject({ kind: 'retryable', code: 'FRAISEQL_JOB_RUNNER_UNAVAILABLE' });
    }
    expect(delivery.circuitState('job-runner')).toBe('open');
    const refused = await enqueuer.enqueue(request());
    expect(refused).toMatchObject({ kind: 'retryable', code: 'FRAISEQL_CIRCUIT_OPEN' });
    expect((refused as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);
  });

  it('is retryable when the job-runner does not answer in time; the retry finds the job the late answer created (job API stand-in)', async () => {
    const standIn = await jobApiStandIn(nc);
    standIn.answerAfter(400);
    const enqueuer = new JobEnqueuer(delivery, nc);
    expect(await enqueuer.enqueue(request({ timeoutMs: 100 }))).toMatchObject({
      kind: 'retryable',
      code: 'FRAISEQL_JOB_RUNNER_UNAVAILABLE',
    });
    standIn.answerAfter(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(await enqueuer.enqueue(request({ timeoutMs: 1000 }))).toMatchObject({ kind: 'success', detail: { created: false } });
    expect(standIn.requests).toHaveLength(2);
    expect(standIn.jobs.size).toBe(1);
  });

  it('refuses an org that is not a UUID before any request (permanent FRAISEQL_ACTION_INVALID)', async () => {
    const standIn = await jobApiStandIn(nc);
    expect(await new JobEnqueuer(delivery, nc).enqueue(request({ orgId: 'acme corp' }))).toMatchObject({
      kind: 'permanent',
      code: 'FRAISEQL_ACTION_INVALID',
    });
    expect(standIn.requests).toHaveLength(0);
  });
});
