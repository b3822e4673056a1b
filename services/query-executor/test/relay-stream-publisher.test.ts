import { connect, RetentionPolicy, StorageType, type JsMsg, type NatsConnection } from 'nats';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { StreamPublisher } from '../src/relay/stream-publisher';

const STREAM = 'D_RELAY_PUBLISHER';
const OTHER_STREAM = 'D_RELAY_OTHER';
const encoder = new TextEncoder();

interface Outcome {
  error: Error | undefined;
  duplicate: boolean;
}

describe('StreamPublisher (the relay’s JetStream publishing)', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  const publishers: StreamPublisher[] = [];

  beforeEach(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    const jsm = await nc.jetstreamManager();
    const config = { retention: RetentionPolicy.Limits, storage: StorageType.File, duplicate_window: 600_000_000_000 };
    await jsm.streams.add({ ...config, name: STREAM, subjects: ['d_relay.pub.>'] });
    await jsm.streams.add({ ...config, name: OTHER_STREAM, subjects: ['d_relay.other.>'] });
  });
  afterEach(async () => {
    for (const publisher of publishers.splice(0)) publisher.close();
    await nc.close();
    await nats.dispose();
  });

  const publisher = (timeoutMs = 2000): StreamPublisher => {
    const created = new StreamPublisher({ nc, stream: STREAM, timeoutMs });
    publishers.push(created);
    return created;
  };
  const publishOne = (target: StreamPublisher, subject: string, payload: string, msgId: string): Promise<Outcome> =>
    new Promise((resolve) =>
      target.publish(subject, encoder.encode(payload), msgId, undefined, (error, duplicate) => resolve({ error, duplicate })),
    );

  it('stores each message once with its Nats-Msg-Id, in send order, and reports a re-sent id as a duplicate', async () => {
    const target = publisher();
    const first = await Promise.all(
      Array.from({ length: 500 }, (_, i) => publishOne(target, `d_relay.pub.e${i % 7}`, `{"n":${i}}`, `id-${i}`)),
    );
    const again = await Promise.all([
      publishOne(target, 'd_relay.pub.e0', '{"n":0}', 'id-0'),
      publishOne(target, 'd_relay.pub.e1', '{"n":1}', 'id-1'),
    ]);

    expect(first.every((o) => o.error === undefined && !o.duplicate)).toBe(true);
    expect(again).toEqual([
      { error: undefined, duplicate: true },
      { error: undefined, duplicate: true },
    ]);
    expect(target.inFlight).toBe(0);
    const jsm = await nc.jetstreamManager();
    expect((await jsm.streams.info(STREAM)).state.messages).toBe(500);
    const consumer = await nc.jetstream().consumers.get(STREAM, {});
    const messages = await consumer.consume({ max_messages: 500 });
    const read: Array<{ n: number; msgId: string | undefined; expected: string | undefined }> = [];
    for await (const m of messages as AsyncIterable<JsMsg>) {
      read.push({
        n: (m.json() as { n: number }).n,
        msgId: m.headers?.get('Nats-Msg-Id'),
        expected: m.headers?.get('Nats-Expected-Stream'),
      });
      if (read.length === 500) break;
    }
    await messages.close();
    expect(read.map((r) => r.n)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(read.every((r, i) => r.msgId === `id-${i}` && r.expected === STREAM)).toBe(true);
  });

  it('fails a message no stream captures (503 no responders) without waiting for the timeout', async () => {
    const started = Date.now();
    const outcome = await publishOne(publisher(60_000), 'd_relay.nowhere.x', '{}', 'lost-1');
    expect(outcome.error?.message).toMatch(/503/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('fails a message that lands in another stream than the expected one (Nats-Expected-Stream)', async () => {
    const outcome = await publishOne(publisher(), 'd_relay.other.x', '{}', 'elsewhere-1');
    expect(outcome.error?.message).toMatch(/JetStream refused the message/);
    const jsm = await nc.jetstreamManager();
    expect((await jsm.streams.info(OTHER_STREAM)).state.messages).toBe(0);
  });

  it('fails a message nobody acknowledges once its timeout passed, and ignores the late reply', async () => {
    // A plain subscriber (not a stream) receives the message and never answers.
    const silent = nc.subscribe('d_relay.silent.>');
    const outcome = await publishOne(publisher(300), 'd_relay.silent.x', '{}', 'silent-1');
    expect(outcome.error?.message).toMatch(/did not acknowledge within 300 ms/);
    silent.unsubscribe();
  });

  it('close() fails what is still waiting for its ack, exactly once each', async () => {
    const silent = nc.subscribe('d_relay.silent.>');
    const target = publisher(60_000);
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 3; i++)
      target.publish('d_relay.silent.x', encoder.encode('{}'), `c-${i}`, undefined, (error, duplicate) =>
        outcomes.push({ error, duplicate }),
      );
    expect(target.inFlight).toBe(3);
    target.close();
    expect(outcomes).toHaveLength(3);
    expect(outcomes.every((o) => /closed before JetStream acknowledged/.test(o.error?.message ?? ''))).toBe(true);
    expect(() => target.publish('d_relay.pub.x', encoder.encode('{}'), 'after-close', undefined, () => undefined)).toThrow(/closed/);
    silent.unsubscribe();
  });
});
