import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Gateway } from '@fraiseql/gateway';
import type { QueryExecutor } from '@fraiseql/query-executor';
import { DEMO_ORG_IDS, migrateShop, seedShop } from '@fraiseql/shop';
import { createTestDatabase, startNatsServer, waitFor, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { graphql, jwtFor, startExecutor, startGateway, type HttpResult } from './fixtures/services-in-process';
import { sql } from './fixtures/sql';

// The cross-tenant attack suite, GraphQL paths (docs/security.md, "Tenancy"): an admin of org 1 (every role the shop
// knows) tries to read, page into, change, replay or administer what belongs to org 2, through the real gateway and
// query-executor. Every answer is kept; at the end none may contain an id of org 2's rows or org 2's canary text.
// Flight paths: services/flight-server/test/cross-tenant.test.ts. Jobs and export downloads: test/e2e/jobs.e2e.test.ts
// ("tenancy"); search: test/e2e/search.e2e.test.ts; subscriptions: services/gateway/test/subscriptions.test.ts.

const SHOP_SCHEMA = join(__dirname, '../../examples/shop/schema.compiled.json');
const [ATTACKER_ORG, VICTIM_ORG] = DEMO_ORG_IDS;
const CANARY = `canary-${randomUUID()}`;
const RESULT = `__typename ... on MutationError { errorClass message }`;

describe('cross-tenant attacks on the GraphQL paths: org 1 against org 2 (real gateway, executor, PostgreSQL)', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let executor: QueryExecutor;
  let gateway: Gateway;
  let attacker: string;
  let victim: string;
  const victimIds: string[] = [];
  let victimOrder: string;
  let victimUser: string;
  let victimProduct: string;
  /** Every answer the attacker got. */
  const seen: string[] = [];

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('wt_xtenant_gql')]);
    await migrateShop({ connectionString: db.url });
    await seedShop({ connectionString: db.url, orders: 200 });
    executor = await startExecutor(
      { nats, db },
      { schemaSource: SHOP_SCHEMA, jetStream: {}, observerRules: { enabled: true, fullSyncIntervalMs: 60_000 } },
    );
    gateway = (await startGateway({ nats, db }, { schemaSource: SHOP_SCHEMA, apiKeys: true })).gateway;
    const everyRole = ['admin', 'staff', 'catalog', 'reader', 'exporter', 'observers:admin', 'dlq:admin', 'apikeys:admin', 'search'];
    attacker = await jwtFor({ sub: 'attacker', org_id: ATTACKER_ORG, roles: everyRole });
    victim = await jwtFor({ sub: 'victim', org_id: VICTIM_ORG, roles: everyRole });
    // The victim's rows, and a canary in one of its orders.
    for (const table of ['tb_order', 'tb_user', 'tb_product']) {
      const rows = await sql<{ id: string }>(db.url, `SELECT id::text FROM ${table} WHERE org_id = $1`, [VICTIM_ORG]);
      victimIds.push(...rows.map((r) => r.id));
    }
    [victimOrder, victimUser, victimProduct] = await Promise.all(
      ['tb_order', 'tb_user', 'tb_product'].map(
        async (t) => (await sql<{ id: string }>(db.url, `SELECT id::text FROM ${t} WHERE org_id = $1 LIMIT 1`, [VICTIM_ORG]))[0]!.id,
      ),
    );
    await sql(db.url, `UPDATE tb_order SET notes = $2 WHERE id = $1`, [victimOrder, CANARY]);
    expect(victimIds.length).toBeGreaterThan(100);
  }, 120_000);
  afterAll(async () => {
    await gateway?.close();
    await executor?.close();
    await nats?.dispose();
    await db?.drop();
  });

  async function asAttacker(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<HttpResult> {
    const result = await graphql(gateway, { query, ...(variables ? { variables } : {}) }, { token: attacker, headers });
    seen.push(result.text);
    return result;
  }

  it('reads nothing of org 2 by id, by filter, or by any list query', async () => {
    const lookups = await asAttacker(
      `query($o: ID!, $u: ID!, $p: ID!) { order(id: $o) { id notes } user(id: $u) { id email } product(id: $p) { id sku } }`,
      { o: victimOrder, u: victimUser, p: victimProduct },
    );
    expect(lookups.body.data).toEqual({ order: null, user: null, product: null });
    const filtered = await asAttacker(`query($ids: [ID!]!) { orders(where: { id: { in: $ids } }, limit: 500) { id } }`, {
      ids: victimIds.slice(0, 400),
    });
    expect(filtered.body.data.orders).toEqual([]);
    const byCanary = await asAttacker(`query($c: String!) { orders(where: { notes: { eq: $c } }) { id } }`, { c: CANARY });
    expect(byCanary.body.data.orders).toEqual([]);
    const lists = await asAttacker(
      `{ orders(limit: 500) { id customer { id } items { id product { id } } } users(limit: 500) { id } products(limit: 500) { id } }`,
    );
    expect(lists.body.errors).toBeUndefined();
    expect(lists.body.data.orders.length).toBeGreaterThan(0);
  });

  it("cannot page into org 2 with org 2's connection cursor", async () => {
    const victimPage = await graphql(
      gateway,
      { query: `{ ordersConnection(first: 5) { pageInfo { endCursor } edges { node { id } } } }` },
      { token: victim },
    );
    const cursor = victimPage.body.data.ordersConnection.pageInfo.endCursor as string;
    const replayed = await asAttacker(`query($after: String!) { ordersConnection(first: 50, after: $after) { edges { node { id } } } }`, {
      after: cursor,
    });
    if (replayed.body.errors) expect(replayed.body.errors[0]!.extensions.code).toMatch(/^FRAISEQL_(INVALID|STALE)_CURSOR$/);
  });

  it("changes none of org 2's rows: status, cancellation, product, and an order built from org 2's customer and product", async () => {
    const before = await sql<{ row: string }>(db.url, `SELECT to_jsonb(o)::text AS row FROM tb_order o WHERE id = $1`, [victimOrder]);
    const update = await asAttacker(`mutation($id: ID!) { updateOrderStatus(input: { id: $id, status: SHIPPED }) { ${RESULT} } }`, {
      id: victimOrder,
    });
    expect(update.body.data.updateOrderStatus).toMatchObject({ __typename: 'MutationError', errorClass: 'NOT_FOUND' });
    const cancel = await asAttacker(`mutation($id: ID!) { cancelOrder(input: { id: $id, reason: "x" }) { ${RESULT} } }`, {
      id: victimOrder,
    });
    expect(cancel.body.data.cancelOrder).toMatchObject({ __typename: 'MutationError', errorClass: 'NOT_FOUND' });
    const product = await asAttacker(`mutation($id: ID!) { updateProduct(input: { id: $id, name: "pwned" }) { ${RESULT} } }`, {
      id: victimProduct,
    });
    expect(product.body.data.updateProduct).toMatchObject({ __typename: 'MutationError' });
    const ordersBefore = await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM tb_order`);
    const created = await asAttacker(`mutation($input: CreateOrderInput!) { createOrder(input: $input) { ${RESULT} } }`, {
      input: {
        customerId: victimUser,
        items: [{ productId: victimProduct, quantity: 1 }],
        shippingAddress: { street: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
        currency: 'EUR',
      },
    });
    expect(created.body.data.createOrder.__typename).toBe('MutationError');
    expect((await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM tb_order`))[0]!.n).toBe(ordersBefore[0]!.n);
    const after = await sql<{ row: string }>(db.url, `SELECT to_jsonb(o)::text AS row FROM tb_order o WHERE id = $1`, [victimOrder]);
    expect(after).toEqual(before);
    expect((await sql<{ name: string }>(db.url, `SELECT name FROM tb_product WHERE id = $1`, [victimProduct]))[0]!.name).not.toBe('pwned');
  });

  it("never replays org 2's mutation answer for the same Idempotency-Key", async () => {
    const key = `shared-key-${randomUUID()}`;
    const pending = (
      await sql<{ id: string }>(db.url, `SELECT id::text FROM tb_order WHERE org_id = $1 AND status = 'PENDING' LIMIT 1`, [VICTIM_ORG])
    )[0]!.id;
    const doc = `mutation($id: ID!) { updateOrderStatus(input: { id: $id, status: PAID }) { ${RESULT} ... on UpdateOrderStatusSuccess { order { id } } } }`;
    const victimAnswer = await graphql(
      gateway,
      { query: doc, variables: { id: pending } },
      { token: victim, headers: { 'idempotency-key': key } },
    );
    expect(victimAnswer.body.data.updateOrderStatus.order.id).toBe(pending);
    const replay = await asAttacker(doc, { id: pending }, { 'idempotency-key': key });
    expect(replay.body.data.updateOrderStatus).toMatchObject({ __typename: 'MutationError', errorClass: 'NOT_FOUND' });
    // The key is the attacker's own from now on, beside the victim's: one record per org.
    const records = await sql<{ org_id: string }>(
      db.url,
      `SELECT org_id::text FROM fraiseql.tb_idempotency_key WHERE key = $1 ORDER BY org_id`,
      [key],
    );
    expect(records.map((r) => r.org_id).sort()).toEqual([ATTACKER_ORG, VICTIM_ORG].sort());
  });

  it("neither lists, changes nor deletes org 2's observer rules", async () => {
    const created = await graphql(
      gateway,
      {
        query: `mutation($input: CreateObserverInput!) { createObserver(input: $input) { __typename ... on CreateObserverSuccess { observer { id } } } }`,
        variables: {
          input: {
            name: 'victimHook',
            rule: {
              entityType: 'Order',
              eventTypes: ['INSERT'],
              actions: [{ type: 'webhook', url: `https://hooks.example.test/${CANARY}` }],
            },
          },
        },
      },
      { token: victim },
    );
    const ruleId = created.body.data.createObserver.observer.id as string;
    victimIds.push(ruleId);
    const listed = await asAttacker(`{ observers { id name } }`);
    expect(listed.body.errors).toBeUndefined();
    expect(listed.text).not.toContain('victimHook');
    const update = await asAttacker(`mutation($id: UUID!) { updateObserver(input: { id: $id, enabled: false }) { __typename } }`, {
      id: ruleId,
    });
    const remove = await asAttacker(`mutation($id: UUID!) { deleteObserver(input: { id: $id }) { __typename } }`, { id: ruleId });
    for (const answer of [update, remove]) expect(answer.text).not.toContain('Success');
    const rows = await sql<{ enabled: boolean }>(db.url, `SELECT enabled FROM fraiseql.tb_observer WHERE id = $1`, [ruleId]);
    expect(rows).toEqual([{ enabled: true }]);
  });

  it("neither sees nor revokes org 2's API keys, nor uses org 2's key as org 1", async () => {
    const created = await graphql(
      gateway,
      { query: `mutation { createApiKey(input: { name: "victim etl", roles: ["reader"] }) { key apiKey { id } } }` },
      { token: victim },
    );
    const { key, apiKey } = created.body.data.createApiKey as { key: string; apiKey: { id: string } };
    victimIds.push(apiKey.id);
    const listed = await asAttacker(`{ apiKeys(includeInactive: true) { id } }`);
    expect(listed.body.errors).toBeUndefined();
    const revoke = await asAttacker(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: apiKey.id });
    expect(revoke.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_API_KEY_NOT_FOUND');
    // The victim's key, sent with the attacker's org: refused, not re-scoped.
    await waitFor(
      async () => (await graphql(gateway, { query: '{ orders(limit: 1) { id } }' }, { headers: { 'x-api-key': key } })).status === 200,
      10_000,
    );
    const switched = await graphql(
      gateway,
      { query: '{ orders(limit: 1) { id } }' },
      { headers: { 'x-api-key': key, 'x-fraiseql-org': ATTACKER_ORG } },
    );
    expect(switched.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_FORBIDDEN');
  });

  it("cannot name org 2 in x-fraiseql-org with org 1's token", async () => {
    const switched = await asAttacker(`{ orders(limit: 5) { id } }`, undefined, { 'x-fraiseql-org': VICTIM_ORG });
    expect(switched.status).toBe(403);
    expect(switched.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_FORBIDDEN');
  });

  it('leaked nothing: no answer the attacker got holds an id of org 2 or its canary', () => {
    expect(seen.length).toBeGreaterThan(10);
    const all = seen.join('\n');
    expect(all).not.toContain(CANARY);
    const leaked = victimIds.filter((id) => all.includes(id));
    expect(leaked).toEqual([]);
  });
});
