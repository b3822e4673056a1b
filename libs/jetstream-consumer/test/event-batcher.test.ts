import { FraiseqlError, RetryableError } from '@fraiseql/errors';
import type { EntityEvent } from '@fraiseql/events';
import { sinkClickHouseConsumer, STREAMS } from '@fraiseql/nats-contract';
import { waitFor } from '@fraiseql/testkit';
import { EventBatcher, startEventConsumer, type BatchWrite, type EventConsumer } from '../src';
import { makeEvent, Registry, startBus, testLogger, type Bus } from './support';

// The batching discipline the sink's writers share, over a real JetStream consumer: batches bounded by rows and
// time, acks only after the batch is written, an outage held without spending deliveries, a batch the store refuses
// split until the event at fault is dead-lettered alone. The "store" here is an in-memory table: what is under test
// is the batcher and the consumer kit; the real stores (ClickHouse, PostgreSQL, Elasticsearch) have their own tests.

const SOURCE = 'sink-clickhouse';

describe('EventBatcher on a JetStream consumer (private nats-server)', () => {
  let bus: Bus;
  let consumer: EventConsumer | undefined;

  beforeEach(async () => {
    bus = await startBus();
  });
  afterEach(async () => {
    await consumer?.drain(0);
    consumer = undefined;
    await bus.dispose();
  });

  /** An in-memory store whose `write` a test can make fail. */
  const store = () => {
    const rows = new Map<string, number>();
    const batches: number[] = [];
    let fail: ((events: readonly EntityEvent[]) => Error | undefined) | undefined;
    const write: BatchWrite = async (events) => {
      const error = fail?.(events);
      if (error) throw error;
      batches.push(events.length);
      for (const event of events) rows.set(event.event_id, (rows.get(event.event_id) ?? 0) + 1);
      return {
        rejected: events.filter((e) => e.data.reject === true).map((e) => ({ eventId: e.event_id, code: 'X_MAPPING', message: 'no' })),
      };
    };
    return { rows, batches, write, failWith: (f: typeof fail) => (fail = f) };
  };

  const run = async (write: BatchWrite, maxRows: number, log = testLogger()): Promise<EventBatcher> => {
    const batcher = new EventBatcher({
      name: SOURCE,
      maxRows,
      maxBytes: 1 << 20,
      maxDelayMs: 50,
      write,
      logger: log.logger,
      outageRetry: { initialIntervalMs: 50, maximumIntervalMs: 200 },
    });
    consumer = await startEventConsumer({
      nc: bus.nc,
      consumer: sinkClickHouseConsumer({ backoffMs: [30_000] }),
      source: SOURCE,
      concurrency: maxRows * 2,
      retryPolicy: { initialIntervalMs: 100, maximumIntervalMs: 100, maximumAttempts: 3 },
      handle: (event, context) => batcher.add(event, context),
      logger: log.logger,
      registry: new Registry(),
      metricsPrefix: 'fraiseql_test_sink',
    });
    return batcher;
  };

  const consumerState = async () => {
    const info = await (await bus.nc.jetstreamManager()).consumers.info(STREAMS.events, SOURCE);
    return { backlog: info.num_pending + info.num_ack_pending, redelivered: info.num_redelivered };
  };

  const publishAll = async (events: EntityEvent[]): Promise<void> => {
    for (let i = 0; i < events.length; i += 200) await Promise.all(events.slice(i, i + 200).map((e) => bus.publish(e)));
  };

  it('writes 2,500 events in batches of at most 1,000 (the tail on its timer), each once, and acks them all', async () => {
    const s = store();
    await run(s.write, 1000);
    const events = Array.from({ length: 2500 }, (_, i) => makeEvent({ seq: i + 1 }));
    await publishAll(events);
    await waitFor(async () => s.rows.size === 2500 && (await consumerState()).backlog === 0, 20_000);
    expect(Math.max(...s.batches)).toBeLessThanOrEqual(1000);
    expect(s.batches.reduce((a, b) => a + b, 0)).toBe(2500);
    expect([...s.rows.values()].every((n) => n === 1)).toBe(true);
    expect(await bus.deadLetters()).toEqual([]);
  });

  it('holds a batch through an outage of the store: written once it returns, no redelivery, nothing dead-lettered', async () => {
    const s = store();
    let outageWrites = 0;
    s.failWith(() => (++outageWrites <= 6 ? new RetryableError('FRAISEQL_DB_UNAVAILABLE', 'store down', 0) : undefined));
    const log = testLogger();
    await run(s.write, 100, log);
    const events = Array.from({ length: 150 }, (_, i) => makeEvent({ seq: i + 1 }));
    await publishAll(events);
    await waitFor(async () => s.rows.size === 150 && (await consumerState()).backlog === 0, 20_000);
    expect(outageWrites).toBeGreaterThan(6);
    expect((await consumerState()).redelivered).toBe(0);
    expect(await bus.deadLetters()).toEqual([]);
    expect(log.matching('store unavailable: the batch is held').length).toBeGreaterThan(0);
  });

  it('splits a batch the store refuses until the poison event is alone: it is dead-lettered, the rest written once', async () => {
    const s = store();
    const poison = makeEvent({ data: { poison: true } });
    s.failWith((batch) =>
      batch.some((e) => e.event_id === poison.event_id) ? new FraiseqlError('FRAISEQL_BAD_REQUEST', 'Cannot parse input') : undefined,
    );
    await run(s.write, 64);
    const events = Array.from({ length: 63 }, (_, i) => makeEvent({ seq: i + 1 }));
    events.splice(20, 0, poison);
    await publishAll(events);
    await waitFor(async () => s.rows.size === 63 && (await consumerState()).backlog === 0, 20_000);
    expect(s.rows.has(poison.event_id)).toBe(false);
    expect([...s.rows.values()].every((n) => n === 1)).toBe(true);
    const letters = await bus.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      source: SOURCE,
      event: { event_id: poison.event_id },
      error: { code: 'FRAISEQL_BAD_REQUEST', message: 'Cannot parse input' },
    });
  });

  it('dead-letters the events a written batch reports as refused, with the store’s code kept in the letter', async () => {
    const s = store();
    await run(s.write, 50);
    const refused = makeEvent({ data: { reject: true } });
    await publishAll([makeEvent(), refused, makeEvent()]);
    await waitFor(async () => (await consumerState()).backlog === 0 && (await bus.deadLetters()).length === 1, 20_000);
    const [letter] = await bus.deadLetters();
    expect(letter).toMatchObject({
      event: { event_id: refused.event_id },
      error: { code: 'FRAISEQL_PERMANENT_FAILURE', message: 'no' },
      details: { storeCode: 'X_MAPPING' },
    });
  });

  it('a drain during an outage hands the held events back; another consumer writes them once the store is back', async () => {
    const s = store();
    s.failWith(() => new RetryableError('FRAISEQL_DB_UNAVAILABLE', 'store down', 0));
    const batcher = await run(s.write, 100);
    const events = Array.from({ length: 40 }, (_, i) => makeEvent({ seq: i + 1 }));
    await publishAll(events);
    await waitFor(async () => batcher.pending() === 40);
    const { unfinished } = await consumer!.drain(100);
    expect(unfinished).toBe(40);
    await batcher.flush();
    expect(batcher.pending()).toBe(0);
    consumer = undefined;

    const healthy = store();
    await run(healthy.write, 100);
    await waitFor(async () => healthy.rows.size === 40 && (await consumerState()).backlog === 0, 20_000).catch(async (e) => {
      throw new Error(`${e} rows ${healthy.rows.size} ${JSON.stringify(await consumerState())}`);
    });
    expect(await bus.deadLetters()).toEqual([]);
  });
});
