import type { JobView } from '@fraiseql/jobs';
import { STREAMS } from '@fraiseql/nats-contract';
import { waitFor } from '@fraiseql/testkit';
import { z } from 'zod';
import { zodPayload, type JobType } from '../src/job-types/job-type';
import { adminOf, metricValue, ORG_A, startBackends, startRunner, type TestRunner } from './support';

describe('job-runner with FRAISEQL_JOBS gone (real Redis, NATS without the stream)', () => {
  let backends: Awaited<ReturnType<typeof startBackends>>;
  let t: TestRunner;
  const ran: string[] = [];

  const counted: JobType<Record<string, unknown>> = {
    name: 'counted',
    parse: zodPayload('counted', z.object({}).strict()),
    timeoutMs: 10_000,
    retry: { initialIntervalMs: 100, maximumIntervalMs: 100, maximumAttempts: 1 },
    async run(_payload, context) {
      ran.push(context.jobId);
      await context.progress({ step: 1 });
      return { done: true };
    },
  };

  beforeAll(async () => {
    backends = await startBackends();
    t = await startRunner(backends, { types: () => [counted as unknown as JobType<never>] });
    // Every lifecycle publish now fails (no stream takes the subject).
    await (await backends.nc.jetstreamManager()).streams.delete(STREAMS.jobs);
  });

  afterAll(async () => {
    await t?.close();
    await backends?.dispose();
  });

  it('still runs and completes a job whose started, progress and succeeded events cannot be published, and counts them', async () => {
    const A = adminOf(ORG_A);
    const { created } = await t.runner.queue.enqueue({ type: 'counted', payload: {}, jobId: 'unannounced-1' }, A);
    expect(created).toBe(true);
    let view: JobView | null = null;
    await waitFor(async () => {
      view = await t.runner.queue.get('unannounced-1', A);
      return view?.state === 'succeeded' || view?.state === 'dead';
    }, 20_000);
    expect(view).toMatchObject({ state: 'succeeded', attempts: 1, result: { done: true }, error: null });
    expect(ran).toEqual(['unannounced-1']);
    // queued (at enqueue), started, progress, succeeded: each given up after its retries, counted, the job unaffected.
    expect(await metricValue(t.registry, 'fraiseql_job_announce_failures_total', { kind: 'lifecycle' })).toBe(4);
    expect(await metricValue(t.registry, 'fraiseql_job_executed_total', { job_type: 'counted' })).toBe(1);
  });
});
