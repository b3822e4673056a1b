import { connect, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { publishedFilterSubject, publishedSubject } from '@fraiseql/nats-contract';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { ActionDelivery, MessagePublisher } from '../src';

const ORG = '0190f1c4-6a8b-7c3d-9e2f-1a2b3c4d5e6f';
const OTHER_ORG = '0190f1c4-6a8b-7c3d-9e2f-000000000000';

describe('MessagePublisher against real NATS', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  let delivery: ActionDelivery;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    delivery = new ActionDelivery({ registry: new Registry() });
  });

  afterAll(async () => {
    await delivery.close();
    await nc.close();
    await server.dispose();
  });

  it("publishes on core NATS under the rule's org when no stream captures the subject; another org's subscriber sees nothing", async () => {
    const mine = nc.subscribe(publishedFilterSubject({ orgId: ORG }), { max: 1 });
    const theirs = nc.subscribe(publishedFilterSubject({ orgId: OTHER_ORG }));
    const got = (async () => {
      for await (const m of mine) return { subject: m.subject, data: m.string(), trace: m.headers?.get('traceparent') };
    })();
    const publisher = new MessagePublisher(delivery, nc);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const outcome = await publisher.publish({ orgId: ORG, topic: 'order.shipped', payload: '{"order":42}', headers: { traceparent } });
    expect(outcome).toMatchObject({ kind: 'success', detail: { stream: null, subject: publishedSubject(ORG, 'order.shipped') } });
    expect(await got).toEqual({ subject: `fraiseql.v1.published.${ORG}.order~2Eshipped`, data: '{"order":42}', trace: traceparent });
    await nc.flush();
    expect(theirs.getProcessed()).toBe(0);
    theirs.unsubscribe();
  });

  it('publishes into JetStream, acknowledged and deduplicated by the idempotency key, when a stream captures the subject', async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'TEST_PUBLISHED', subjects: [`fraiseql.v1.published.${ORG}.>`] });
    try {
      const publisher = new MessagePublisher(delivery, nc);
      const request = { orgId: ORG, topic: 'invoice', payload: 'paid', idempotencyKey: 'evt-9:rule-3:publish' };
      expect(await publisher.publish(request)).toMatchObject({
        kind: 'success',
        detail: { stream: 'TEST_PUBLISHED', seq: 1, duplicate: false },
      });
      // A retry of the same action: JetStream stores it once.
      expect(await publisher.publish(request)).toMatchObject({
        kind: 'success',
        detail: { stream: 'TEST_PUBLISHED', seq: 1, duplicate: true },
      });
      const stored = await jsm.streams.getMessage('TEST_PUBLISHED', { seq: 1 });
      expect(stored.subject).toBe(publishedSubject(ORG, 'invoice'));
      expect(stored.string()).toBe('paid');
      expect((await jsm.streams.info('TEST_PUBLISHED')).state.messages).toBe(1);
    } finally {
      await jsm.streams.delete('TEST_PUBLISHED');
    }
  });

  it('classifies a publish with no topic as invalid and a closed connection as retryable', async () => {
    const publisher = new MessagePublisher(delivery, nc);
    expect(await publisher.publish({ orgId: ORG, topic: '', payload: 'x' })).toMatchObject({
      kind: 'permanent',
      code: 'FRAISEQL_ACTION_INVALID',
    });
    const closed = await connect({ servers: server.url });
    await closed.close();
    const outcome = await new MessagePublisher(delivery, closed).publish({ orgId: ORG, topic: 't', payload: 'x' });
    expect(outcome).toMatchObject({ kind: 'retryable' });
  });
});
