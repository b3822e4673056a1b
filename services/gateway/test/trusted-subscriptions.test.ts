import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { encodeEntityEvent } from '@fraiseql/events';
import { documentIdOf, encodeTrustedDocument, RoleQueryLimits } from '@fraiseql/graphql-runtime';
import { eventSubject, openDocumentsBucket, provisionJetStream, STREAMS } from '@fraiseql/nats-contract';
import { DEFAULT_LIMITS } from '@fraiseql/query-planner';
import { createLogger } from '@fraiseql/service-kit';
import { captureLines, GraphqlWsClient, startNatsServer, waitFor, type TestNatsServer } from '@fraiseql/testkit';
import { createGateway, type Gateway } from '../src';

// Subscriptions over WebSocket follow the gateway's trusted-documents mode and per-role limits
// (docs/adr/0134-trusted-documents-and-limits.md): a real gateway, a private nats-server, the shop schema.

const SHOP_SCHEMA = join(__dirname, '..', '..', '..', 'examples', 'shop', 'schema.compiled.json');
const ORG = 'aaaaaaaa-0000-4000-8000-000000000001';
const TRUSTED = 'subscription Statuses { orderChanged { operation order { id status } } }';
const DEEP = 'subscription Deep { orderChanged { order { items { product { sku } } } } }';

let server: TestNatsServer;
let nc: NatsConnection;
let gateway: Gateway;
let wsUrl: string;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
  await provisionJetStream(nc);
  const { destination } = captureLines();
  gateway = await createGateway({
    host: '127.0.0.1',
    port: 0,
    natsUrl: server.url,
    schemaSource: SHOP_SCHEMA,
    cursorSecret: 'trusted-subscriptions-cursor-secret-0123456789',
    limits: DEFAULT_LIMITS,
    requestTimeoutMs: 5000,
    executorLivenessMs: 0,
    maxInFlight: 100,
    bodyLimitBytes: 1_048_576,
    auth: { devAuth: true },
    graphiql: false,
    trustedDocuments: 'strict',
    queryLimits: new RoleQueryLimits({ defaults: { depth: 3, nodes: 1000, cost: 1000 }, roles: { deep: { depth: 10 } } }),
    logger: createLogger({ service: 'gateway', level: 'warn', destination }),
    registry: new Registry(),
  });
  wsUrl = `${gateway.address.replace(/^http/, 'ws')}/graphql`;
});

afterAll(async () => {
  await gateway?.close();
  await nc?.close();
  await server?.dispose();
});

const caller = (roles: string) => ({ 'x-fraiseql-dev-subject': 'sam', 'x-fraiseql-dev-org': ORG, 'x-fraiseql-dev-roles': roles });

async function trust(text: string): Promise<void> {
  const kv = await openDocumentsBucket(nc);
  await kv.put(
    documentIdOf(text),
    encodeTrustedDocument({ document: text, operations: [{ name: null, type: 'subscription' }], pushedAt: new Date().toISOString() }),
  );
}

async function publishOrder(): Promise<string> {
  const id = randomUUID();
  const event = {
    event_id: randomUUID(),
    seq: 1,
    event_type: 'INSERT',
    entity_type: 'Order',
    entity_id: id,
    org_id: ORG,
    user_id: null,
    timestamp: '2024-03-01T09:05:00.123456Z',
    data: { id, status: 'PENDING', items: [] },
    before: null,
    changed_fields: [],
    schema_version: null,
  };
  await nc.jetstream().publish(eventSubject(ORG, 'Order', 'INSERT'), encodeEntityEvent(event), { msgID: event.event_id });
  return id;
}

async function consumerCount(): Promise<number> {
  return (await (await nc.jetstreamManager()).consumers.list(STREAMS.events).next()).length;
}

/** Subscribes and waits until the gateway either opened the feed (a JetStream consumer) or refused it. */
async function subscribe(client: GraphqlWsClient, id: string, query: string): Promise<'open' | 'refused'> {
  const before = await consumerCount();
  client.subscribe(id, query);
  await waitFor(async () => client.errorOf(id) !== undefined || (await consumerCount()) > before);
  return client.errorOf(id) === undefined ? 'open' : 'refused';
}

describe('subscriptions under strict trusted documents and per-role limits', () => {
  it('refuses a subscription whose text is not registered, and serves it once it is pushed (no restart)', async () => {
    const client = await GraphqlWsClient.connect(wsUrl, caller('staff'));
    try {
      expect(await subscribe(client, 'before', TRUSTED)).toBe('refused');
      expect(client.errorOf('before')).toEqual([expect.objectContaining({ extensions: { code: 'FRAISEQL_DOCUMENT_NOT_TRUSTED' } })]);

      await trust(TRUSTED);
      // The gateway's KV watch takes the pushed document in without a restart.
      let attempt = 0;
      await waitFor(async () => (await subscribe(client, `after-${++attempt}`, TRUSTED)) === 'open');
      const id = await publishOrder();
      await waitFor(() => client.data(`after-${attempt}`).length > 0);
      expect(client.data(`after-${attempt}`)).toEqual([{ orderChanged: { operation: 'INSERT', order: { id, status: 'PENDING' } } }]);
    } finally {
      client.socket.close();
    }
  });

  it("refuses a subscription deeper than the caller's role allows, and opens it for a role with a deeper limit", async () => {
    await trust(DEEP);
    const shallow = await GraphqlWsClient.connect(wsUrl, caller('staff'));
    const deep = await GraphqlWsClient.connect(wsUrl, caller('staff,deep'));
    try {
      let attempt = 0;
      await waitFor(async () => (await subscribe(deep, `deep-${++attempt}`, DEEP)) === 'open');
      expect(await subscribe(shallow, 'shallow', DEEP)).toBe('refused');
      expect(shallow.errorOf('shallow')).toEqual([
        expect.objectContaining({ extensions: { code: 'FRAISEQL_DEPTH_LIMIT_EXCEEDED', depth: 5, maxDepth: 3 } }),
      ]);
      await publishOrder();
      await waitFor(() => deep.data(`deep-${attempt}`).length > 0);
      expect(deep.data(`deep-${attempt}`)).toEqual([{ orderChanged: { order: { items: [] } } }]);
    } finally {
      shallow.socket.close();
      deep.socket.close();
    }
  });
});
