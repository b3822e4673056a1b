import { FraiseqlError, RetryableError, UnrecoverableError } from '@fraiseql/errors';
import { observerWorkerConsumer, STREAMS, type ConsumerSpec, type ConsumerSpecOptions } from '@fraiseql/nats-contract';
import type { RetryPolicy } from '@fraiseql/service-kit';
import { waitFor } from '@fraiseql/testkit';
import { trace } from '@opentelemetry/api';
import { Redis } from 'ioredis';
import type { NatsConnection } from 'nats';
import { startEventConsumer, type EventConsumer, type EventConsumerOptions, type EventHandler } from '../src';
import { makeEvent, metric, Registry, sleep, startBus, testLogger, traceHeaders, type Bus } from './support';

const P = 'fraiseql_test';
const SOURCE = 'observer-worker';
// One ack wait for every delivery: nats-server (2.9) lengthens a nak delay by backoff[n−1] − backoff[0] (README).
const FLAT = observerWorkerConsumer({ backoffMs: [30_000] });
const QUICK: RetryPolicy = { initialIntervalMs: 100, backoffCoefficient: 2, maximumIntervalMs: 1000, maximumAttempts: 5 };

describe('startEventConsumer', () => {
  let bus: Bus;
  let registry: Registry;
  let log: ReturnType<typeof testLogger>;
  const consumers: EventConsumer[] = [];

  beforeEach(async () => {
    bus = await startBus();
    registry = new Registry();
    log = testLogger();
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.drain(0)));
    await bus.dispose();
  });

  const spec = (options: ConsumerSpecOptions = {}): ConsumerSpec => observerWorkerConsumer(options);
  const start = async (handle: EventHandler, options: Partial<EventConsumerOptions> = {}): Promise<EventConsumer> => {
    const consumer = await startEventConsumer({
      nc: bus.nc,
      consumer: spec(),
      source: SOURCE,
      concurrency: 4,
      retryPolicy: QUICK,
      handle,
      logger: log.logger,
      registry,
      metricsPrefix: P,
      ...options,
    });
    consumers.push(consumer);
    return consumer;
  };
  const backlog = async (nc: NatsConnection = bus.nc): Promise<number> => {
    const info = await (await nc.jetstreamManager()).consumers.info(STREAMS.events, 'observer-worker');
    return info.num_pending + info.num_ack_pending;
  };

  it('dead-letters a malformed message with its reason and raw bytes, acks it, and keeps consuming', async () => {
    const handled: string[] = [];
    await start(async (event) => void handled.push(event.event_id));
    await bus.publishRaw('fraiseql.v1.events._.Order.INSERT', '{"event_id": "not-a-uuid"');
    const good = makeEvent();
    await bus.publish(good);

    await waitFor(async () => handled.length === 1 && (await backlog()) === 0);
    expect(handled).toEqual([good.event_id]);
    const [letter, ...more] = await bus.deadLetters();
    expect(more).toEqual([]);
    expect(letter).toMatchObject({
      source: SOURCE,
      subject: 'fraiseql.v1.events._.Order.INSERT',
      stream: STREAMS.events,
      stream_seq: 1,
      event: null,
      error: { code: 'FRAISEQL_BAD_MESSAGE', message: expect.stringContaining('not JSON') },
      attempts: { count: 1 },
    });
    expect(Buffer.from(letter!.raw_base64!, 'base64').toString()).toBe('{"event_id": "not-a-uuid"');
    const jsm = await bus.nc.jetstreamManager();
    const stored = await jsm.streams.getMessage(STREAMS.dlq, { seq: 1 });
    expect(stored.subject).toBe('fraiseql.v1.dlq.observer-worker._.Order');

    expect(await metric(registry, `${P}_events_failed_total`, { error_type: 'FRAISEQL_BAD_MESSAGE' })).toBe(1);
    expect(await metric(registry, `${P}_dead_lettered_total`, { source: SOURCE })).toBe(1);
    expect(await metric(registry, `${P}_events_processed_total`, { source: SOURCE })).toBe(1);
    expect(await metric(registry, `${P}_dlq_items`, { source: SOURCE })).toBe(1);
    expect(await metric(registry, `${P}_backlog_size`, { source: SOURCE })).toBe(0);
    expect(await metric(registry, `${P}_events_in_flight`, { source: SOURCE })).toBe(0);
  });

  it('retries a failing handler at the scheduled delays (Retry-After as a floor), then acks it once', async () => {
    const policy: RetryPolicy = { initialIntervalMs: 300, backoffCoefficient: 2, maximumIntervalMs: 5000, maximumAttempts: 6 };
    const times: number[] = [];
    const attempts: number[] = [];
    let successes = 0;
    await start(
      async (_event, context) => {
        times.push(Date.now());
        attempts.push(context.attempt);
        if (context.attempt <= 2) throw new Error('downstream refused');
        if (context.attempt === 3) throw new RetryableError('FRAISEQL_OVERLOADED', 'slow down', 1500);
        successes++;
      },
      { retryPolicy: policy, consumer: FLAT },
    );
    await bus.publish(makeEvent());
    await waitFor(async () => successes === 1 && (await backlog()) === 0, 20_000);

    expect(attempts).toEqual([1, 2, 3, 4]);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // 300 ms, then 600 ms (×2), then 1500 ms (Retry-After above the 1200 ms of the policy); 5 % for clock granularity.
    [300, 600, 1500].forEach((scheduled, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(scheduled * 0.95);
      expect(gaps[i]).toBeLessThan(scheduled + 5000);
    });
    await sleep(500);
    expect(successes).toBe(1);
    expect(await bus.deadLetters()).toEqual([]);
    expect(await metric(registry, `${P}_events_processed_total`)).toBe(1);
    expect(await metric(registry, `${P}_events_redelivered_total`)).toBe(3);
    expect(await metric(registry, `${P}_events_failed_total`, { error_type: 'FRAISEQL_INTERNAL' })).toBe(2);
    expect(await metric(registry, `${P}_events_failed_total`, { error_type: 'FRAISEQL_OVERLOADED' })).toBe(1);
    expect(await metric(registry, `${P}_dead_lettered_total`)).toBe(0);
  });

  it('dead-letters a permanent failure after one attempt, with the error details', async () => {
    const calls: string[] = [];
    const unrecoverable = makeEvent();
    const nonRetryable = makeEvent({ org_id: '0190f1c4-6a8b-7c3d-9e2f-1a2b3c4d5e6f', entity_type: 'Invoice' });
    await start(
      async (event) => {
        calls.push(event.event_id);
        if (event.event_id === unrecoverable.event_id) {
          throw new UnrecoverableError('the webhook URL is invalid', { details: { rule: 'notify', action: 'webhook' } });
        }
        throw new FraiseqlError('FRAISEQL_FORBIDDEN', 'the target refused us');
      },
      { retryPolicy: { ...QUICK, nonRetryable: ['FRAISEQL_FORBIDDEN'] } },
    );
    await bus.publish(unrecoverable);
    await bus.publish(nonRetryable);
    await waitFor(async () => (await bus.deadLetters()).length === 2 && (await backlog()) === 0);
    await sleep(500);

    expect(calls.sort()).toEqual([unrecoverable.event_id, nonRetryable.event_id].sort());
    const letters = await bus.deadLetters();
    const first = letters.find((l) => l.event?.event_id === unrecoverable.event_id)!;
    expect(first).toMatchObject({
      event: { ...unrecoverable },
      raw_base64: null,
      error: { code: 'FRAISEQL_PERMANENT_FAILURE', message: 'the webhook URL is invalid' },
      attempts: { count: 1, history: [{ attempt: 1, error: { code: 'FRAISEQL_PERMANENT_FAILURE' } }] },
      details: { rule: 'notify', action: 'webhook' },
    });
    expect(letters.find((l) => l.event?.event_id === nonRetryable.event_id)).toMatchObject({
      error: { code: 'FRAISEQL_FORBIDDEN' },
      attempts: { count: 1 },
    });
    const jsm = await bus.nc.jetstreamManager();
    const subjects = await Promise.all([1, 2].map(async (seq) => (await jsm.streams.getMessage(STREAMS.dlq, { seq })).subject));
    expect(subjects).toContain('fraiseql.v1.dlq.observer-worker.0190f1c4-6a8b-7c3d-9e2f-1a2b3c4d5e6f.Invoice');
    expect(await metric(registry, `${P}_dead_lettered_total`)).toBe(2);
    expect(await metric(registry, `${P}_dlq_items`, { source: SOURCE })).toBe(2);
    expect(await metric(registry, `${P}_events_redelivered_total`)).toBe(0);
  });

  it('dead-letters on the last attempt with every attempt recorded (attempt history in Redis)', async () => {
    const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: false });
    const keyPrefix = `fraiseql-test:${Date.now()}:${Math.random()}:`;
    try {
      await start(
        async () => {
          await sleep(20);
          throw Object.assign(new Error('webhook answered 503'), { code: 'WEBHOOK_5XX' });
        },
        { retryPolicy: { ...QUICK, maximumAttempts: 3 }, redis, dedup: { keyPrefix }, consumer: FLAT },
      );
      const event = makeEvent();
      await bus.publish(event);
      await waitFor(async () => (await bus.deadLetters()).length === 1 && (await backlog()) === 0, 20_000);

      const [letter] = await bus.deadLetters();
      expect(letter!.event).toEqual({ ...event });
      expect(letter!.error).toEqual({ code: 'WEBHOOK_5XX', message: 'webhook answered 503' });
      expect(letter!.attempts.count).toBe(3);
      expect(letter!.attempts.history.map((a) => a.attempt)).toEqual([1, 2, 3]);
      for (const a of letter!.attempts.history) {
        expect(a.error.code).toBe('WEBHOOK_5XX');
        expect(a.latency_ms).toBeGreaterThanOrEqual(15);
      }
      expect(letter!.first_failure_at).toBe(letter!.attempts.history[0]!.at);
      expect(letter!.last_failure_at).toBe(letter!.attempts.history[2]!.at);
      expect(Date.parse(letter!.last_failure_at)).toBeGreaterThan(Date.parse(letter!.first_failure_at));
      // The history is forgotten once the dead letter is written.
      expect(await redis.keys(`${keyPrefix}attempts:*`)).toEqual([]);
      expect(await metric(registry, `${P}_events_failed_total`, { error_type: 'WEBHOOK_5XX' })).toBe(3);
      expect(await metric(registry, `${P}_dead_lettered_total`)).toBe(1);
      await redis.del(...(await redis.keys(`${keyPrefix}*`)));
    } finally {
      redis.disconnect();
    }
  });

  it('does not write a second dead letter when the process dies between the dead-letter write and the ack', async () => {
    const ncA = await bus.connect();
    const registryB = new Registry();
    const handled: { replica: string; attempt: number }[] = [];
    const failing =
      (replica: string): EventHandler =>
      async (_event, context) => {
        handled.push({ replica, attempt: context.attempt });
        throw new UnrecoverableError('cannot be delivered');
      };
    // Ack wait 1 s, so the original comes back quickly once replica A is gone.
    const consumer = spec({ backoffMs: [1000], maxDeliver: 5 });
    const a = await start(failing('A'), {
      nc: ncA,
      consumer,
      // The "crash": the connection goes away after the dead letter was stored, before the ack.
      onDeadLetter: async () => void (await ncA.close()),
    });
    await bus.publish(makeEvent());
    await waitFor(() => ncA.isClosed());
    await a.drain(0);
    expect((await bus.deadLetters()).length).toBe(1);

    await start(failing('B'), { consumer, registry: registryB });
    await waitFor(async () => (await backlog()) === 0, 15_000);
    expect(handled).toEqual([
      { replica: 'A', attempt: 1 },
      { replica: 'B', attempt: 2 },
    ]);
    expect((await bus.deadLetters()).length).toBe(1);
    expect(await metric(registry, `${P}_dead_lettered_total`)).toBe(1);
    // Replica B's write was dropped by JetStream (same Nats-Msg-Id), so it counts none.
    expect(await metric(registryB, `${P}_dead_lettered_total`)).toBe(0);
    expect(await metric(registryB, `${P}_events_redelivered_total`)).toBe(1);
  });

  it('never runs more handlers at once than its concurrency', async () => {
    let running = 0;
    let highest = 0;
    let done = 0;
    const inFlightSeen: number[] = [];
    const consumer = await start(
      async (event) => {
        running++;
        highest = Math.max(highest, running);
        inFlightSeen.push(await metric(registry, `${P}_events_in_flight`));
        await sleep(20 + (event.seq % 5) * 15);
        running--;
        done++;
      },
      { concurrency: 3 },
    );
    await Promise.all(Array.from({ length: 40 }, (_, i) => bus.publish(makeEvent({ seq: i + 1 }))));
    await waitFor(() => done === 40, 20_000);
    expect(highest).toBe(3);
    expect(Math.max(...inFlightSeen)).toBeLessThanOrEqual(3);
    // The last handlers have returned; their acks and bookkeeping follow (a loaded machine may take a moment).
    await waitFor(async () => consumer.inFlight() === 0 && (await metric(registry, `${P}_events_processed_total`)) === 40, 10_000);
    expect(consumer.inFlight()).toBe(0);
    expect(await metric(registry, `${P}_events_processed_total`)).toBe(40);
  });

  it('keeps a handler slower than the ack wait from being redelivered with working() heartbeats', async () => {
    const consumer = spec({ backoffMs: [1000, 1000], maxDeliver: 3 });
    const run = async (heartbeatIntervalMs?: number): Promise<number[]> => {
      const attempts: number[] = [];
      let finished = 0;
      const c = await start(
        async (_event, context) => {
          attempts.push(context.attempt);
          await sleep(3000);
          finished++;
        },
        { consumer, ...(heartbeatIntervalMs ? { heartbeatIntervalMs } : {}) },
      );
      await bus.publish(makeEvent());
      await waitFor(() => finished >= 1, 15_000);
      await sleep(1500);
      await c.drain(5000);
      return attempts;
    };
    expect(await run()).toEqual([1]);
    expect(await metric(registry, `${P}_events_redelivered_total`)).toBe(0);
    // Control: with heartbeats too rare for the 1 s ack wait, JetStream hands the event out again meanwhile.
    expect((await run(60_000)).length).toBeGreaterThan(1);
  });

  it('drains: in-flight work finishes, nothing new is pulled, and unfinished work goes to another instance', async () => {
    const events = Array.from({ length: 5 }, (_, i) => makeEvent({ seq: i + 1 }));
    const [quick, stuck] = events;
    const seenByA: string[] = [];
    const finishedByA: string[] = [];
    let aborted = false;
    const a = await start(
      async (event, context) => {
        seenByA.push(event.event_id);
        if (event.event_id === quick!.event_id) await sleep(500);
        else
          await new Promise<void>((resolve) =>
            context.signal.addEventListener('abort', () => {
              aborted = true;
              resolve();
            }),
          );
        finishedByA.push(event.event_id);
      },
      { concurrency: 2 },
    );
    for (const event of events) await bus.publish(event);
    await waitFor(() => seenByA.length === 2);
    expect(new Set(seenByA)).toEqual(new Set([quick!.event_id, stuck!.event_id]));
    expect(await metric(registry, `${P}_backlog_size`, { source: SOURCE })).toBe(5);
    expect(await metric(registry, `${P}_events_in_flight`, { source: SOURCE })).toBe(2);

    expect(await a.drain(2500)).toEqual({ unfinished: 1 });
    expect(aborted).toBe(true);
    expect(seenByA).toHaveLength(2);
    expect(await metric(registry, `${P}_events_processed_total`)).toBe(1);
    await expect(a.readiness()).rejects.toThrow(/draining/);

    const seenByB = new Map<string, number>();
    await start(async (event, context) => void seenByB.set(event.event_id, context.attempt), { registry: new Registry() });
    await waitFor(async () => seenByB.size === 4 && (await backlog()) === 0);
    expect([...seenByB.keys()].sort()).toEqual(
      events
        .slice(1)
        .map((e) => e.event_id)
        .sort(),
    );
    expect(seenByB.get(stuck!.event_id)).toBe(2);
  });

  it('continues the trace context of the message headers in one span per message', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const seen: (string | undefined)[] = [];
    await start(async (_event, context) => {
      seen.push(trace.getSpanContext(context.traceContext)?.traceId);
    });
    await bus.publish(makeEvent(), traceHeaders(`00-${traceId}-00f067aa0ba902b7-01`));
    await bus.publish(makeEvent());
    await waitFor(() => seen.length === 2);
    // The span of the first continues the caller's trace; the second, without traceparent, starts none of its own
    // here (no SDK in this process), so it carries no remote trace id.
    expect(seen).toContain(traceId);
    expect(seen.filter((id) => id === traceId)).toHaveLength(1);
  });

  it('is ready once bound, and not ready when NATS is gone or it drains', async () => {
    const consumer = await start(async () => undefined);
    await expect(consumer.readiness()).resolves.toBeUndefined();
    await bus.server.stop();
    await expect(consumer.readiness()).rejects.toThrow();
    await bus.server.start();
    await waitFor(async () => {
      try {
        await consumer.readiness();
        return true;
      } catch {
        return false;
      }
    }, 20_000);
    await consumer.drain(1000);
    await expect(consumer.readiness()).rejects.toThrow(/draining/);
  });

  it('refuses a concurrency below 1', async () => {
    await expect(start(async () => undefined, { concurrency: 0 })).rejects.toThrow(/concurrency/);
  });
});
