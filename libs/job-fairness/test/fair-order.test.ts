import { Queue, type Worker } from 'bullmq';
import { startRedisServer, type TestRedisServer } from '@fraiseql/testkit';
import { OrgFairness } from '@fraiseql/job-fairness';
import { bullConnection, enqueueOrgJobs, gatedWorker, uniquePrefix, waitUntil, type OrgJob } from './support';

describe('fair start order through BullMQ priorities (real Queue and Worker)', () => {
  let redis: TestRedisServer;
  let fairness: OrgFairness;
  let queue: Queue<OrgJob>;
  let worker: Worker<OrgJob> | undefined;
  const prefix = uniquePrefix();

  beforeAll(async () => {
    redis = await startRedisServer();
    fairness = new OrgFairness({ redis: redis.url, keyPrefix: prefix, queueName: 'fair-order' });
    queue = new Queue<OrgJob>('fair-order', { connection: bullConnection(redis.port), prefix });
  });

  afterAll(async () => {
    await worker?.close();
    await queue?.close();
    await fairness?.close();
    await redis?.dispose();
  });

  it("starts all 10 of org B's jobs before org A's 10,000-job backlog is a tenth drained", async () => {
    await enqueueOrgJobs(queue, fairness, 'org-a', 10_000);
    expect(await queue.getPrioritizedCount()).toBe(10_000);

    const starts: string[] = [];
    worker = gatedWorker('fair-order', redis.port, fairness, 4, async (job) => void starts.push(job.data.orgId), prefix);
    // Org B arrives while A's backlog is being worked through, not before the first start.
    await waitUntil('org A to be running', () => starts.length >= 200);
    const startsBeforeB = starts.length;
    await enqueueOrgJobs(queue, fairness, 'org-b', 10);
    await waitUntil("all of org B's jobs to start", () => starts.filter((o) => o === 'org-b').length === 10);
    await worker.close();

    const lastB = starts.lastIndexOf('org-b');
    const aBeforeLastB = starts.slice(0, lastB).filter((o) => o === 'org-a').length;
    const startsAfterBArrived = lastB + 1 - startsBeforeB;
    console.log(
      `org B's 10 jobs all started after ${aBeforeLastB} of org A's 10,000 had started ` +
        `(${startsAfterBArrived} starts after B enqueued, ${startsBeforeB} before)`,
    );
    expect(aBeforeLastB).toBeLessThan(1_000);
    // Interleaved with A from the clock on: about 2 starts per B job, plus the jobs in flight.
    expect(startsAfterBArrived).toBeLessThanOrEqual(2 * 10 + 2 * 4 + 4);
  });
});
