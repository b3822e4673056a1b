import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import { migrateShop } from '../src/migrate';

let db: TestDatabase;
let client: Client;

const ORG_A = '00000000-0000-4000-8000-000000000001';
const ORG_B = '00000000-0000-4000-8000-000000000002';
const USER_A = '00000001-0001-4000-8000-000000000001';
const USER_B = '00000001-0002-4000-8000-000000000001';
const CATEGORY_A = '00000002-0001-4000-8000-000000000001';
const PRODUCT_A = '00000003-0001-4000-8000-000000000001';
const ORDER_A = '00000004-0001-4000-8000-000000000001';
const ADDRESS = JSON.stringify({ street: "1 Rue de l'Église", city: 'Zürich', postal_code: '8001', country: 'CH' });

beforeAll(async () => {
  db = await createTestDatabase('fraiseql_shop_migrations');
  await migrateShop({ connectionString: db.url });
  client = new Client({ connectionString: db.url });
  await client.connect();
  // A minimal, hand-written data set (the seed has its own tests).
  await client.query(`
    INSERT INTO tb_organization (id, name) VALUES ('${ORG_A}', 'A'), ('${ORG_B}', 'B');
    INSERT INTO tb_user (id, org_id, email, name, tags, created_at) VALUES
      ('${USER_A}', '${ORG_A}', 'ada@a.example', 'Ada', '{vip}', '2024-03-01 10:00:00.5+01'),
      ('${USER_B}', '${ORG_B}', 'bob@b.example', NULL, '{}', '2024-03-01 10:00:00+00');
    INSERT INTO tb_category (id, org_id, name, slug, created_at) VALUES ('${CATEGORY_A}', '${ORG_A}', 'Cafés & Tea', 'cafes-tea', '2024-01-01 00:00:00+00');
    INSERT INTO tb_product (id, org_id, category_id, sku, name, price, stock, tags, attributes, created_at, updated_at) VALUES
      ('${PRODUCT_A}', '${ORG_A}', '${CATEGORY_A}', 'SKU-1', 'Mug', 12.50, 3, '{eco}', '{"color": "red"}', '2024-01-02 00:00:00+00', '2024-01-03 00:00:00+00');
    INSERT INTO tb_order (id, org_id, customer_id, status, total, currency, notes, shipping_address, placed_at, created_at, updated_at) VALUES
      ('${ORDER_A}', '${ORG_A}', '${USER_A}', 'PAID', 37.50, 'EUR', NULL, '${ADDRESS.replace(/'/g, "''")}', '2024-06-30 23:30:00-02', '2024-06-30 23:29:00-02', '2024-07-01 08:00:00+00');
    INSERT INTO tb_order_item (id, org_id, order_id, product_id, quantity, unit_price) VALUES
      ('00000005-0001-4000-8000-000000000002', '${ORG_A}', '${ORDER_A}', '${PRODUCT_A}', 1, 12.50),
      ('00000005-0001-4000-8000-000000000001', '${ORG_A}', '${ORDER_A}', '${PRODUCT_A}', 2, 12.50);
    INSERT INTO tb_review (id, org_id, product_id, author_id, rating, title, created_at) VALUES
      ('00000006-0001-4000-8000-000000000001', '${ORG_A}', '${PRODUCT_A}', '${USER_A}', 5, 'Great', '2024-08-01 00:00:00+00');
  `);
});

afterAll(async () => {
  await client.end();
  await db.drop();
});

async function violates(sql: string): Promise<string | undefined> {
  try {
    await client.query('BEGIN');
    await client.query(sql);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  } finally {
    await client.query('ROLLBACK');
  }
}

describe('shop migrations', () => {
  it('apply once: a second run finds framework and shop migrations applied', async () => {
    expect(await migrateShop({ connectionString: db.url })).toEqual({
      applied: [],
      skipped: [
        '0001_fraiseql_core',
        '0002_fraiseql_change_log',
        '0003_fraiseql_idempotency',
        '0004_fraiseql_flight_role',
        '0005_fraiseql_observers',
        '0006_fraiseql_row_level_security',
        '0007_fraiseql_api_keys',
        '0008_fraiseql_audit_log',
        '0009_fraiseql_change_log_fillfactor',
        '0001_shop_tables',
        '0002_shop_indexes',
        '0003_shop_views',
        '0004_shop_order_projection',
        '0005_shop_capture',
        '0006_shop_mutations',
        '0007_shop_analytics',
        '0008_shop_row_level_security',
      ],
    });
  });

  it('create the views with exactly the typed columns of the build plan, then data', async () => {
    const { rows } = await client.query<{ table_name: string; columns: string }>(`
      SELECT table_name, string_agg(column_name, ',' ORDER BY ordinal_position) AS columns
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name LIKE 'v\\_%'
      GROUP BY table_name ORDER BY table_name`);
    expect(Object.fromEntries(rows.map((r) => [r.table_name, r.columns]))).toEqual({
      v_category: 'id,org_id,slug,data',
      v_order: 'id,org_id,status,total,placed_at,customer_id,data',
      // 0004: how tv_order's rows are computed; v_order reads tv_order.
      v_order_source: 'id,org_id,status,total,placed_at,customer_id,data',
      v_product: 'id,org_id,sku,price,created_at,data',
      v_review: 'id,org_id,rating,created_at,data',
      v_user: 'id,org_id,email,created_at,data',
    });
  });

  it('render Order data with the GraphQL field names, nested customer, items and address, UTC timestamps whatever the session TimeZone', async () => {
    await client.query("SET TimeZone = 'America/Sao_Paulo'");
    const { rows } = await client.query('SELECT data FROM v_order WHERE id = $1', [ORDER_A]);
    await client.query('RESET TimeZone');
    const user = (await client.query('SELECT data FROM v_user WHERE id = $1', [USER_A])).rows[0].data;

    expect(rows[0].data).toEqual({
      id: ORDER_A,
      status: 'PAID',
      total: 37.5,
      currency: 'EUR',
      notes: null,
      placedAt: '2024-07-01T01:30:00.000000Z',
      createdAt: '2024-07-01T01:29:00.000000Z',
      updatedAt: '2024-07-01T08:00:00.000000Z',
      itemCount: 2,
      shippingAddress: { street: "1 Rue de l'Église", city: 'Zürich', postalCode: '8001', country: 'CH' },
      customer: user,
      items: [
        { id: '00000005-0001-4000-8000-000000000001', quantity: 2, unitPrice: 12.5, product: { id: PRODUCT_A, sku: 'SKU-1', name: 'Mug' } },
        { id: '00000005-0001-4000-8000-000000000002', quantity: 1, unitPrice: 12.5, product: { id: PRODUCT_A, sku: 'SKU-1', name: 'Mug' } },
      ],
    });
    expect(user).toEqual({
      id: USER_A,
      email: 'ada@a.example',
      name: 'Ada',
      isActive: true,
      tags: ['vip'],
      createdAt: '2024-03-01T09:00:00.500000Z',
    });
  });

  it('render Product with its Category, Review with ProductSummary and author, nulls kept', async () => {
    const product = (await client.query('SELECT data FROM v_product WHERE id = $1', [PRODUCT_A])).rows[0].data;
    const category = (await client.query('SELECT data FROM v_category WHERE id = $1', [CATEGORY_A])).rows[0].data;
    const review = (await client.query('SELECT data FROM v_review WHERE org_id = $1', [ORG_A])).rows[0].data;
    const userB = (await client.query('SELECT data FROM v_user WHERE id = $1', [USER_B])).rows[0].data;

    expect(category).toEqual({ id: CATEGORY_A, name: 'Cafés & Tea', slug: 'cafes-tea', createdAt: '2024-01-01T00:00:00.000000Z' });
    expect(product).toEqual({
      id: PRODUCT_A,
      sku: 'SKU-1',
      name: 'Mug',
      description: null,
      price: 12.5,
      stock: 3,
      isActive: true,
      tags: ['eco'],
      attributes: { color: 'red' },
      category,
      createdAt: '2024-01-02T00:00:00.000000Z',
      updatedAt: '2024-01-03T00:00:00.000000Z',
    });
    expect(review).toEqual({
      id: '00000006-0001-4000-8000-000000000001',
      rating: 5,
      title: 'Great',
      body: null,
      createdAt: '2024-08-01T00:00:00.000000Z',
      product: { id: PRODUCT_A, sku: 'SKU-1', name: 'Mug' },
      author: (await client.query('SELECT data FROM v_user WHERE id = $1', [USER_A])).rows[0].data,
    });
    expect(userB.name).toBeNull();
    expect(userB.tags).toEqual([]);
  });

  it('give a product without category category: null', async () => {
    await client.query('BEGIN');
    try {
      await client.query(
        `INSERT INTO tb_product (id, org_id, sku, name, price) VALUES ('00000003-0001-4000-8000-000000000009', '${ORG_A}', 'SKU-9', 'Loose', 1)`,
      );
      const { rows } = await client.query("SELECT data->'category' AS category FROM v_product WHERE sku = 'SKU-9'");
      expect(rows).toEqual([{ category: null }]);
    } finally {
      await client.query('ROLLBACK');
    }
  });

  it('refuse invalid rows: status, rating, quantity, address shape, duplicate email or sku', async () => {
    expect(await violates(`UPDATE tb_order SET status = 'LOST'`)).toBe('23514');
    expect(await violates(`UPDATE tb_review SET rating = 6`)).toBe('23514');
    expect(await violates(`UPDATE tb_review SET rating = 0`)).toBe('23514');
    expect(await violates(`UPDATE tb_order_item SET quantity = 0`)).toBe('23514');
    expect(await violates(`UPDATE tb_order SET shipping_address = '{"street": "x"}'`)).toBe('23514');
    expect(await violates(`UPDATE tb_order SET currency = 'eu'`)).toBe('23514');
    expect(await violates(`INSERT INTO tb_user (org_id, email) VALUES ('${ORG_A}', 'ada@a.example')`)).toBe('23505');
    expect(await violates(`INSERT INTO tb_product (org_id, sku, name, price) VALUES ('${ORG_A}', 'SKU-1', 'Again', 1)`)).toBe('23505');
    // The same email in another org is fine.
    expect(await violates(`INSERT INTO tb_user (org_id, email) VALUES ('${ORG_B}', 'ada@a.example')`)).toBeUndefined();
  });

  it("refuse a reference to another organisation's row", async () => {
    expect(await violates(`UPDATE tb_order SET customer_id = '${USER_B}' WHERE id = '${ORDER_A}'`)).toBe('23503');
    expect(
      await violates(
        `INSERT INTO tb_review (org_id, product_id, author_id, rating, title) VALUES ('${ORG_B}', '${PRODUCT_A}', '${USER_B}', 3, 'x')`,
      ),
    ).toBe('23503');
  });

  it('drop the customer join and the items subquery when a query does not read data (counts)', async () => {
    const counted = (await client.query(`EXPLAIN (COSTS OFF) SELECT count(*) FROM v_order WHERE org_id = '${ORG_A}'`)).rows
      .map((r) => r['QUERY PLAN'] as string)
      .join('\n');
    expect(counted).not.toContain('tb_user');
    expect(counted).not.toContain('tb_order_item');
  });
});
