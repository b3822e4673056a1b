import { join } from 'node:path';
import type { Gateway } from '@fraiseql/gateway';
import type { QueryExecutor } from '@fraiseql/query-executor';
import { DEMO_ORG_IDS, migrateShop, parseScale, seedId, seedShop } from '@fraiseql/shop';
import { createTestDatabase, startNatsServer, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { sql } from './fixtures/sql';
import { graphql, jwtFor, startExecutor, startGateway } from './fixtures/services-in-process';

/** The committed compiled schema of the demo shop, served from a file (not KV) by both services. */
const SHOP_SCHEMA = join(__dirname, '../../examples/shop/schema.compiled.json');
const [ORG_1, ORG_2] = DEMO_ORG_IDS;

interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

describe('the demo shop over HTTP: gateway → NATS → query-executor → PostgreSQL', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let executor: QueryExecutor;
  let gateway: Gateway;
  let tokenOrg1: string;
  let tokenOrg2: string;

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('fraiseql_e2e_shop')]);
    await migrateShop({ connectionString: db.url });
    await seedShop({ connectionString: db.url, orders: parseScale('1k') });
    executor = await startExecutor({ nats, db }, { schemaSource: SHOP_SCHEMA });
    gateway = (await startGateway({ nats, db }, { schemaSource: SHOP_SCHEMA })).gateway;
    tokenOrg1 = await jwtFor({ sub: 'e2e-shopper', org_id: ORG_1, roles: ['reader'] });
    tokenOrg2 = await jwtFor({ sub: 'e2e-shopper', org_id: ORG_2, roles: ['reader'] });
  });
  afterAll(async () => {
    await gateway?.close();
    await executor?.close();
    await nats?.dispose();
    await db?.drop();
  });

  const paidOrderIds = async (orgId: string): Promise<string[]> =>
    (
      await sql<{ id: string }>(db.url, "SELECT id FROM tb_order WHERE org_id = $1 AND status = 'PAID' ORDER BY placed_at DESC, id DESC", [
        orgId,
      ])
    ).map((r) => r.id);

  it('lists the latest PAID orders with their customer and items exactly as the tables hold them', async () => {
    const result = await graphql(
      gateway,
      {
        query: `{ orders(where: { status: { eq: PAID } }, orderBy: [{ field: placedAt, direction: DESC }], limit: 20) {
        id status total customer { email } items { quantity product { sku } } } }`,
      },
      { token: tokenOrg1 },
    );

    const rows = await sql<{ id: string; status: string; total: string; email: string; items: Array<{ quantity: number; sku: string }> }>(
      db.url,
      `
      SELECT o.id, o.status, o.total, u.email,
             (SELECT coalesce(json_agg(json_build_object('quantity', i.quantity, 'sku', p.sku) ORDER BY i.id), '[]')
                FROM tb_order_item i JOIN tb_product p ON p.id = i.product_id
               WHERE i.order_id = o.id) AS items
        FROM tb_order o JOIN tb_user u ON u.id = o.customer_id
       WHERE o.org_id = $1 AND o.status = 'PAID'
       ORDER BY o.placed_at DESC, o.id DESC
       LIMIT 20`,
      [ORG_1],
    );
    expect(rows).toHaveLength(20);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      data: {
        orders: rows.map((r) => ({
          id: r.id,
          status: 'PAID',
          total: Number(r.total),
          customer: { email: r.email },
          items: r.items.map((i) => ({ quantity: i.quantity, product: { sku: i.sku } })),
        })),
      },
    });
  });

  // At scale 1k org 1 has a few dozen PAID orders: 50 is the page size clients use (one page here),
  // 10 makes the cursors carry the walk over several pages.
  it.each([50, 10])(
    'pages forward through every PAID order of the org once with ordersConnection (pages of %i), and back again with last/before',
    async (size) => {
      const expected = await paidOrderIds(ORG_1);
      expect(expected.length).toBeGreaterThan(2 * 10);
      const query = `query Page($first: Int, $after: String, $last: Int, $before: String) {
      ordersConnection(where: { status: { eq: PAID } }, first: $first, after: $after, last: $last, before: $before) {
        totalCount edges { cursor node { id status } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
      const page = async (variables: Record<string, unknown>) => {
        const result = await graphql(gateway, { query, variables }, { token: tokenOrg1 });
        expect(result.body.errors).toBeUndefined();
        return result.body.data.ordersConnection as {
          totalCount: number;
          edges: Array<{ cursor: string; node: { id: string; status: string } }>;
          pageInfo: PageInfo;
        };
      };

      const forward: string[] = [];
      let pages = 0;
      let after: string | null = null;
      for (;;) {
        const connection = await page({ first: size, ...(after ? { after } : {}) });
        pages++;
        expect(connection.totalCount).toBe(expected.length);
        expect(connection.edges.length).toBeLessThanOrEqual(size);
        expect(connection.edges.every((e) => e.node.status === 'PAID')).toBe(true);
        forward.push(...connection.edges.map((e) => e.node.id));
        expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(forward).toEqual(expected);
      expect(new Set(forward).size).toBe(forward.length);
      expect(pages).toBe(Math.ceil(expected.length / size));

      const backward: string[][] = [];
      let before: string | null = null;
      for (;;) {
        const connection = await page({ last: size, ...(before ? { before } : {}) });
        backward.unshift(connection.edges.map((e) => e.node.id));
        expect(connection.pageInfo.hasNextPage).toBe(before !== null);
        if (!connection.pageInfo.hasPreviousPage) break;
        before = connection.pageInfo.startCursor;
      }
      expect(backward.flat()).toEqual(expected);
    },
  );

  it('answers null for an order of another org, and the order to its own org', async () => {
    const foreign = seedId('order', 2, 1);
    expect(await sql(db.url, 'SELECT id FROM tb_order WHERE id = $1 AND org_id = $2', [foreign, ORG_2])).toHaveLength(1);
    const query = 'query($id: ID!) { order(id: $id) { id } }';
    const asOrg1 = await graphql(gateway, { query, variables: { id: foreign } }, { token: tokenOrg1 });
    expect(asOrg1.body).toEqual({ data: { order: null } });
    const asOrg2 = await graphql(gateway, { query, variables: { id: foreign } }, { token: tokenOrg2 });
    expect(asOrg2.body).toEqual({ data: { order: { id: foreign } } });
  });

  it('filters users with or/icontains within the caller org only', async () => {
    const result = await graphql(
      gateway,
      {
        query: '{ users(where: { or: [{ email: { icontains: "a" } }, { email: { icontains: "b" } }] }, limit: 500) { id email } }',
      },
      { token: tokenOrg1 },
    );
    const matching = (orgClause: string) =>
      sql<{ id: string; email: string }>(
        db.url,
        `SELECT id, email FROM tb_user WHERE ${orgClause} AND (email ILIKE '%a%' OR email ILIKE '%b%') ORDER BY created_at DESC, id DESC`,
        [ORG_1],
      );
    const own = await matching('org_id = $1');
    // Other orgs have matching users too: a filter that ignored the tenant would return them.
    expect((await matching('org_id <> $1')).length).toBeGreaterThan(0);
    expect(own.length).toBeGreaterThan(0);
    expect(result.body).toEqual({ data: { users: own } });
  });
});
