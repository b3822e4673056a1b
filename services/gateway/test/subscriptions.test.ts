import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { encodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import { encodeJobLifecycleEvent, jobLifecycleMsgId, type JobLifecycleEvent } from '@fraiseql/jobs';
import { eventSubject, jobSubject, provisionJetStream, STREAMS, type JobState } from '@fraiseql/nats-contract';
import { DEFAULT_LIMITS } from '@fraiseql/query-planner';
import { createLogger } from '@fraiseql/service-kit';
import { captureLines, GraphqlWsClient, startNatsServer, waitFor, type TestNatsServer } from '@fraiseql/testkit';
import { createGateway, type Gateway } from '../src';

const SHOP_SCHEMA = join(__dirname, '..', '..', '..', 'examples', 'shop', 'schema.compiled.json');
const ORG_A = 'aaaaaaaa-0000-4000-8000-000000000001';
const ORG_B = 'bbbbbbbb-0000-4000-8000-000000000002';
const MAX_QUEUE = 5;

let server: TestNatsServer;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let gateway: Gateway;
let registry: Registry;
let wsUrl: string;
let seq = 0;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
  await provisionJetStream(nc);
  js = nc.jetstream();
  jsm = await nc.jetstreamManager();
  registry = new Registry();
  const { destination } = captureLines();
  gateway = await createGateway({
    host: '127.0.0.1',
    port: 0,
    natsUrl: server.url,
    schemaSource: SHOP_SCHEMA,
    cursorSecret: 'subscription-test-cursor-secret-0123456789',
    limits: DEFAULT_LIMITS,
    requestTimeoutMs: 5000,
    executorLivenessMs: 0,
    maxInFlight: 100,
    bodyLimitBytes: 1_048_576,
    auth: { devAuth: true },
    graphiql: false,
    subscriptions: { maxQueue: MAX_QUEUE, maxPerConnection: 3 },
    logger: createLogger({ service: 'gateway', level: 'warn', destination }),
    registry,
  });
  wsUrl = `${gateway.address.replace(/^http/, 'ws')}/graphql`;
});

afterAll(async () => {
  await gateway.close();
  await nc.close();
  await server.dispose();
});

const asOrg = (org: string) => ({ 'x-fraiseql-dev-subject': `user-of-${org.slice(0, 4)}`, 'x-fraiseql-dev-org': org });

async function consumerCount(): Promise<number> {
  return (await jsm.consumers.list(STREAMS.events).next()).length;
}

function order(org: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: randomUUID(),
    status: 'PENDING',
    total: 12.5,
    currency: 'EUR',
    notes: null,
    placedAt: '2024-03-01T09:05:00.000001Z',
    createdAt: '2024-03-01T09:05:00.000001Z',
    updatedAt: '2024-03-01T09:05:00.000001Z',
    itemCount: 1,
    shippingAddress: { street: '1 rue', city: 'Paris', postalCode: '75001', country: 'FR' },
    customer: {
      id: randomUUID(),
      email: `c@${org.slice(0, 4)}.example`,
      name: null,
      isActive: true,
      tags: [],
      createdAt: '2024-01-01T00:00:00.000000Z',
    },
    items: [{ id: randomUUID(), quantity: 2, unitPrice: 6.25, product: { id: randomUUID(), sku: 'SKU-1', name: 'Tea' } }],
    ...overrides,
  };
}

/** Publishes an event as the relay does: eventSubject + EntityEvent JSON + Nats-Msg-Id. */
async function publish(
  org: string | null,
  op: string,
  data: Record<string, unknown>,
  extra: Partial<EntityEvent> = {},
): Promise<EntityEvent> {
  const event: EntityEvent = {
    event_id: randomUUID(),
    seq: ++seq,
    event_type: op,
    entity_type: 'Order',
    entity_id: String(data.id),
    org_id: org,
    user_id: null,
    timestamp: '2024-03-01T09:05:00.123456Z',
    data,
    before: null,
    changed_fields: op === 'UPDATE' ? ['status'] : [],
    schema_version: null,
    ...extra,
  };
  await js.publish(eventSubject(org, event.entity_type, op), encodeEntityEvent(event), { msgID: event.event_id });
  return event;
}

async function subscribed(client: GraphqlWsClient, id: string, query: string, variables: Record<string, unknown> = {}): Promise<void> {
  const before = await consumerCount();
  client.subscribe(id, query, variables);
  await waitFor(async () => (await consumerCount()) === before + 1 || client.errorOf(id) !== undefined);
}

describe('GraphQL subscriptions over graphql-transport-ws', () => {
  it('delivers published events projected to the selection, aliases and nested objects included', async () => {
    const client = await GraphqlWsClient.connect(wsUrl, asOrg(ORG_A));
    try {
      await subscribed(
        client,
        '1',
        `subscription {
        orderChanged { op: operation eventId timestamp changedFields order { id status total city: shippingAddress { city } items { quantity product { sku } } } before { status } }
      }`,
      );
      const inserted = order(ORG_A);
      const first = await publish(ORG_A, 'INSERT', inserted);
      const second = await publish(ORG_A, 'UPDATE', { ...inserted, status: 'PAID' }, { before: inserted });
      await waitFor(() => client.data('1').length === 2);
      expect(client.data('1')).toEqual([
        {
          orderChanged: {
            op: 'INSERT',
            eventId: first.event_id,
            timestamp: '2024-03-01T09:05:00.123456Z',
            changedFields: [],
            order: {
              id: inserted.id,
              status: 'PENDING',
              total: 12.5,
              city: { city: 'Paris' },
              items: [{ quantity: 2, product: { sku: 'SKU-1' } }],
            },
            before: null,
          },
        },
        {
          orderChanged: {
            op: 'UPDATE',
            eventId: second.event_id,
            timestamp: '2024-03-01T09:05:00.123456Z',
            changedFields: ['status'],
            order: {
              id: inserted.id,
              status: 'PAID',
              total: 12.5,
              city: { city: 'Paris' },
              items: [{ quantity: 2, product: { sku: 'SKU-1' } }],
            },
            before: { status: 'PENDING' },
          },
        },
      ]);
    } finally {
      await client.close();
    }
  });

  it("delivers a masked field as null to a caller without its role, refuses a filter on it at subscribe, and delivers it to staff (the shop's Order.notes)", async () => {
    const reader = await GraphqlWsClient.connect(wsUrl, asOrg(ORG_A));
    const staff = await GraphqlWsClient.connect(wsUrl, { ...asOrg(ORG_A), 'x-fraiseql-dev-roles': 'staff' });
    try {
      await subscribed(reader, 'masked', 'subscription { orderChanged { order { id notes } before { notes } } }');
      await subscribed(staff, 'staff', 'subscription { orderChanged { order { id notes } } }');
      reader.subscribe('filter', 'subscription { orderChanged(where: { notes: { eq: "gift" } }) { order { id } } }');
      await waitFor(() => reader.errorOf('filter') !== undefined);
      expect(reader.errorOf('filter')).toEqual([
        expect.objectContaining({
          message: 'Filtering by where.notes (Order.notes) needs the role support or staff or admin.',
          extensions: expect.objectContaining({ code: 'FRAISEQL_FORBIDDEN' }),
        }),
      ]);
      const o = order(ORG_A, { notes: 'ring the bell twice' });
      await publish(ORG_A, 'UPDATE', o, { before: { ...o, notes: 'older note' } });
      expect(await reader.waitForData('masked', 1)).toEqual([
        { orderChanged: { order: { id: o.id, notes: null }, before: { notes: null } } },
      ]);
      expect(await staff.waitForData('staff', 1)).toEqual([{ orderChanged: { order: { id: o.id, notes: 'ring the bell twice' } } }]);
    } finally {
      await reader.close();
      await staff.close();
    }
  });

  it('applies the where filter and the operations filter', async () => {
    const client = await GraphqlWsClient.connect(wsUrl, asOrg(ORG_A));
    try {
      await subscribed(client, 'w', 'subscription($w: OrderWhereInput) { orderChanged(where: $w) { order { id } } }', {
        w: { status: { in: ['PAID', 'SHIPPED'] }, total: { gt: '10' }, customer: { email: { endsWith: '.example' } } },
      });
      await subscribed(client, 'ops', 'subscription { orderChanged(operations: [DELETE]) { operation order { id } } }');
      const paid = order(ORG_A, { status: 'PAID', total: 20 });
      const cheap = order(ORG_A, { status: 'PAID', total: 5 });
      const pending = order(ORG_A, { status: 'PENDING', total: 50 });
      await publish(ORG_A, 'INSERT', cheap);
      await publish(ORG_A, 'INSERT', pending);
      await publish(ORG_A, 'UPDATE', paid);
      await publish(ORG_A, 'DELETE', pending);
      await waitFor(() => client.data('w').length === 1 && client.data('ops').length === 1);
      expect(client.data('w')).toEqual([{ orderChanged: { order: { id: paid.id } } }]);
      expect(client.data('ops')).toEqual([{ orderChanged: { operation: 'DELETE', order: { id: pending.id } } }]);
      expect(await registry.metrics()).toMatch(/^fraiseql_gateway_subscription_events_total\{outcome="filtered"\} [1-9]/m);
    } finally {
      await client.close();
    }
  });

  it('delivers nothing of org B to a subscriber of org A', async () => {
    const a = await GraphqlWsClient.connect(wsUrl, asOrg(ORG_A));
    const b = await GraphqlWsClient.connect(wsUrl, asOrg(ORG_B));
    try {
      await subscribed(a, 'a', 'subscription { orderChanged { order { id } } }');
      await subscribed(b, 'b', 'subscription { orderChanged { order { id } } }');
      const ofB = [order(ORG_B), order(ORG_B), order(ORG_B)];
      for (const o of ofB) await publish(ORG_B, 'INSERT', o);
      // An org id carrying subject syntax cannot reach another org's subject.
      await publish('bbbbbbbb-0000-4000-8000-000000000002.*', 'INSERT', order(ORG_B));
      await publish(null, 'INSERT', order(ORG_B));
      const marker = order(ORG_A);
      await publish(ORG_A, 'INSERT', marker);
      await waitFor(() => a.data('a').length >= 1 && b.data('b').length >= 3);
      expect(a.data('a').map((d) => d.orderChanged.order.id)).toEqual([marker.id]);
      expect(b.data('b').map((d) => d.orderChanged.order.id)).toEqual(ofB.map((o) => o.id));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses an anonymous subscriber of a tenant-scoped type with FRAISEQL_UNAUTHENTICATED', async () => {
    const client = await GraphqlWsClient.connect(wsUrl, {});
    try {
      client.subscribe('anon', 'subscription { orderChanged { order { id } } }');
      await waitFor(() => client.errorOf('anon') !== undefined);
      expect(client.errorOf('anon')).toEqual([
        expect.objectContaining({
          message: 'Subscribing to Order is per organization: send credentials that name one.',
          extensions: { code: 'FRAISEQL_UNAUTHENTICATED' },
        }),
      ]);
      expect(client.data('anon')).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('closes a connection whose credentials do not verify with 4401 and the reason', async () => {
    const client = await GraphqlWsClient.connect(wsUrl, { 'x-fraiseql-dev-subject': 'mallory', 'x-fraiseql-dev-org': 'not-an-org' });
    await waitFor(() => client.closed !== undefined);
    expect(client.closed).toEqual({ code: 4401, reason: 'FRAISEQL_UNAUTHENTICATED: The caller\'s org id is not a UUID: "not-an-org"' });
  });

  it('closes a connection that sends a bearer token or API key the gateway cannot verify with 4401, never as anonymous', async () => {
    for (const headers of [{ authorization: 'Bearer not.a.jwt' }, { 'x-api-key': `fqk_0123456789abcdef_${'A'.repeat(43)}` }]) {
      const client = await GraphqlWsClient.connect(wsUrl, headers);
      await waitFor(() => client.closed !== undefined);
      expect(client.closed?.code).toBe(4401);
      expect(client.closed?.reason).toMatch(/^FRAISEQL_UNAUTHENTICATED: /);
    }
  });

  it('refuses an invalid document and a subscription beyond the per-connection limit, with their codes', async () => {
    const client = await GraphqlWsClient.connect(wsUrl, asOrg(ORG_A));
    try {
      client.subscribe('bad', 'subscription { orderChanged { order { nope } } }');
      await waitFor(() => client.errorOf('bad') !== undefined);
      expect(client.errorOf('bad')![0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      for (const id of ['l1', 'l2', 'l3']) await subscribed(client, id, 'subscription { orderChanged { eventId } }');
      client.subscribe('l4', 'subscription { orderChanged { eventId } }');
      await waitFor(() => client.errorOf('l4') !== undefined);
      expect(client.errorOf('l4')).toEqual([
        expect.objectContaining({ extensions: { code: 'FRAISEQL_SUBSCRIPTION_LIMIT_EXCEEDED', limit: 3, scope: 'connection' } }),
      ]);
    } finally {
      await client.close();
    }
  });

  it('deletes the consumer when the client completes the subscription or disconnects', async () => {
    await waitFor(async () => gateway.subscriptionCount() === 0 && (await consumerCount()) === 0);
    const start = 0;
    const client = await GraphqlWsClient.connect(wsUrl, asOrg(ORG_A));
    await subscribed(client, 'u1', 'subscription { orderChanged { eventId } }');
    await subscribed(client, 'u2', 'subscription { orderChanged { eventId } }');
    expect(await consumerCount()).toBe(start + 2);
    client.complete('u1');
    await waitFor(async () => (await consumerCount()) === start + 1);
    await client.close();
    await waitFor(async () => (await consumerCount()) === start && gateway.subscriptionCount() === 0);
  });

  it('disconnects a subscriber that stops reading with FRAISEQL_SUBSCRIBER_TOO_SLOW and 4429, while a fast one keeps receiving', async () => {
    // The slow subscriber reads the (big) notes: the shop masks them for callers without a staff role (ADR 0136).
    const slow = await GraphqlWsClient.connect(wsUrl, { ...asOrg(ORG_A), 'x-fraiseql-dev-roles': 'support' });
    const fast = await GraphqlWsClient.connect(wsUrl, asOrg(ORG_A));
    try {
      await subscribed(slow, 'slow', 'subscription { orderChanged { order { id notes } } }');
      await subscribed(fast, 'fast', 'subscription { orderChanged { order { id } } }');
      // The slow client stops reading: the kernel buffers fill, then the gateway's queue.
      (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const big = 'x'.repeat(128 * 1024);
      const published: string[] = [];
      const disconnects = async () =>
        Number(/^fraiseql_gateway_subscription_slow_disconnects_total (\d+)/m.exec(await registry.metrics())?.[1] ?? 0);
      while ((await disconnects()) === 0) {
        if (published.length >= 600) throw new Error('the slow subscriber was never disconnected');
        const o = order(ORG_A, { notes: big });
        published.push(o.id as string);
        await publish(ORG_A, 'INSERT', o);
      }
      const marker = order(ORG_A);
      published.push(marker.id as string);
      await publish(ORG_A, 'INSERT', marker);
      await waitFor(() => fast.data('fast').length === published.length).catch((e) => {
        throw new Error(
          `${e}: fast got ${fast.data('fast').length} of ${published.length}, slow ${slow.data('slow').length}, closed ${JSON.stringify(slow.closed)}`,
        );
      });
      expect(fast.data('fast').map((d) => d.orderChanged.order.id)).toEqual(published);

      (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
      await waitFor(() => slow.closed !== undefined);
      expect(slow.closed).toEqual({ code: 4429, reason: `FRAISEQL_SUBSCRIBER_TOO_SLOW: more than ${MAX_QUEUE} events queued` });
      expect(slow.errorOf('slow')).toEqual([
        expect.objectContaining({ extensions: { code: 'FRAISEQL_SUBSCRIBER_TOO_SLOW', maxQueue: MAX_QUEUE } }),
      ]);
      // What it did receive is a prefix of what was published, in order.
      const got = slow.data('slow').map((d) => d.orderChanged.order.id);
      expect(got.length).toBeLessThan(published.length);
      expect(got).toEqual(published.slice(0, got.length));
      await waitFor(() => gateway.subscriptionCount() === 1);
    } finally {
      await slow.close();
      await fast.close();
    }
  });
});

describe('jobChanged: the lifecycle of one job over graphql-transport-ws', () => {
  const jobConsumers = async (): Promise<number> => (await jsm.consumers.list(STREAMS.jobs).next()).length;
  let attempt = 0;
  /** Publishes a lifecycle event as the job-runner does. */
  async function step(org: string | null, jobId: string, state: JobState, extra: Partial<JobLifecycleEvent> = {}): Promise<void> {
    const event: JobLifecycleEvent = {
      version: 1,
      job_id: jobId,
      job_type: 'export',
      org_id: org,
      state,
      attempt: ++attempt,
      at: new Date().toISOString(),
      ...extra,
    };
    await js.publish(jobSubject(state, org, 'export'), encodeJobLifecycleEvent(event), { msgID: jobLifecycleMsgId(event) });
  }

  it("follows one job of the caller's org: its own steps only, never another org's job of the same id", async () => {
    const a = await GraphqlWsClient.connect(wsUrl, asOrg(ORG_A));
    try {
      const before = await jobConsumers();
      a.subscribe('j', 'subscription($id: ID!) { jobChanged(id: $id) { id type event attempt progress result errorCode retryAt } }', {
        id: 'report-1',
      });
      await waitFor(async () => (await jobConsumers()) === before + 1 || a.errorOf('j') !== undefined);
      expect(a.errorOf('j')).toBeUndefined();

      await step(ORG_B, 'report-1', 'started'); // same id, another org: never delivered
      await step(ORG_A, 'report-2', 'started'); // another job of the org
      await step(ORG_A, 'report-1', 'started');
      await step(ORG_A, 'report-1', 'progress', { progress: { rows: 500_000, totalRows: 1_000_000 } });
      await step(ORG_A, 'report-1', 'failed', {
        error: { code: 'FRAISEQL_JOB_TIMEOUT', message: 'too slow' },
        retry_at: '2026-12-05T12:00:00.000Z',
      });
      await step(ORG_A, 'report-1', 'succeeded', { result: { rows: 1_000_000, format: 'parquet' } });
      await waitFor(() => a.data('j').length >= 4);
      const changes = a.data('j').map((d) => d.jobChanged);
      expect(changes.map((c) => [c.id, c.event, c.errorCode])).toEqual([
        ['report-1', 'STARTED', null],
        ['report-1', 'PROGRESS', null],
        ['report-1', 'FAILED', 'FRAISEQL_JOB_TIMEOUT'],
        ['report-1', 'SUCCEEDED', null],
      ]);
      expect(changes[1].progress).toEqual({ rows: 500_000, totalRows: 1_000_000 });
      expect(changes[2].retryAt).toBe('2026-12-05T12:00:00.000Z');
      expect(changes[3].result).toEqual({ rows: 1_000_000, format: 'parquet' });
    } finally {
      await a.close();
    }
  });

  it('refuses a subscriber without an org with FRAISEQL_UNAUTHENTICATED', async () => {
    const anonymous = await GraphqlWsClient.connect(wsUrl, {});
    try {
      anonymous.subscribe('j', 'subscription { jobChanged(id: "report-1") { id } }');
      await waitFor(() => anonymous.errorOf('j') !== undefined);
      expect(anonymous.errorOf('j')?.[0]?.extensions?.code).toBe('FRAISEQL_UNAUTHENTICATED');
    } finally {
      await anonymous.close();
    }
  });
});
