import { Redis } from 'ioredis';
import { startRedisServer, type TestRedisServer } from '@fraiseql/testkit';
import { BULLMQ_PRIORITY_LIMIT, OrgFairness } from '@fraiseql/job-fairness';
import { PRIORITY_LIMIT } from 'bullmq';
import { uniquePrefix } from './support';

describe('the virtual clock behind priorityFor and started', () => {
  let redis: TestRedisServer;
  let fairness: OrgFairness | undefined;

  beforeAll(async () => {
    redis = await startRedisServer();
  });

  afterEach(async () => {
    await fairness?.close();
    fairness = undefined;
  });

  afterAll(async () => {
    await redis?.dispose();
  });

  const times = (n: number, f: () => Promise<number>) => Promise.all(Array.from({ length: n }, f));

  it("lines up a backlogged org's jobs ahead of the clock and starts a newcomer at the clock", async () => {
    fairness = new OrgFairness({ redis: redis.url, keyPrefix: uniquePrefix() });
    const f = fairness;
    expect(await times(5, () => f.priorityFor('org-a'))).toEqual([1, 2, 3, 4, 5]);
    expect(await times(2, () => f.priorityFor('org-b'))).toEqual([1, 2]);
    await f.started('org-a', 3);
    await f.started('org-a', 2); // out of order: the clock never goes back
    expect(await f.priorityFor('org-c')).toBe(3);
    expect(await f.priorityFor('org-b')).toBe(3); // B's next (3) equals the clock
    expect(await f.priorityFor('org-a')).toBe(6);
    expect(await f.virtualClock()).toEqual({ clock: 3, highest: 6, rebases: 0, clamped: 0 });
  });

  it('numbers again from 1 once the clock passed the rebase threshold and every priority handed out was reached', async () => {
    fairness = new OrgFairness({ redis: redis.url, keyPrefix: uniquePrefix(), rebaseAbove: 100 });
    const f = fairness;
    const backlog = await times(120, () => f.priorityFor('org-a'));
    expect(backlog.at(-1)).toBe(120);
    await f.started('org-a', 110);
    expect(await f.priorityFor('org-b')).toBe(110); // jobs still ahead of the clock: no rebase
    await f.started('org-a', 120);
    expect(await f.priorityFor('org-b')).toBe(1); // drained: a new round
    expect(await f.priorityFor('org-a')).toBe(1);
    // A job priced before the rebase cannot drag the new clock up.
    await f.started('org-a', 115);
    expect(await f.virtualClock()).toMatchObject({ clock: 0, highest: 1, rebases: 1 });
  });

  it("clamps at BullMQ's priority limit and counts the clamped jobs", async () => {
    expect(BULLMQ_PRIORITY_LIMIT).toBe(PRIORITY_LIMIT);
    const keyPrefix = uniquePrefix();
    fairness = new OrgFairness({ redis: redis.url, keyPrefix });
    // White-box: an org whose backlog already reaches the top of the range.
    const admin = new Redis(redis.url);
    await admin.hset(`${keyPrefix}:next:default`, 'org-a', BULLMQ_PRIORITY_LIMIT - 1);
    await admin.quit();
    const f = fairness;
    expect(await times(3, () => f.priorityFor('org-a'))).toEqual([BULLMQ_PRIORITY_LIMIT - 1, BULLMQ_PRIORITY_LIMIT, BULLMQ_PRIORITY_LIMIT]);
    expect((await f.virtualClock()).clamped).toBe(1);
  });

  it('keeps one clock per queue name under one prefix', async () => {
    const keyPrefix = uniquePrefix();
    fairness = new OrgFairness({ redis: redis.url, keyPrefix, queueName: 'q1' });
    const other = new OrgFairness({ redis: redis.url, keyPrefix, queueName: 'q2' });
    await times(3, () => fairness!.priorityFor('org-a'));
    expect(await other.priorityFor('org-a')).toBe(1);
    await other.close();
  });
});
