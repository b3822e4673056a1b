import { RetryableError, UnrecoverableError } from '@fraiseql/errors';
import type { EntityEvent } from '@fraiseql/events';
import { decodeDeadLetter, deadLetterFilter, STREAMS, type DeadLetter } from '@fraiseql/nats-contract';
import type { RetryPolicy } from '@fraiseql/service-kit';
import { waitFor } from '@fraiseql/testkit';
import { createConsumerMetrics, startEventConsumer, type Delivery, type EventConsumer, type EventHandler } from '../src';
import { consumerFor, entityEvent, publishEvents, quietLogger, startConsumerStack, type ConsumerStack } from './fixtures/consumer-stack';

const FAST: RetryPolicy = {
  backoff: 'fixed',
  initialIntervalMs: 200,
  backoffCoefficient: 1,
  maximumIntervalMs: 200,
  jitter: 0,
  maximumAttempts: 4,
};

describe('startEventConsumer (real NATS JetStream)', () => {
  let stack: ConsumerStack;
  const running: EventConsumer[] = [];

  beforeAll(async () => {
    stack = await startConsumerStack();
  });
  afterEach(async () => {
    for (const c of running.splice(0)) await c.drain(2000);
  });
  afterAll(async () => {
    await stack.dispose();
  });

  async function consume(
    entityType: string,
    handle: EventHandler,
    options: { concurrency?: number; policy?: RetryPolicy; maxDeliver?: number; ackWaitMs?: number } = {},
  ) {
    const { logger, registry, lines } = quietLogger();
    const handle_: { consumer?: EventConsumer } = {};
    const metrics = createConsumerMetrics(registry, {
      prefix: 'fraiseql_test',
      backlog: () => handle_.consumer!.backlog(),
      deadLetters: () => handle_.consumer!.deadLetters(),
    });
    const consumer = await startEventConsumer({
      nc: stack.nc,
      consumer: consumerFor(entityType, options),
      source: `test-${entityType.toLowerCase()}`,
      concurrency: options.concurrency ?? 4,
      retryPolicy: options.policy ?? FAST,
      handle,
      logger,
      metrics,
    });
    handle_.consumer = consumer;
    running.push(consumer);
    return { consumer, registry, lines };
  }

  async function deadLetters(source: string): Promise<DeadLetter[]> {
    const jsm = await stack.nc.jetstreamManager();
    const info = await jsm.streams.info(STREAMS.dlq, { subjects_filter: deadLetterFilter(source) });
    const letters: DeadLetter[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && seq > 0; seq++) {
      const msg = await jsm.streams.getMessage(STREAMS.dlq, { seq }).catch(() => undefined);
      if (msg && msg.subject.startsWith(`fraiseql.v1.dlq.${source}.`)) letters.push(decodeDeadLetter(msg.data));
    }
    return letters;
  }

  it('hands every event to the handler once and acknowledges it after the handler resolved', async () => {
    const seen: string[] = [];
    const { consumer, registry } = await consume('Plain', async (event) => {
      seen.push(event.event_id);
    });
    const events = Array.from({ length: 25 }, (_, i) => entityEvent('Plain', i));
    await publishEvents(stack.js, events);
    await waitFor(() => seen.length === 25);
    expect(seen.sort()).toEqual(events.map((e) => e.event_id).sort());
    await waitFor(async () => (await consumer.backlog()) === 0);
    expect(await registry.metrics()).toMatch(/^fraiseql_test_events_processed_total 25$/m);
    expect(await registry.metrics()).toMatch(/^fraiseql_test_backlog_size 0$/m);
  });

  it('dead-letters a message that is no valid event with its reason and bytes, and keeps consuming', async () => {
    const seen: EntityEvent[] = [];
    const { registry } = await consume('Broken', async (event) => {
      seen.push(event);
    });
    await stack.js.publish('fraiseql.v1.events._.Broken.UPDATE', new TextEncoder().encode('{"event_id":"nope"}'));
    const good = entityEvent('Broken', 1);
    await publishEvents(stack.js, [good]);
    await waitFor(() => seen.length === 1);
    await waitFor(async () => (await deadLetters('test-broken')).length === 1);
    const [letter] = await deadLetters('test-broken');
    expect(letter!.failure).toMatchObject({ code: 'FRAISEQL_BAD_MESSAGE', reason: 'malformed' });
    expect(Buffer.from(letter!.rawBase64!, 'base64').toString()).toBe('{"event_id":"nope"}');
    expect(letter!.event).toBeNull();
    expect(seen[0]!.event_id).toBe(good.event_id);
    const text = await registry.metrics();
    expect(text).toMatch(/fraiseql_test_dead_lettered_total\{reason="malformed"\} 1/);
    expect(text).toMatch(/fraiseql_test_events_failed_total\{error_type="FRAISEQL_BAD_MESSAGE"\} 1/);
    expect(text).toMatch(/^fraiseql_test_dlq_items 1$/m);
  });

  it('retries a failing event with nak(delay) at the policy delays (Retry-After as a floor), then acknowledges it once', async () => {
    const times: number[] = [];
    const attempts: number[] = [];
    await consume('Flaky', async (_event, delivery) => {
      times.push(Date.now());
      attempts.push(delivery.attempt);
      if (delivery.attempt === 1) throw new Error('receiver down');
      if (delivery.attempt === 2) throw new RetryableError('FRAISEQL_OVERLOADED', 'slow down', 600);
    });
    await publishEvents(stack.js, [entityEvent('Flaky', 1)]);
    await waitFor(() => attempts.length === 3, 15_000);
    expect(attempts).toEqual([1, 2, 3]);
    // Lower bounds only: the delays are scheduled in JetStream, never slept in the handler.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(190);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(590);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('dead-letters a permanent failure after one attempt, with the details the handler gave', async () => {
    const attempts: number[] = [];
    await consume('Gone', async (_event, delivery: Delivery) => {
      attempts.push(delivery.attempt);
      delivery.setDeadLetterDetails({ rule: 'r1', action: 0 });
      throw new UnrecoverableError('BAD_USER_INPUT', 'the receiver answered 410 Gone');
    });
    const event = entityEvent('Gone', 1);
    await publishEvents(stack.js, [event]);
    await waitFor(async () => (await deadLetters('test-gone')).length === 1);
    const [letter] = await deadLetters('test-gone');
    expect(letter).toMatchObject({
      source: 'test-gone',
      event: { event_id: event.event_id },
      failure: { code: 'BAD_USER_INPUT', reason: 'permanent', message: 'the receiver answered 410 Gone' },
      deliveries: 1,
      details: { rule: 'r1', action: 0 },
    });
    expect(attempts).toEqual([1]);
  });

  it('dead-letters an event after its last attempt with every attempt recorded, and tells the handler which attempt is last', async () => {
    const lastFlags: boolean[] = [];
    await consume('Doomed', async (_event, delivery) => {
      lastFlags.push(delivery.lastAttempt);
      throw new Error(`failure ${delivery.attempt}`);
    });
    await publishEvents(stack.js, [entityEvent('Doomed', 1)]);
    await waitFor(async () => (await deadLetters('test-doomed')).length === 1, 15_000);
    const [letter] = await deadLetters('test-doomed');
    expect(letter!.failure.reason).toBe('attempts_exhausted');
    expect(letter!.deliveries).toBe(4);
    expect(letter!.attempts.map((a) => a.message)).toEqual(['Internal error', 'Internal error', 'Internal error', 'Internal error']);
    expect(lastFlags).toEqual([false, false, false, true]);
  });

  it('never runs more handlers at once than its concurrency', async () => {
    let now = 0;
    let most = 0;
    let done = 0;
    await consume(
      'Busy',
      async () => {
        now++;
        most = Math.max(most, now);
        await new Promise((resolve) => setTimeout(resolve, 30));
        now--;
        done++;
      },
      { concurrency: 3 },
    );
    await publishEvents(
      stack.js,
      Array.from({ length: 30 }, (_, i) => entityEvent('Busy', i)),
    );
    await waitFor(() => done === 30, 20_000);
    expect(most).toBe(3);
  });

  it('keeps a slow event its own with working() while the handler runs past the ack wait', async () => {
    const attempts: number[] = [];
    await consume(
      'Slow',
      async (_event, delivery) => {
        attempts.push(delivery.attempt);
        await new Promise((resolve) => setTimeout(resolve, 2500));
      },
      { ackWaitMs: 1000 },
    );
    await publishEvents(stack.js, [entityEvent('Slow', 1)]);
    await waitFor(() => attempts.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(attempts).toEqual([1]);
  });

  it('drains: stops pulling, hands back what is unfinished at the deadline, and another replica finishes it', async () => {
    const gate = new Promise<void>(() => undefined); // never opens: the first replica cannot finish
    const aborted: boolean[] = [];
    const first = await consume(
      'Handover',
      async (_event, delivery) => {
        await Promise.race([gate, new Promise((resolve) => delivery.signal.addEventListener('abort', resolve))]);
        aborted.push(delivery.signal.aborted);
        throw new Error('stopped');
      },
      { concurrency: 2 },
    );
    const events = Array.from({ length: 6 }, (_, i) => entityEvent('Handover', i));
    await publishEvents(stack.js, events);
    await waitFor(async () => (await first.consumer.backlog()) === 6);
    await first.consumer.drain(300);
    running.splice(running.indexOf(first.consumer), 1);
    expect(aborted.length).toBeGreaterThan(0);

    const finished: string[] = [];
    await consume('Handover', async (event) => {
      finished.push(event.event_id);
    });
    await waitFor(() => new Set(finished).size === 6, 20_000);
    expect(new Set(finished)).toEqual(new Set(events.map((e) => e.event_id)));
  });
});
