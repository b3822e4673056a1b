import { join } from 'node:path';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import type { Gateway } from '@fraiseql/gateway';
import { STREAMS } from '@fraiseql/nats-contract';
import type { QueryExecutor } from '@fraiseql/query-executor';
import { DEMO_ORG_IDS, migrateShop, parseScale, seedShop } from '@fraiseql/shop';
import { createTestDatabase, GraphqlWsClient, startNatsServer, waitFor, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { sql } from './fixtures/sql';
import { graphql, jwtFor, startExecutor, startGateway } from './fixtures/services-in-process';

// The change stream end to end (docs/adr/0080–0083): a write (mutation over HTTP, or plain SQL)
// → capture triggers → fraiseql.tb_entity_change_log → the executor's relay → JetStream
// FRAISEQL_EVENTS → the gateway's org-scoped consumer → where filter → projection → WebSocket.

const SHOP_SCHEMA = join(__dirname, '../../examples/shop/schema.compiled.json');
const [ORG_1, ORG_2] = DEMO_ORG_IDS;
const WAIT_MS = 15_000;

const SHIPPED_ORDERS = `subscription {
  orderChanged(where: { status: { eq: SHIPPED } }) { operation eventId changedFields order { id status total customer { email } } }
}`;
const ALL_ORDERS = 'subscription { orderChanged { operation eventId order { id status } } }';
const UPDATE_STATUS = `mutation($input: UpdateOrderStatusInput!) { updateOrderStatus(input: $input) {
  __typename ... on UpdateOrderStatusSuccess { message order { id status } } ... on MutationError { errorClass message } } }`;

interface ChangeLogRow {
  event_id: string;
  event_type: string;
  org_id: string;
  published: boolean;
}

describe('the change stream: writes in PostgreSQL → relay → JetStream → GraphQL subscriptions over WebSocket', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let executor: QueryExecutor;
  let gateway: Gateway;
  let wsUrl: string;
  let token: { admin: string; reader: string; readerOrg2: string };
  const clients: GraphqlWsClient[] = [];
  /** Orders handed out once each, so no test sees another test's order. */
  const taken = new Set<string>();

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('fraiseql_e2e_change_stream')]);
    await migrateShop({ connectionString: db.url });
    // The seed turns capture off: the change log starts empty.
    await seedShop({ connectionString: db.url, orders: parseScale('1k') });
    executor = await startExecutor(
      { nats, db },
      {
        schemaSource: SHOP_SCHEMA,
        // The relay wakes on NOTIFY; the poll is only its fallback.
        relay: { enabled: true, batchSize: 100, maxInFlight: 200, pollIntervalMs: 500, publishTimeoutMs: 5000, retentionMs: 86_400_000 },
        jetStream: {},
      },
    );
    gateway = (await startGateway({ nats, db }, { schemaSource: SHOP_SCHEMA })).gateway;
    wsUrl = `${gateway.address.replace(/^http/, 'ws')}/graphql`;
    nc = await connect({ servers: nats.url });
    jsm = await nc.jetstreamManager();
    token = {
      admin: await jwtFor({ sub: 'e2e-admin', org_id: ORG_1, roles: ['admin'] }),
      reader: await jwtFor({ sub: 'e2e-reader', org_id: ORG_1, roles: ['reader'] }),
      readerOrg2: await jwtFor({ sub: 'e2e-reader-2', org_id: ORG_2, roles: ['reader'] }),
    };
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    // Every subscription's consumer goes with its socket.
    await waitFor(async () => (await consumerCount()) === 0 && gateway.subscriptionCount() === 0, WAIT_MS).catch(() => {
      throw new Error('subscriptions or their JetStream consumers outlived their sockets');
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await executor?.close();
    await nc?.close();
    await nats?.dispose();
    await db?.drop();
  });

  async function consumerCount(): Promise<number> {
    return (await jsm.consumers.list(STREAMS.events).next()).length;
  }

  /** A WebSocket client of the gateway, signed in with `jwt`; closed after the test. */
  async function subscriber(jwt: string): Promise<GraphqlWsClient> {
    const client = await GraphqlWsClient.connect(wsUrl, { authorization: `Bearer ${jwt}` });
    clients.push(client);
    if (!client.acknowledged) throw new Error(`the gateway refused the connection: ${JSON.stringify(client.closed)}`);
    return client;
  }

  /** Subscribes and waits until the subscription's consumer exists: events from then on are delivered (deliver new). */
  async function subscribed(client: GraphqlWsClient, id: string, query: string): Promise<void> {
    const before = await consumerCount();
    client.subscribe(id, query);
    await waitFor(async () => (await consumerCount()) > before || client.errorOf(id) !== undefined, WAIT_MS).catch(() => {
      throw new Error(`subscription ${id} got no JetStream consumer`);
    });
    if (client.errorOf(id)) throw new Error(`subscription ${id} was refused: ${JSON.stringify(client.errorOf(id))}`);
  }

  /** An order of the org in `status` no other test used. */
  async function orderIn(org: string, status: string): Promise<string> {
    const rows = await sql<{ id: string }>(db.url, 'SELECT id FROM tb_order WHERE org_id = $1 AND status = $2 ORDER BY id', [org, status]);
    const id = rows.map((r) => r.id).find((candidate) => !taken.has(candidate));
    if (!id) throw new Error(`the seed has no unused ${status} order of org ${org}`);
    taken.add(id);
    return id;
  }

  const changeLogOf = (orderId: string): Promise<ChangeLogRow[]> =>
    sql<ChangeLogRow>(
      db.url,
      `SELECT event_id::text, event_type, org_id::text, published_at IS NOT NULL AS published
       FROM fraiseql.tb_entity_change_log WHERE entity_type = 'Order' AND entity_id = $1 ORDER BY seq`,
      [orderId],
    );

  /** Waits until the relay marked every change-log row published (it marks after JetStream acknowledged). */
  async function relayed(): Promise<void> {
    await waitFor(
      async () =>
        (await sql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM fraiseql.tb_entity_change_log WHERE published_at IS NULL'))[0]!
          .n === 0,
      WAIT_MS,
    ).catch(() => {
      throw new Error('the relay left change-log rows unpublished');
    });
  }

  const shipOverHttp = async (orderId: string, jwt: string): Promise<void> => {
    const result = await graphql(
      gateway,
      { query: UPDATE_STATUS, variables: { input: { id: orderId, status: 'SHIPPED' } } },
      { token: jwt },
    );
    expect(result.body).toEqual({
      data: {
        updateOrderStatus: {
          __typename: 'UpdateOrderStatusSuccess',
          message: 'Order is now SHIPPED',
          order: { id: orderId, status: 'SHIPPED' },
        },
      },
    });
  };
  const setStatusInSql = (orderId: string, status: string): Promise<unknown> =>
    sql(db.url, 'UPDATE tb_order SET status = $2 WHERE id = $1', [orderId, status]);

  it('delivers a mutation PAID → SHIPPED exactly once to a subscriber of SHIPPED orders: the change-log event, projected like a query of the order', async () => {
    const client = await subscriber(token.reader);
    await subscribed(client, 'shipped', SHIPPED_ORDERS);
    const id = await orderIn(ORG_1, 'PAID');
    const marker = await orderIn(ORG_1, 'PAID');

    await shipOverHttp(id, token.admin);
    // A later matching change: once it arrived, anything the mutation caused arrived before it.
    await setStatusInSql(marker, 'SHIPPED');
    const received = await client.waitForData('shipped', 2, WAIT_MS);

    expect(received.map((d) => d.orderChanged.order.id)).toEqual([id, marker]);
    const event = received[0].orderChanged;
    expect(event.operation).toBe('UPDATE');
    expect(event.changedFields).toContain('status');
    const lookup = await graphql(
      gateway,
      { query: 'query($id: ID!) { order(id: $id) { id status total customer { email } } }', variables: { id } },
      { token: token.reader },
    );
    expect(lookup.body.errors).toBeUndefined();
    expect(lookup.body.data.order.status).toBe('SHIPPED');
    expect(event.order).toEqual(lookup.body.data.order);

    // The event is the change-log row of that transaction, and the relay marked it published.
    await relayed();
    expect(await changeLogOf(id)).toEqual([{ event_id: event.eventId, event_type: 'UPDATE', org_id: ORG_1, published: true }]);
    expect(client.data('shipped')).toHaveLength(2);
  });

  it('delivers a plain SQL UPDATE that bypasses mutations, and filters out one that does not match the where', async () => {
    const client = await subscriber(token.reader);
    await subscribed(client, 'shipped', SHIPPED_ORDERS);
    const shippedInSql = await orderIn(ORG_1, 'PAID');
    const delivered = await orderIn(ORG_1, 'PAID');
    const marker = await orderIn(ORG_1, 'PENDING');

    await setStatusInSql(shippedInSql, 'SHIPPED');
    await setStatusInSql(delivered, 'DELIVERED'); // an UPDATE event too, but status is not SHIPPED
    await setStatusInSql(marker, 'SHIPPED');
    const received = await client.waitForData('shipped', 2, WAIT_MS);
    await relayed();

    // The non-matching change was relayed (it has its published event) and not delivered.
    expect(await changeLogOf(delivered)).toEqual([expect.objectContaining({ event_type: 'UPDATE', published: true })]);
    expect(received.map((d) => [d.orderChanged.operation, d.orderChanged.order.id, d.orderChanged.order.status])).toEqual([
      ['UPDATE', shippedInSql, 'SHIPPED'],
      ['UPDATE', marker, 'SHIPPED'],
    ]);
    for (const d of received) {
      expect(d.orderChanged.changedFields).toContain('status');
      expect((await changeLogOf(d.orderChanged.order.id)).map((r) => r.event_id)).toEqual([d.orderChanged.eventId]);
    }
    expect(client.data('shipped')).toHaveLength(2);
  });

  it("keeps organizations apart end to end: org 2 receives none of org 1's changes, and its own change arrives", async () => {
    const org1 = await subscriber(token.reader);
    const org2 = await subscriber(token.readerOrg2);
    await subscribed(org1, 'org1', ALL_ORDERS);
    // Unfiltered: any org-1 event reaching this subscriber would show.
    await subscribed(org2, 'org2', ALL_ORDERS);
    const byMutation = await orderIn(ORG_1, 'PAID');
    const bySql = await orderIn(ORG_1, 'PAID');
    const notShipped = await orderIn(ORG_1, 'PAID');
    const ofOrg2 = await orderIn(ORG_2, 'PAID');

    await shipOverHttp(byMutation, token.admin);
    await setStatusInSql(bySql, 'SHIPPED');
    await setStatusInSql(notShipped, 'DELIVERED');
    const org1Received = await org1.waitForData('org1', 3, WAIT_MS);
    expect(org1Received.map((d) => d.orderChanged.order.id)).toEqual([byMutation, bySql, notShipped]);
    // Org 1's events are in the stream before org 2's change is even written.
    await relayed();

    await setStatusInSql(ofOrg2, 'SHIPPED');
    const org2Received = await org2.waitForData('org2', 1, WAIT_MS);
    await relayed();

    const [row] = await changeLogOf(ofOrg2);
    expect(row).toMatchObject({ org_id: ORG_2, published: true });
    expect(org2Received).toEqual([
      { orderChanged: { operation: 'UPDATE', eventId: row!.event_id, order: { id: ofOrg2, status: 'SHIPPED' } } },
    ]);
    expect(org1.data('org1')).toHaveLength(3);
  });
});
