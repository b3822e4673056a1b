import { join } from 'node:path';
import { RetryableError } from '@fraiseql/errors';
import { observerWorkerConsumer, STREAMS } from '@fraiseql/nats-contract';
import {
  createTestDatabase,
  startRedisServer,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
  type TestDatabase,
  type TestRedisServer,
} from '@fraiseql/testkit';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { startEventConsumer, type EventConsumer } from '../src';
import { makeEvent, metric, Registry, startBus, testLogger, type Bus } from './support';

const P = 'fraiseql_test';
const CHILD = join(__dirname, 'fixtures/consume-into-postgres.ts');

describe('at least once, deduplicated', () => {
  let bus: Bus;
  let redisServer: TestRedisServer;

  beforeEach(async () => {
    bus = await startBus();
    redisServer = await startRedisServer();
  });
  afterEach(async () => {
    await bus.dispose();
    await redisServer.dispose();
  });

  it('applies every event of a burst once when the consumer is SIGKILLed mid-burst and restarted', async () => {
    const concurrency = 16;
    const database: TestDatabase = await createTestDatabase('fraiseql_consumer');
    const pg = new Client({ connectionString: database.url });
    await pg.connect();
    const children: ServiceProcess[] = [];
    try {
      await pg.query('CREATE TABLE effect (event_id uuid PRIMARY KEY, applied int NOT NULL)');
      const events = Array.from({ length: 2000 }, (_, i) => makeEvent({ seq: i + 1 }));
      for (let i = 0; i < events.length; i += 200) await Promise.all(events.slice(i, i + 200).map((e) => bus.publish(e)));
      const env = {
        NATS_URL: bus.server.url,
        REDIS_URL: redisServer.url,
        DATABASE_URL: database.url,
        CONCURRENCY: String(concurrency),
        KEY_PREFIX: 'crash-test:',
      };
      const rows = async (): Promise<number> => Number((await pg.query('SELECT count(*) AS n FROM effect')).rows[0].n);

      const first = startServiceProcess(CHILD, env);
      children.push(first);
      await waitFor(async () => (await rows()) >= 400, 60_000);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      const atKill = await rows();
      expect(atKill).toBeLessThan(2000);

      const second = startServiceProcess(CHILD, env);
      children.push(second);
      const jsm = await bus.nc.jetstreamManager();
      await waitFor(async () => {
        const info = await jsm.consumers.info(STREAMS.events, 'observer-worker');
        return (await rows()) === 2000 && info.num_pending + info.num_ack_pending === 0;
      }, 120_000);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);

      const stored = await pg.query<{ event_id: string; applied: number }>('SELECT event_id, applied FROM effect');
      expect(new Set(stored.rows.map((r) => r.event_id))).toEqual(new Set(events.map((e) => e.event_id)));
      // Only an event whose effect was written but not yet marked done when the process died can run twice:
      // at most the handlers in flight at that instant. Every other redelivery is caught by the dedup.
      const repeats = stored.rows.reduce((sum, r) => sum + r.applied - 1, 0);
      expect(repeats).toBeLessThanOrEqual(concurrency);
    } finally {
      for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
      await pg.end();
      await database.drop();
    }
  });

  it('keeps delivering while Redis is down (one log line, counted), and dedups again once it is back', async () => {
    const log = testLogger();
    const registry = new Registry();
    const redis = new Redis({ port: redisServer.port, host: '127.0.0.1', retryStrategy: () => 100 });
    redis.on('error', () => undefined);
    const effects: string[] = [];
    const skipped: string[] = [];
    const loseAckOnce = new Set<string>();
    let consumer: EventConsumer | undefined;
    try {
      consumer = await startEventConsumer({
        nc: bus.nc,
        consumer: observerWorkerConsumer({ backoffMs: [30_000] }),
        source: 'observer-worker',
        concurrency: 2,
        retryPolicy: { initialIntervalMs: 100, maximumIntervalMs: 1000, maximumAttempts: 5 },
        logger: log.logger,
        registry,
        metricsPrefix: P,
        redis,
        dedup: { commandTimeoutMs: 300 },
        async handle(event, context) {
          if (await context.dedup.alreadyDone(event.event_id)) return void skipped.push(event.event_id);
          effects.push(event.event_id);
          await context.dedup.markDone(event.event_id);
          // As if the ack had been lost: JetStream delivers it again, the dedup must absorb it.
          if (loseAckOnce.delete(event.event_id)) throw new RetryableError('FRAISEQL_INTERNAL', 'ack lost', 100);
        },
      });
      const up = makeEvent();
      await bus.publish(up);
      await waitFor(() => effects.length === 1);

      await redisServer.stop();
      const duringOutage = [makeEvent(), makeEvent(), makeEvent()];
      for (const e of duringOutage) await bus.publish(e);
      await waitFor(async () => (await metric(registry, `${P}_events_processed_total`)) === 4, 20_000);
      expect(effects).toEqual([up, ...duringOutage].map((e) => e.event_id));
      expect(log.matching('Redis unavailable')).toHaveLength(1);
      // Each event's lookup and mark failed.
      expect(await metric(registry, `${P}_dedup_unavailable_total`)).toBeGreaterThanOrEqual(6);
      expect(await metric(registry, `${P}_events_processed_total`)).toBe(4);

      await redisServer.start();
      await waitFor(() => redis.status === 'ready', 20_000);
      const afterwards = makeEvent();
      loseAckOnce.add(afterwards.event_id);
      await bus.publish(afterwards);
      await waitFor(() => skipped.length === 1, 20_000);
      expect(skipped).toEqual([afterwards.event_id]);
      expect(effects.filter((id) => id === afterwards.event_id)).toHaveLength(1);
      expect(log.matching('Redis answers again')).toHaveLength(1);
      expect(log.matching('Redis unavailable')).toHaveLength(1);
      expect(await metric(registry, `${P}_dedup_detected_total`)).toBe(1);
      expect(await metric(registry, `${P}_events_redelivered_total`)).toBe(1);
    } finally {
      await consumer?.drain(1000);
      redis.disconnect();
    }
  });
});
