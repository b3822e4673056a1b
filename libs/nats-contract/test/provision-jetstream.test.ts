import { connect, headers, nanos, type NatsConnection } from 'nats';
import { FraiseqlError } from '@fraiseql/errors';
import {
  auditSubject,
  CONSUMERS,
  ensureConsumer,
  eventSubject,
  observerWorkerConsumer,
  openSchemaBucket,
  provisionJetStream,
  queryExecutorAuditConsumer,
  SCHEMA_ACTIVE_KEY,
  sinkAuditConsumer,
  sinkClickHouseConsumer,
  sinkSearchConsumer,
  STREAMS,
} from '../src';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';

const MINUTE_MS = 60_000;

async function streamNames(nc: NatsConnection): Promise<string[]> {
  const jsm = await nc.jetstreamManager();
  const names: string[] = [];
  for await (const name of jsm.streams.names()) names.push(name);
  return names.sort();
}

describe('provisionJetStream', () => {
  let server: TestNatsServer;
  const connections: NatsConnection[] = [];
  const open = async (): Promise<NatsConnection> => {
    const nc = await connect({ servers: server.url });
    connections.push(nc);
    return nc;
  };

  beforeEach(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((nc) => nc.close()));
    await server.dispose();
  });

  it('creates the five streams and the KV buckets of the contract with their settings', async () => {
    const nc = await open();
    const result = await provisionJetStream(nc, { events: { maxAgeMs: 3 * 24 * 60 * MINUTE_MS, maxBytes: 1_000_000_000 } });
    expect(result.streams).toEqual({
      FRAISEQL_EVENTS: 'created',
      FRAISEQL_DLQ: 'created',
      FRAISEQL_JOBS: 'created',
      FRAISEQL_REPLAY: 'created',
      FRAISEQL_AUDIT: 'created',
    });
    expect(await streamNames(nc)).toEqual([
      'FRAISEQL_AUDIT',
      'FRAISEQL_DLQ',
      'FRAISEQL_EVENTS',
      'FRAISEQL_JOBS',
      'FRAISEQL_REPLAY',
      'KV_FRAISEQL_API_KEYS',
      'KV_FRAISEQL_DOCUMENTS',
      'KV_FRAISEQL_OBSERVERS',
      'KV_FRAISEQL_SCHEMA',
    ]);

    const jsm = await nc.jetstreamManager();
    const events = (await jsm.streams.info(STREAMS.events)).config;
    expect(events).toMatchObject({
      subjects: ['fraiseql.v1.events.>'],
      storage: 'file',
      max_age: nanos(3 * 24 * 60 * MINUTE_MS),
      max_bytes: 1_000_000_000,
      num_replicas: 1,
      duplicate_window: nanos(15 * MINUTE_MS),
    });
    expect((await jsm.streams.info(STREAMS.dlq)).config).toMatchObject({
      subjects: ['fraiseql.v1.dlq.>'],
      // Outlasts the longest ack wait of the default consumer specs (10 min), so a re-written dead letter is dropped.
      duplicate_window: nanos(15 * MINUTE_MS),
    });
    // Three tokens after fraiseql.v1.jobs: lifecycle events yes, the job API's requests (two tokens) never.
    expect((await jsm.streams.info(STREAMS.jobs)).config.subjects).toEqual(['fraiseql.v1.jobs.*.*.*']);
    expect((await jsm.streams.info(STREAMS.replay)).config.subjects).toEqual(['fraiseql.v1.replay.>']);
    expect((await jsm.streams.info(STREAMS.audit)).config).toMatchObject({
      subjects: ['fraiseql.v1.audit.>'],
      storage: 'file',
      max_age: nanos(90 * 24 * 60 * MINUTE_MS),
      duplicate_window: nanos(15 * MINUTE_MS),
    });
  });

  it('is a no-op the second time', async () => {
    const nc = await open();
    await provisionJetStream(nc);
    const again = await provisionJetStream(nc);
    expect(again.streams).toEqual({
      FRAISEQL_EVENTS: 'unchanged',
      FRAISEQL_DLQ: 'unchanged',
      FRAISEQL_JOBS: 'unchanged',
      FRAISEQL_REPLAY: 'unchanged',
      FRAISEQL_AUDIT: 'unchanged',
    });
    expect(await streamNames(nc)).toHaveLength(9);
  });

  it('succeeds when several connections provision at the same moment, leaving one of each', async () => {
    const all = await Promise.all([open(), open(), open(), open()]);
    const results = await Promise.all(all.map((nc) => provisionJetStream(nc)));
    const createdEvents = results.filter((r) => r.streams.FRAISEQL_EVENTS === 'created').length;
    expect(createdEvents).toBeGreaterThanOrEqual(1);
    expect(await streamNames(all[0]!)).toEqual([
      'FRAISEQL_AUDIT',
      'FRAISEQL_DLQ',
      'FRAISEQL_EVENTS',
      'FRAISEQL_JOBS',
      'FRAISEQL_REPLAY',
      'KV_FRAISEQL_API_KEYS',
      'KV_FRAISEQL_DOCUMENTS',
      'KV_FRAISEQL_OBSERVERS',
      'KV_FRAISEQL_SCHEMA',
    ]);
  });

  it('updates retention in place and keeps the stored events', async () => {
    const nc = await open();
    await provisionJetStream(nc, { events: { maxAgeMs: 7 * 24 * 60 * MINUTE_MS } });
    await nc.jetstream().publish(eventSubject('org-1', 'Order', 'INSERT'), new TextEncoder().encode('{}'));

    const changed = await provisionJetStream(nc, {
      events: { maxAgeMs: 24 * 60 * MINUTE_MS, maxBytes: 5_000_000 },
      dlq: { maxAgeMs: 60 * MINUTE_MS },
    });
    expect(changed.streams).toEqual({
      FRAISEQL_EVENTS: 'updated',
      FRAISEQL_DLQ: 'updated',
      FRAISEQL_JOBS: 'unchanged',
      FRAISEQL_REPLAY: 'unchanged',
      FRAISEQL_AUDIT: 'unchanged',
    });
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(STREAMS.events);
    expect(info.config.max_age).toBe(nanos(24 * 60 * MINUTE_MS));
    expect(info.config.max_bytes).toBe(5_000_000);
    expect(info.state.messages).toBe(1);
    expect((await jsm.streams.info(STREAMS.dlq)).config.max_age).toBe(nanos(60 * MINUTE_MS));
  });

  it('deduplicates a republished event by Nats-Msg-Id within the duplicate window', async () => {
    const nc = await open();
    await provisionJetStream(nc);
    const js = nc.jetstream();
    const subject = eventSubject('org-1', 'Order', 'INSERT');
    const first = await js.publish(subject, new TextEncoder().encode('{"n":1}'), { msgID: 'event-1' });
    const second = await js.publish(subject, new TextEncoder().encode('{"n":1}'), { msgID: 'event-1' });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect((await (await nc.jetstreamManager()).streams.info(STREAMS.events)).state.messages).toBe(1);
  });

  it('refuses a duplicate window shorter than 10 minutes', async () => {
    const nc = await open();
    await expect(provisionJetStream(nc, { events: { duplicateWindowMs: 5 * MINUTE_MS } })).rejects.toMatchObject({
      code: 'FRAISEQL_CONFIG_INVALID',
    });
    await expect(provisionJetStream(nc, { events: { duplicateWindowMs: 5 * MINUTE_MS } })).rejects.toBeInstanceOf(FraiseqlError);
    expect(await streamNames(nc)).toEqual([]);
  });

  it('opens the schema bucket idempotently and keeps 10 revisions of the active schema', async () => {
    const nc = await open();
    const [kv1, kv2] = await Promise.all([openSchemaBucket(nc), openSchemaBucket(await open())]);
    for (let i = 1; i <= 12; i++) await kv1.put(SCHEMA_ACTIVE_KEY, new TextEncoder().encode(`{"version":${i}}`));
    const latest = await kv2.get(SCHEMA_ACTIVE_KEY);
    expect(latest?.string()).toBe('{"version":12}');
    const revisions: number[] = [];
    for await (const entry of await kv2.history({ key: SCHEMA_ACTIVE_KEY })) revisions.push(JSON.parse(entry.string()).version);
    expect(revisions).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect((await streamNames(nc)).filter((n) => n.startsWith('KV_'))).toEqual(['KV_FRAISEQL_SCHEMA']);
  });
});

describe('ensureConsumer', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  beforeEach(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    await provisionJetStream(nc);
  });
  afterEach(async () => {
    await nc.close();
    await server.dispose();
  });

  it('creates the three durable pull consumers with explicit ack, max_deliver and backoff', async () => {
    const jsm = await nc.jetstreamManager();
    for (const spec of [observerWorkerConsumer(), sinkClickHouseConsumer(), sinkSearchConsumer()]) {
      expect(await ensureConsumer(jsm, STREAMS.events, spec)).toBe('created');
      const info = await jsm.consumers.info(STREAMS.events, spec.durable_name);
      expect(info.config).toMatchObject({
        durable_name: spec.durable_name,
        ack_policy: 'explicit',
        deliver_policy: 'all',
        filter_subject: 'fraiseql.v1.events.>',
        max_deliver: spec.max_deliver,
        backoff: spec.backoff,
      });
      expect(info.config.deliver_subject).toBeUndefined(); // pull
    }
    const names: string[] = [];
    for await (const consumer of jsm.consumers.list(STREAMS.events)) names.push(consumer.name);
    expect(names.sort()).toEqual([CONSUMERS.observerWorker, CONSUMERS.sinkClickHouse, CONSUMERS.sinkSearch].sort());
  });

  it('is idempotent, safe when replicas start together, and updates changed settings', async () => {
    const other = await connect({ servers: server.url });
    try {
      const [a, b] = await Promise.all([nc.jetstreamManager(), other.jetstreamManager()]);
      const outcomes = await Promise.all([
        ensureConsumer(a, STREAMS.events, observerWorkerConsumer()),
        ensureConsumer(b, STREAMS.events, observerWorkerConsumer()),
      ]);
      expect(outcomes).toContain('created');
      expect(await ensureConsumer(a, STREAMS.events, observerWorkerConsumer())).toBe('unchanged');

      const changed = observerWorkerConsumer({ maxDeliver: 4, backoffMs: [30_000, 60_000], maxAckPending: 50 });
      expect(await ensureConsumer(a, STREAMS.events, changed)).toBe('updated');
      const info = await a.consumers.info(STREAMS.events, CONSUMERS.observerWorker);
      expect(info.config).toMatchObject({ max_deliver: 4, backoff: [nanos(30_000), nanos(60_000)], max_ack_pending: 50 });
    } finally {
      await other.close();
    }
  });

  it('delivers an event to a pull consumer and redelivers it after a nak', async () => {
    const jsm = await nc.jetstreamManager();
    await ensureConsumer(jsm, STREAMS.events, sinkSearchConsumer());
    const js = nc.jetstream();
    const h = headers();
    await js.publish(eventSubject('org-1', 'Order', 'UPDATE'), new TextEncoder().encode('{"id":"1"}'), { msgID: 'e-1', headers: h });
    const consumer = await js.consumers.get(STREAMS.events, CONSUMERS.sinkSearch);
    const first = await consumer.next({ expires: 5000 });
    expect(first?.subject).toBe('fraiseql.v1.events.org-1.Order.UPDATE');
    first!.nak(0);
    const second = await consumer.next({ expires: 5000 });
    expect(first!.info.deliveryCount).toBe(1);
    expect(second?.info.deliveryCount).toBe(2);
    expect(second?.redelivered).toBe(true);
    expect(second?.string()).toBe('{"id":"1"}');
    second!.ack();
  });

  it('creates the audit consumers on FRAISEQL_AUDIT over every org and stores an audit entry once per id', async () => {
    const jsm = await nc.jetstreamManager();
    for (const spec of [queryExecutorAuditConsumer(), sinkAuditConsumer()]) {
      expect(spec.stream).toBe(STREAMS.audit);
      expect(await ensureConsumer(jsm, STREAMS.audit, spec)).toBe('created');
      expect((await jsm.consumers.info(STREAMS.audit, spec.durable_name)).config.filter_subject).toBe('fraiseql.v1.audit.>');
    }
    const js = nc.jetstream();
    expect(auditSubject(null)).toBe('fraiseql.v1.audit._');
    await js.publish(auditSubject('org-1'), new TextEncoder().encode('{}'), { msgID: 'audit-1' });
    const again = await js.publish(auditSubject('org-1'), new TextEncoder().encode('{}'), { msgID: 'audit-1' });
    expect(again.duplicate).toBe(true);
    expect((await jsm.streams.info(STREAMS.audit)).state.messages).toBe(1);
  });
});
