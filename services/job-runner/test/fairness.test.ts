import { toCaller } from '@fraiseql/identity';
import { waitFor } from '@fraiseql/testkit';
import { z } from 'zod';
import { zodPayload, type JobType } from '../src/job-types/job-type';
import { ORG_A, ORG_B, startBackends, startRunner, type TestRunner } from './support';

const A_JOBS = 10_000;
const B_JOBS = 10;

describe('job-runner fairness across orgs (real Redis, NATS JetStream)', () => {
  let backends: Awaited<ReturnType<typeof startBackends>>;
  let t: TestRunner;
  /** Orgs in the order their jobs started. */
  const started: string[] = [];

  const record: JobType<Record<string, unknown>> = {
    name: 'record',
    parse: zodPayload('record', z.object({}).strict()),
    timeoutMs: 10_000,
    retry: { initialIntervalMs: 100, maximumIntervalMs: 100, maximumAttempts: 1 },
    async run(_payload, context) {
      started.push(context.orgId!);
      return {};
    },
  };

  beforeAll(async () => {
    backends = await startBackends();
    t = await startRunner(backends, { concurrency: 4, types: () => [record as unknown as JobType<never>] });
  });

  afterAll(async () => {
    await t?.close();
    await backends?.dispose();
  });

  it("org B's 10 jobs all start before org A's 10,000 queued jobs are a tenth drained", async () => {
    const a = toCaller({ subject: 'a', orgId: ORG_A, roles: ['admin'] }, 'FRAISEQL_BAD_REQUEST');
    const b = toCaller({ subject: 'b', orgId: ORG_B, roles: ['admin'] }, 'FRAISEQL_BAD_REQUEST');
    await t.runner.worker.worker.pause();
    for (let i = 0; i < A_JOBS; i += 250) {
      await Promise.all(
        Array.from({ length: Math.min(250, A_JOBS - i) }, (_, k) =>
          t.runner.queue.enqueue({ type: 'record', payload: {}, jobId: `a-${i + k}` }, a),
        ),
      );
    }
    for (let i = 0; i < B_JOBS; i++) await t.runner.queue.enqueue({ type: 'record', payload: {}, jobId: `b-${i}` }, b);
    t.runner.worker.worker.resume();
    await waitFor(() => started.filter((org) => org === ORG_B).length === B_JOBS, 120_000);
    const lastB = started.lastIndexOf(ORG_B);
    const aBeforeLastB = started.slice(0, lastB).filter((org) => org === ORG_A).length;
    expect(aBeforeLastB).toBeLessThan(A_JOBS / 10);
    // Fair share: with two orgs waiting, B gets about every other start, not one after A's backlog.
    expect(aBeforeLastB).toBeLessThan(4 * B_JOBS);
  }, 180_000);
});
