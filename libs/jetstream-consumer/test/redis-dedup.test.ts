import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort, waitFor } from '@fraiseql/testkit';
import { createConsumerMetrics, RedisDedup } from '../src';
import { quietLogger } from './fixtures/consumer-stack';

// A private redis-server, so the test can stop and restart it without touching the machine's Redis.
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  await waitFor(async () => {
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      probe.disconnect();
      return false;
    }
  });
  probe.disconnect();
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('RedisDedup (a real redis-server, stopped and restarted)', () => {
  it('skips an effect it recorded, keeps delivering while Redis is down (said once, counted), and dedups again once it is back', async () => {
    const port = await freePort();
    let server = await startRedis(port);
    const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 100 });
    const { logger, lines, registry } = quietLogger();
    const metrics = createConsumerMetrics(registry, { prefix: 'fraiseql_test', backlog: async () => 0, deadLetters: async () => 0 });
    const dedup = new RedisDedup({ redis, keyPrefix: 'fraiseql:test:', ttlMs: 60_000, logger, metrics });
    try {
      await waitFor(() => redis.status === 'ready');
      expect(await dedup.done('rule1:0:event-a')).toBe(false);
      await dedup.remember('rule1:0:event-a');
      expect(await dedup.done('rule1:0:event-a')).toBe(true);
      expect(await redis.pttl('fraiseql:test:rule1:0:event-a')).toBeGreaterThan(50_000);

      await stopRedis(server);
      expect(await dedup.done('rule1:0:event-b')).toBe(false);
      await dedup.remember('rule1:0:event-b');
      expect(await dedup.done('rule1:0:event-a')).toBe(false);
      const text = await registry.metrics();
      expect(text).toMatch(/^fraiseql_test_dedup_unavailable_total 3$/m);
      expect(text).toMatch(/^fraiseql_test_dedup_detected_total 1$/m);
      expect(lines().filter((l) => l.includes('dedup store (Redis) unavailable'))).toHaveLength(1);

      server = await startRedis(port);
      await waitFor(() => redis.status === 'ready');
      await dedup.remember('rule1:0:event-c');
      expect(await dedup.done('rule1:0:event-c')).toBe(true);
      expect(lines().filter((l) => l.includes('dedup store (Redis) is back'))).toHaveLength(1);
    } finally {
      redis.disconnect();
      await stopRedis(server);
    }
  });
});
