import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Registry } from 'prom-client';
import { ActionDelivery, CacheInvalidator } from '../src';

describe('CacheInvalidator against real Redis', () => {
  let redis: Redis;
  let monitor: Redis;
  let delivery: ActionDelivery;
  let prefix: string;
  const commands: string[][] = [];

  beforeAll(async () => {
    redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    await redis.connect();
    monitor = await redis.monitor();
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args));
    delivery = new ActionDelivery({ registry: new Registry() });
  });

  beforeEach(() => {
    prefix = `fraiseql-test:${randomUUID()}`;
    commands.length = 0;
  });

  afterEach(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  });

  afterAll(async () => {
    await delivery.close();
    monitor.disconnect();
    await redis.quit();
  });

  /** Waits until MONITOR has shown a command of this test (it arrives asynchronously). */
  const seen = async (marker: string) => {
    await redis.get(marker);
    for (let i = 0; i < 200 && !commands.some((c) => c[0]?.toLowerCase() === 'get' && c[1] === marker); i++)
      await new Promise((r) => setTimeout(r, 10));
  };

  it('unlinks exact keys and reports how many existed', async () => {
    await redis.mset(`${prefix}:a`, '1', `${prefix}:b`, '2', `${prefix}:keep`, '3');
    const outcome = await new CacheInvalidator(delivery, redis).invalidate({ keys: [`${prefix}:a`, `${prefix}:b`, `${prefix}:absent`] });
    expect(outcome).toMatchObject({ kind: 'success', detail: { deleted: 2 } });
    expect(await redis.exists(`${prefix}:a`, `${prefix}:b`, `${prefix}:keep`)).toBe(1);
  });

  it('walks a pattern with SCAN MATCH over many pages, in UNLINK batches, and never sends KEYS', async () => {
    const matching = Array.from({ length: 120 }, (_, i) => `${prefix}:user:42:${i}`);
    await redis.mset(...matching.flatMap((k) => [k, 'v']), `${prefix}:user:43:0`, 'v');
    const invalidator = new CacheInvalidator(delivery, redis, { scanCount: 10, batchSize: 25 });
    const outcome = await invalidator.invalidate({ patterns: [`${prefix}:user:42:*`] });
    expect(outcome).toMatchObject({ kind: 'success', detail: { deleted: 120 } });
    expect(await redis.exists(...matching)).toBe(0);
    expect(await redis.exists(`${prefix}:user:43:0`)).toBe(1);

    await seen(`${prefix}:marker`);
    // MONITOR shows every client of the server: keep the commands that name this test's keys.
    const ours = commands.filter((c) => c.some((arg) => arg.includes(prefix)));
    expect(ours.map((c) => c[0]!.toLowerCase())).not.toContain('keys');
    const scans = ours.filter((c) => c[0]!.toLowerCase() === 'scan');
    expect(scans.length).toBeGreaterThan(1);
    for (const scan of scans) expect(scan.slice(2)).toEqual(['MATCH', `${prefix}:user:42:*`, 'COUNT', '10']);
    const unlinks = ours.filter((c) => c[0]!.toLowerCase() === 'unlink');
    expect(unlinks.every((c) => c.length - 1 <= 25)).toBe(true);
    expect(unlinks.reduce((n, c) => n + c.length - 1, 0)).toBeGreaterThanOrEqual(120);
  });

  it('removes the members of a tag set and the set itself', async () => {
    const tag = `${prefix}:tag:order:42`;
    await redis.mset(`${prefix}:page:1`, 'x', `${prefix}:page:2`, 'y', `${prefix}:page:3`, 'z');
    await redis.sadd(tag, `${prefix}:page:1`, `${prefix}:page:2`);
    const outcome = await new CacheInvalidator(delivery, redis).invalidate({ tags: [tag] });
    expect(outcome).toMatchObject({ kind: 'success', detail: { deleted: 3 } }); // two members and the set
    expect(await redis.exists(`${prefix}:page:1`, `${prefix}:page:2`, tag)).toBe(0);
    expect(await redis.exists(`${prefix}:page:3`)).toBe(1);
  });

  it('classifies a tag that is not a set as permanent and an empty request as invalid', async () => {
    await redis.set(`${prefix}:not-a-set`, 'x');
    const invalidator = new CacheInvalidator(delivery, redis);
    const outcome = await invalidator.invalidate({ tags: [`${prefix}:not-a-set`] });
    expect(outcome).toMatchObject({ kind: 'permanent', code: 'FRAISEQL_ACTION_REJECTED' });
    expect(outcome.kind === 'permanent' && outcome.reason).toContain('WRONGTYPE');
    expect(await invalidator.invalidate({})).toMatchObject({ kind: 'permanent', code: 'FRAISEQL_ACTION_INVALID' });
  });
});
