import { Redis } from 'ioredis';
import { startRedisServer, type TestRedisServer } from '@fraiseql/testkit';
import { OrgFairness } from '@fraiseql/job-fairness';
import { uniquePrefix } from './support';

describe('one script per job start and per job end: acquireAndStart, release with keys to delete', () => {
  let redis: TestRedisServer;
  let admin: Redis;
  const open: OrgFairness[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
  });

  afterEach(async () => {
    for (const f of open.splice(0)) await f.close();
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.dispose();
  });

  function fairness(options: Omit<ConstructorParameters<typeof OrgFairness>[0], 'redis'> = {}): OrgFairness {
    const f = new OrgFairness({ redis: redis.url, keyPrefix: uniquePrefix(), ...options });
    open.push(f);
    return f;
  }

  it('takes the slot, moves the clock up to the priority and removes the job from the pending index', async () => {
    const f = fairness();
    const pending = `${uniquePrefix()}:pending`;
    await admin.zadd(pending, 0, 'm-1', 0, 'm-2');
    const priorities = await Promise.all([1, 2, 3].map(() => f.priorityFor('org-a')));
    expect(priorities).toEqual([1, 2, 3]);

    expect(await f.acquireAndStart('org-a', 'job-2', 2, { pending: { key: pending, member: 'm-2' } })).toEqual({ ok: true });
    expect(await f.activeCount('org-a')).toBe(1);
    expect((await f.virtualClock()).clock).toBe(2);
    expect(await admin.zrange(pending, 0, -1)).toEqual(['m-1']);

    // The rules of `started`: never down, nothing past the highest priority handed out, 0 = unprioritized.
    await f.acquireAndStart('org-a', 'job-1', 1);
    await f.acquireAndStart('org-a', 'job-x', 99);
    await f.acquireAndStart('org-a', 'job-0', 0);
    expect((await f.virtualClock()).clock).toBe(2);
    expect(await f.activeCount('org-a')).toBe(4);
    expect(await f.priorityFor('org-b')).toBe(2);
  });

  it('touches neither the clock nor the pending index when the org is at its limit', async () => {
    const f = fairness({ limits: { concurrency: 1 } });
    const pending = `${uniquePrefix()}:pending`;
    await admin.zadd(pending, 0, 'm-1', 0, 'm-2');
    await Promise.all([1, 2].map(() => f.priorityFor('org-a')));
    expect(await f.acquireAndStart('org-a', 'job-1', 1, { pending: { key: pending, member: 'm-1' } })).toEqual({ ok: true });

    const refused = await f.acquireAndStart('org-a', 'job-2', 2, { pending: { key: pending, member: 'm-2' } });
    expect(refused).toMatchObject({ ok: false, reason: 'concurrency' });
    expect((await f.virtualClock()).clock).toBe(1);
    expect(await admin.zrange(pending, 0, -1)).toEqual(['m-2']);

    // A stalled job run again holds its slot already: it starts again, counted once.
    expect(await f.acquireAndStart('org-a', 'job-1', 1, { pending: { key: pending, member: 'm-1' } })).toEqual({ ok: true });
    expect(await f.activeCount('org-a')).toBe(1);
    expect(await f.release('org-a', 'job-1')).toBe(true);
    expect(await f.acquireAndStart('org-a', 'job-2', 2, { pending: { key: pending, member: 'm-2' } })).toEqual({ ok: true });
    expect((await f.virtualClock()).clock).toBe(2);
    expect(await admin.zcard(pending)).toBe(0);
  });

  it("release deletes the caller's keys that end with the job in the same step, whether or not it still held a slot", async () => {
    const f = fairness();
    const checkpoint = `${uniquePrefix()}:checkpoint`;
    await admin.set(checkpoint, '{"done":3}');
    expect(await f.acquireAndStart('org-a', 'job-1', 0)).toEqual({ ok: true });
    expect(await f.release('org-a', 'job-1', [checkpoint])).toBe(true);
    expect(await admin.exists(checkpoint)).toBe(0);
    expect(await f.activeCount('org-a')).toBe(0);

    await admin.set(checkpoint, '{"done":1}');
    expect(await f.release('org-a', 'job-1', [checkpoint])).toBe(false);
    expect(await admin.exists(checkpoint)).toBe(0);
  });
});
