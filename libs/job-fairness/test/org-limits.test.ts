import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Queue, type Worker } from 'bullmq';
import { startRedisServer, type TestRedisServer } from '@fraiseql/testkit';
import { OrgFairness } from '@fraiseql/job-fairness';
import { bullConnection, enqueueOrgJobs, gatedWorker, sleep, uniquePrefix, waitUntil, type OrgJob } from './support';

describe('per-org concurrency and rate limits', () => {
  let redis: TestRedisServer;
  const open: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    redis = await startRedisServer();
  });

  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
  });

  afterAll(async () => {
    await redis?.dispose();
  });

  function fairness(options: Omit<ConstructorParameters<typeof OrgFairness>[0], 'redis'> = {}): OrgFairness {
    const f = new OrgFairness({ redis: redis.url, keyPrefix: uniquePrefix(), ...options });
    open.push(f);
    return f;
  }

  function queueAndWorker(f: OrgFairness, concurrency: number, run: Parameters<typeof gatedWorker>[4]) {
    const name = `limits-${Math.random().toString(36).slice(2)}`;
    const queue = new Queue<OrgJob>(name, { connection: bullConnection(redis.port) });
    const worker: Worker<OrgJob> = gatedWorker(name, redis.port, f, concurrency, run);
    open.push(queue, worker);
    return { queue, worker };
  }

  it("never runs more than 2 of org A's jobs at once with concurrency 2, while org B's jobs run beside them", async () => {
    const f = fairness({ limits: {}, orgLimits: { 'org-a': { concurrency: 2 } }, concurrencyRetryMs: 20 });
    const running = new Map<string, number>();
    const most = new Map<string, number>();
    const finished: string[] = [];
    const { queue } = queueAndWorker(f, 6, async (job) => {
      const org = job.data.orgId;
      running.set(org, (running.get(org) ?? 0) + 1);
      most.set(org, Math.max(most.get(org) ?? 0, running.get(org)!));
      await sleep(60);
      running.set(org, running.get(org)! - 1);
      finished.push(org);
    });
    await enqueueOrgJobs(queue, f, 'org-a', 12);
    await enqueueOrgJobs(queue, f, 'org-b', 8);
    await waitUntil('all 20 jobs to finish', () => finished.length === 20);

    expect(most.get('org-a')).toBe(2);
    // A's limit is A's: B used the worker's other slots (up to 4 beside A's 2).
    expect(most.get('org-b')).toBeGreaterThanOrEqual(3);
    expect(finished.lastIndexOf('org-b')).toBeLessThan(finished.lastIndexOf('org-a'));
    expect(await f.activeCount('org-a')).toBe(0);
  });

  it('starts 20 jobs of an org limited to 5/s with burst 5 no faster than the token bucket allows', async () => {
    const rate = 5;
    const burst = 5;
    const f = fairness({ orgLimits: { 'org-a': { ratePerSecond: rate, burst } } });
    const startedAt: number[] = [];
    const { queue } = queueAndWorker(f, 4, async () => void startedAt.push(Date.now()));
    await enqueueOrgJobs(queue, f, 'org-a', 20);
    await waitUntil('all 20 jobs to start', () => startedAt.length === 20, 15_000);

    startedAt.sort((a, b) => a - b);
    // In any window of w ms the bucket lets through at most burst + rate·w/1000 starts; +1 for the
    // few ms between the server's clock (which the script reads) and the processor's.
    for (const windowMs of [200, 500, 1000, 2000]) {
      for (let i = 0; i < startedAt.length; i++) {
        const inWindow = startedAt.filter((t) => t >= startedAt[i]! && t < startedAt[i]! + windowMs).length;
        expect(inWindow).toBeLessThanOrEqual(burst + Math.floor((rate * windowMs) / 1000) + 1);
      }
    }
    // 15 starts beyond the burst need 15 tokens at 5/s: 3 s, less the same few ms.
    expect(startedAt[19]! - startedAt[0]!).toBeGreaterThanOrEqual(((20 - burst) / rate) * 1000 - 50);
  });

  it('frees the slot of a job whose worker died (lease expired) and counts a job acquired twice once', async () => {
    const f = fairness({ limits: { concurrency: 2, leaseMs: 300 } });
    // 'crashed' is acquired and never released nor renewed, as by a worker that was SIGKILLed.
    expect(await f.acquire('org-a', 'crashed')).toEqual({ ok: true });
    expect(await f.acquire('org-a', 'rerun')).toEqual({ ok: true });
    // A stalled job run again acquires with its own id: the same slot, not a second one.
    expect(await f.acquire('org-a', 'rerun')).toEqual({ ok: true });
    expect(await f.activeCount('org-a')).toBe(2);
    const refused = await f.acquire('org-a', 'next');
    expect(refused).toMatchObject({ ok: false, reason: 'concurrency' });
    expect(refused.ok === false && refused.retryInMs).toBeLessThanOrEqual(300);

    await sleep(150);
    expect(await f.renew('org-a', 'rerun', 300)).toBe(true);
    await sleep(200); // 'crashed' is now 350 ms old: expired; 'rerun' was renewed 200 ms ago
    expect(await f.acquire('org-a', 'next')).toEqual({ ok: true });
    expect(await f.activeCount('org-a')).toBe(2);
    expect(await f.renew('org-a', 'crashed')).toBe(false);
    expect(await f.release('org-a', 'crashed')).toBe(false);
    expect(await f.release('org-a', 'next')).toBe(true);
    expect(await f.activeCount('org-a')).toBe(1);
  });

  it('gives the slot of a SIGKILLed worker process to the next job once its lease expires', async () => {
    const keyPrefix = uniquePrefix();
    const f = fairness({ keyPrefix, limits: { concurrency: 1, leaseMs: 400 } });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'fixtures', 'hold-lease.ts'), redis.url, keyPrefix, 'org-a', 'held', '400'],
      { cwd: join(__dirname, '..', '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    expect(JSON.parse(line.toString())).toEqual({ ok: true });
    child.kill('SIGKILL');
    await once(child, 'exit');

    expect(await f.acquire('org-a', 'next')).toMatchObject({ ok: false, reason: 'concurrency' });
    await sleep(450);
    expect(await f.acquire('org-a', 'next')).toEqual({ ok: true });
    expect(await f.activeCount('org-a')).toBe(1);
  });

  it('lets exactly 3 of 50 parallel acquires through for concurrency 3, from 5 connections', async () => {
    const prefix = uniquePrefix();
    const clients = Array.from({ length: 5 }, () => fairness({ keyPrefix: prefix, limits: { concurrency: 3 } }));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => clients[i % 5]!.acquire('org-a', `job-${i}`)));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.filter((r) => !r.ok && r.reason === 'concurrency')).toHaveLength(47);
    expect(await clients[0]!.activeCount('org-a')).toBe(3);
  });

  it('reports every org holding slots, and forgets an org once its last slot is released', async () => {
    const f = fairness();
    await f.acquire('org-a', 'a1');
    await f.acquire('org-a', 'a2');
    await f.acquire('org-b', 'b1');
    const sorted = (await f.snapshot()).sort((x, y) => x.orgId.localeCompare(y.orgId));
    expect(sorted).toEqual([
      { orgId: 'org-a', active: 2 },
      { orgId: 'org-b', active: 1 },
    ]);
    await f.release('org-b', 'b1');
    expect(await f.snapshot()).toEqual([{ orgId: 'org-a', active: 2 }]);
  });

  it("applies an org's override key by key over the defaults, null lifting a default limit", () => {
    const f = fairness({
      limits: { concurrency: 4, ratePerSecond: 10, leaseMs: 60_000 },
      orgLimits: { big: { concurrency: null, burst: 50 }, small: { concurrency: 1 } },
    });
    expect(f.limitsFor('anyone')).toEqual({ concurrency: 4, ratePerSecond: 10, burst: 10, leaseMs: 60_000 });
    expect(f.limitsFor('big')).toEqual({ concurrency: 0, ratePerSecond: 10, burst: 50, leaseMs: 60_000 });
    expect(f.limitsFor('small')).toEqual({ concurrency: 1, ratePerSecond: 10, burst: 10, leaseMs: 60_000 });
  });

  it('refuses bad limits at construction, naming the key', () => {
    expect(() => new OrgFairness({ redis: redis.url, orgLimits: { x: { concurrency: 0 } } })).toThrow(/orgLimits\.x\.concurrency/);
    expect(() => new OrgFairness({ redis: redis.url, limits: { rate: 5 } as never })).toThrow(/limits/);
  });
});
