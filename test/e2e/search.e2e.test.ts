import { join } from 'node:path';
import type { Gateway } from '@fraiseql/gateway';
import type { QueryExecutor } from '@fraiseql/query-executor';
import { createLogger } from '@fraiseql/service-kit';
import { DEMO_ORG_IDS, migrateShop, parseScale, seedShop } from '@fraiseql/shop';
import { createSink, type Sink } from '@fraiseql/sink';
import { createTestDatabase, startNatsServer, waitFor, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { Registry } from 'prom-client';
import { graphql, jwtFor, startExecutor, startGateway } from './fixtures/services-in-process';
import { sql } from './fixtures/sql';

// Operational search end to end (issue 11): a mutation over HTTP → capture → the executor's relay → JetStream →
// the sink's search dataplane (PostgreSQL full-text) → `searchEvents` / `searchEntities` over HTTP, answered by the
// sink through the executor, scoped to the caller's org and gated by role.

const SHOP_SCHEMA = join(__dirname, '../../examples/shop/schema.compiled.json');
const [ORG_1, ORG_2] = DEMO_ORG_IDS;
const UPDATE_STATUS = `mutation($input: UpdateOrderStatusInput!) { updateOrderStatus(input: $input) {
  __typename ... on UpdateOrderStatusSuccess { order { id status } } ... on MutationError { errorClass message } } }`;
const SEARCH = `query($q: String!, $type: String) {
  searchEvents(query: $q, entityType: $type, first: 20) { hits { eventId entityType entityId eventType highlights data } hasNextPage }
}`;

describe('search over HTTP: mutation → relay → JetStream → sink (PostgreSQL search) → searchEvents', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let executor: QueryExecutor;
  let gateway: Gateway;
  let sink: Sink;

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('fraiseql_e2e_search')]);
    await migrateShop({ connectionString: db.url });
    await seedShop({ connectionString: db.url, orders: parseScale('1k') });
    executor = await startExecutor(
      { nats, db },
      {
        schemaSource: SHOP_SCHEMA,
        relay: { enabled: true, batchSize: 100, maxInFlight: 200, pollIntervalMs: 500, publishTimeoutMs: 5000, retentionMs: 86_400_000 },
        jetStream: {},
      },
    );
    gateway = (await startGateway({ nats, db }, { schemaSource: SHOP_SCHEMA })).gateway;
    sink = await createSink({
      natsUrl: nats.url,
      dataplanes: ['search'],
      clickhouse: { database: 'fraiseql', path: 'unused', retentionDays: 90, batch: { maxRows: 1000, maxBytes: 1 << 22, maxDelayMs: 50 } },
      search: {
        postgres: { connectionString: db.url, poolMax: 2, schema: 'fraiseql_search', textSearchConfig: 'simple' },
        batch: { maxRows: 100, maxBytes: 1 << 22, maxDelayMs: 50 },
      },
      logger: createLogger({ service: 'sink', level: 'silent' }),
      registry: new Registry(),
    });
  });

  afterAll(async () => {
    await sink?.close();
    await gateway?.close();
    await executor?.close();
    await nats?.dispose();
    await db?.drop();
  });

  it("finds an order by the words of its change, in the caller's org only, for the search roles only", async () => {
    const admin = await jwtFor({ sub: 'e2e-admin', org_id: ORG_1, roles: ['admin'] });
    const analyst2 = await jwtFor({ sub: 'e2e-analyst-2', org_id: ORG_2, roles: ['search'] });
    const reader = await jwtFor({ sub: 'e2e-reader', org_id: ORG_1, roles: ['reader'] });

    const listed = await graphql(gateway, { query: '{ orders(limit: 1, where: { status: { eq: PAID } }) { id } }' }, { token: admin });
    const orderId = (listed.body.data as { orders: { id: string }[] }).orders[0]!.id;
    // A note only support, staff and admin may read (the shop's rule on Order.notes), carried by the events below.
    await sql(db.url, `UPDATE tb_order SET notes = 'ring the bell twice' WHERE id = $1`, [orderId]);
    const shipped = await graphql(
      gateway,
      { query: UPDATE_STATUS, variables: { input: { id: orderId, status: 'SHIPPED' } } },
      { token: admin },
    );
    expect(shipped.body.data).toMatchObject({ updateOrderStatus: { __typename: 'UpdateOrderStatusSuccess' } });

    type Hit = { entityType: string; entityId: string; eventType: string; highlights: string[]; data: { status?: string } };
    let hits: Hit[] = [];
    await waitFor(async () => {
      const found = await graphql(gateway, { query: SEARCH, variables: { q: 'shipped', type: 'Order' } }, { token: admin });
      if (found.body.errors) throw new Error(JSON.stringify(found.body.errors));
      hits = (found.body.data as { searchEvents: { hits: Hit[] } }).searchEvents.hits;
      return hits.some((h) => h.entityId === orderId);
    }, 30_000);
    const hit = hits.find((h) => h.entityId === orderId)!;
    expect(hit).toMatchObject({ entityType: 'Order', data: { status: 'SHIPPED' } });
    expect(hit.highlights.join(' ')).toMatch(/<em>SHIPPED<\/em>/i);

    // Another org's analyst finds nothing of org 1; a member without a search role is refused.
    const other = await graphql(gateway, { query: SEARCH, variables: { q: 'shipped' } }, { token: analyst2 });
    expect(other.body.errors).toBeUndefined();
    expect((other.body.data as { searchEvents: { hits: Hit[] } }).searchEvents.hits.some((h) => h.entityId === orderId)).toBe(false);
    const refused = await graphql(gateway, { query: SEARCH, variables: { q: 'shipped' } }, { token: reader });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FRAISEQL_FORBIDDEN');

    // The entity's latest state is findable too.
    const entities = await graphql(
      gateway,
      { query: `{ searchEntities(query: "shipped", entityType: "Order", first: 50) { hits { entityId deleted data } } }` },
      { token: admin },
    );
    const states = (entities.body.data as { searchEntities: { hits: { entityId: string; deleted: boolean }[] } }).searchEntities.hits;
    expect(states.find((s) => s.entityId === orderId)).toMatchObject({ deleted: false });

    // The read rules apply to hits (docs/security.md): Order.notes is masked without support, staff or admin, so a
    // searcher holding only `search` gets the hit with notes null and no highlights (a fragment may quote the notes).
    const searcher = await jwtFor({ sub: 'e2e-searcher', org_id: ORG_1, roles: ['search'] });
    type NotedHit = { entityId: string; highlights: string[]; data: { notes?: unknown; status?: string } };
    const ofHits = (body: unknown) => (body as { data: { searchEvents: { hits: NotedHit[] } } }).data.searchEvents.hits;
    const asSearcher = ofHits(
      (await graphql(gateway, { query: SEARCH, variables: { q: 'shipped', type: 'Order' } }, { token: searcher })).body,
    );
    const asAdmin = ofHits((await graphql(gateway, { query: SEARCH, variables: { q: 'shipped', type: 'Order' } }, { token: admin })).body);
    const masked = asSearcher.find((h) => h.entityId === orderId)!;
    expect(masked.data).toMatchObject({ status: 'SHIPPED', notes: null });
    expect(masked.highlights).toEqual([]);
    expect(asAdmin.find((h) => h.entityId === orderId)!.data.notes).toBe('ring the bell twice');
    expect(JSON.stringify(asSearcher)).not.toContain('ring the bell');
  }, 60_000);
});
