import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import type { Gateway } from '@fraiseql/gateway';
import { decodeObserverRuleEntry, observerRuleKey, openObserversBucket } from '@fraiseql/nats-contract';
import type { QueryExecutor } from '@fraiseql/query-executor';
import { DEMO_ORG_IDS, migrateShop } from '@fraiseql/shop';
import { createTestDatabase, startNatsServer, waitFor, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { sql } from './fixtures/sql';
import { GRAPHQL_RESPONSE, graphql, jwtFor, startExecutor, startGateway } from './fixtures/services-in-process';

// Run-time observer rules over real HTTP (docs/adr/0104-admin-observer-api.md): gateway (JWT) →
// fraiseql.v1.mutation / query → executor (rule validated against the active schema) →
// fraiseql.fn_*_observer → the KV mirror FRAISEQL_OBSERVERS that observer-workers watch.

const SHOP_SCHEMA = join(__dirname, '../../examples/shop/schema.compiled.json');
const [ORG_1, ORG_2] = DEMO_ORG_IDS;
const CREATE = `mutation($input: CreateObserverInput!) { createObserver(input: $input) {
  __typename ... on MutationError { errorClass message } ... on CreateObserverSuccess { observer { id name version entityType eventTypes } } } }`;
const DELETE = `mutation($input: DeleteObserverInput!) { deleteObserver(input: $input) { __typename } }`;
const LIST = `{ observers { name enabled entityType rule } }`;
const RULE = {
  entityType: 'Order',
  eventTypes: ['UPDATE'],
  condition: "changed_to('status', 'SHIPPED')",
  actions: [{ type: 'webhook', url: 'https://fulfilment.example.test/orders/{{ entity_id }}' }],
};

describe('admin observer rules over HTTP: gateway → NATS → query-executor → PostgreSQL → FRAISEQL_OBSERVERS', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let executor: QueryExecutor;
  let gateway: Gateway;
  let nc: NatsConnection;
  let token: { admin: string; reader: string; adminOrg2: string };

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('wt_admin_observers_e2e')]);
    await migrateShop({ connectionString: db.url });
    executor = await startExecutor(
      { nats, db },
      { schemaSource: SHOP_SCHEMA, observerRules: { enabled: true, fullSyncIntervalMs: 60_000 } },
    );
    gateway = (await startGateway({ nats, db }, { schemaSource: SHOP_SCHEMA })).gateway;
    nc = await connect({ servers: nats.url });
    token = {
      admin: await jwtFor({ sub: 'e2e-admin', org_id: ORG_1, roles: ['admin'] }),
      reader: await jwtFor({ sub: 'e2e-reader', org_id: ORG_1, roles: ['reader'] }),
      adminOrg2: await jwtFor({ sub: 'e2e-admin-2', org_id: ORG_2, roles: ['observers:admin'] }),
    };
  });
  afterAll(async () => {
    await nc?.close();
    await gateway?.close();
    await executor?.close();
    await nats?.dispose();
    await db?.drop();
  });

  it('creates a rule, refuses a bad one with 422 and its field, lists per org and role, and deletes; the KV bucket follows', async () => {
    const created = await graphql(
      gateway,
      { query: CREATE, variables: { input: { name: 'shipped', rule: RULE } } },
      { token: token.admin },
    );
    expect(created.status).toBe(200);
    expect(created.body.data!.createObserver).toMatchObject({
      __typename: 'CreateObserverSuccess',
      observer: { name: 'shipped', version: 1, entityType: 'Order', eventTypes: ['UPDATE'] },
    });
    const kv = await openObserversBucket(nc);
    const key = observerRuleKey(ORG_1, 'shipped');
    await waitFor(async () => (await kv.get(key))?.operation === 'PUT', 5000);
    expect(decodeObserverRuleEntry((await kv.get(key))!.value)).toMatchObject({ orgId: ORG_1, name: 'shipped', version: 1, rule: RULE });

    const refused = await graphql(
      gateway,
      { query: CREATE, variables: { input: { name: 'typo', rule: { ...RULE, condition: "data.stauts == 'SHIPPED'" } } } },
      { token: token.admin, accept: GRAPHQL_RESPONSE },
    );
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ path: ['createObserver'], message: expect.stringContaining('rule.condition: unknown field data.stauts') }),
    ]);
    expect(await sql(db.url, 'SELECT name FROM fraiseql.tb_observer ORDER BY name')).toEqual([{ name: 'shipped' }]);

    expect((await graphql(gateway, { query: LIST }, { token: token.admin })).body).toEqual({
      data: { observers: [{ name: 'shipped', enabled: true, entityType: 'Order', rule: RULE }] },
    });
    expect((await graphql(gateway, { query: LIST }, { token: token.adminOrg2 })).body).toEqual({ data: { observers: [] } });
    const forbidden = await graphql(gateway, { query: LIST }, { token: token.reader, accept: GRAPHQL_RESPONSE });
    expect([forbidden.status, forbidden.body.errors?.[0]?.extensions.code]).toEqual([403, 'FRAISEQL_FORBIDDEN']);

    const id = created.body.data!.createObserver.observer.id as string;
    const deleted = await graphql(gateway, { query: DELETE, variables: { input: { id } } }, { token: token.admin });
    expect(deleted.body.data).toEqual({ deleteObserver: { __typename: 'DeleteObserverSuccess' } });
    await waitFor(async () => (await kv.get(key))?.operation !== 'PUT', 5000);
  });
});
