import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import { migrateShop } from '../src/migrate';
import { seedShop } from '../src/seed';
import { DEMO_ORG_IDS, seedId } from '../src/seed-ids';
import { parseScale, seedPlan } from '../src/seed-plan';

// Field names of the build plan's GraphQL types: the keys every data object must have, no more.
const USER_KEYS = ['createdAt', 'email', 'id', 'isActive', 'name', 'tags'];
const CATEGORY_KEYS = ['createdAt', 'id', 'name', 'slug'];
const PRODUCT_KEYS = [
  'attributes',
  'category',
  'createdAt',
  'description',
  'id',
  'isActive',
  'name',
  'price',
  'sku',
  'stock',
  'tags',
  'updatedAt',
];
const ORDER_KEYS = [
  'createdAt',
  'currency',
  'customer',
  'id',
  'itemCount',
  'items',
  'notes',
  'placedAt',
  'shippingAddress',
  'status',
  'total',
  'updatedAt',
];
const ADDRESS_KEYS = ['city', 'country', 'postalCode', 'street'];
const ITEM_KEYS = ['id', 'product', 'quantity', 'unitPrice'];
const SUMMARY_KEYS = ['id', 'name', 'sku'];
const REVIEW_KEYS = ['author', 'body', 'createdAt', 'id', 'product', 'rating', 'title'];
const ISO_UTC = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$';

let first: TestDatabase;
let second: TestDatabase;
let client: Client;

async function seededDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase('fraiseql_shop_seed');
  await migrateShop({ connectionString: db.url });
  await seedShop({ connectionString: db.url, orders: parseScale('1k') });
  return db;
}

beforeAll(async () => {
  [first, second] = await Promise.all([seededDatabase(), seededDatabase()]);
  client = new Client({ connectionString: first.url });
  await client.connect();
});

afterAll(async () => {
  await client.end();
  await Promise.all([first.drop(), second.drop()]);
});

async function scalar<T>(sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await client.query(sql, params);
  return Object.values(rows[0] as Record<string, unknown>)[0] as T;
}

/** Rows of `view` whose object at `path` does not have exactly `keys`. */
async function rowsWithOtherKeys(view: string, path: string, keys: string[]): Promise<number> {
  return Number(
    await scalar(
      `SELECT count(*) FROM ${view} v
     WHERE (SELECT coalesce(array_agg(k ORDER BY k COLLATE "C"), '{}') FROM jsonb_object_keys(v.data ${path}) k) <> $1::text[]`,
      [keys],
    ),
  );
}

const checksums = (db: TestDatabase) =>
  Promise.all(
    ['v_user', 'v_category', 'v_product', 'v_order', 'v_review'].map(async (view) => {
      const c = new Client({ connectionString: db.url });
      await c.connect();
      try {
        return (await c.query(`SELECT md5(string_agg(data::text, '|' ORDER BY id)) AS sum FROM ${view}`)).rows[0].sum as string;
      } finally {
        await c.end();
      }
    }),
  );

describe('seedShop at 1k', () => {
  it('is deterministic: two seeds produce identical data in every view', async () => {
    const [a, b] = await Promise.all([checksums(first), checksums(second)]);
    expect(a).toEqual(b);
    expect(a.every((sum) => /^[0-9a-f]{32}$/.test(sum))).toBe(true);
  });

  it('writes the counts of the plan: 1000 orders, ~3 items each, users, products, categories, reviews', async () => {
    const plan = seedPlan(1000, 3);
    expect(plan).toEqual({ orgs: 3, usersPerOrg: 34, categoriesPerOrg: 20, productsPerOrg: 67, orders: 1000, reviews: 200 });
    const counts = (
      await client.query(`SELECT
        (SELECT count(*)::int FROM tb_organization) AS orgs, (SELECT count(*)::int FROM tb_user) AS users,
        (SELECT count(*)::int FROM tb_category) AS categories, (SELECT count(*)::int FROM tb_product) AS products,
        (SELECT count(*)::int FROM tb_order) AS orders, (SELECT count(*)::int FROM tb_review) AS reviews,
        (SELECT count(*)::int FROM tb_order_item) AS items`)
    ).rows[0];
    expect(counts).toMatchObject({ orgs: 3, users: 102, categories: 60, products: 201, orders: 1000, reviews: 200 });
    expect(counts.items).toBeGreaterThan(2500);
    expect(counts.items).toBeLessThan(3500);
  });

  it('creates the demo organisations under their documented ids, orders spread over all of them', async () => {
    expect(DEMO_ORG_IDS).toEqual([
      '00000000-0000-4000-8000-000000000001',
      '00000000-0000-4000-8000-000000000002',
      '00000000-0000-4000-8000-000000000003',
    ]);
    const { rows } = await client.query('SELECT org_id, count(*)::int AS n FROM tb_order GROUP BY org_id ORDER BY org_id');
    expect(rows).toEqual([
      { org_id: DEMO_ORG_IDS[0], n: 334 },
      { org_id: DEMO_ORG_IDS[1], n: 333 },
      { org_id: DEMO_ORG_IDS[2], n: 333 },
    ]);
    expect(await scalar('SELECT email FROM tb_user WHERE id = $1', [seedId('user', 1, 1)])).toMatch(/@org1\.example\.com$/);
  });

  it('gives every view row data with exactly the GraphQL field names, nested objects included', async () => {
    expect(await rowsWithOtherKeys('v_user', '', USER_KEYS)).toBe(0);
    expect(await rowsWithOtherKeys('v_category', '', CATEGORY_KEYS)).toBe(0);
    expect(await rowsWithOtherKeys('v_product', '', PRODUCT_KEYS)).toBe(0);
    expect(await rowsWithOtherKeys("(SELECT * FROM v_product WHERE data->'category' <> 'null')", "-> 'category'", CATEGORY_KEYS)).toBe(0);
    expect(await rowsWithOtherKeys('v_order', '', ORDER_KEYS)).toBe(0);
    expect(await rowsWithOtherKeys('v_order', "-> 'customer'", USER_KEYS)).toBe(0);
    expect(await rowsWithOtherKeys('v_order', "-> 'shippingAddress'", ADDRESS_KEYS)).toBe(0);
    expect(await rowsWithOtherKeys('v_review', '', REVIEW_KEYS)).toBe(0);
    expect(await rowsWithOtherKeys('v_review', "-> 'product'", SUMMARY_KEYS)).toBe(0);
    expect(await rowsWithOtherKeys('v_review', "-> 'author'", USER_KEYS)).toBe(0);
    const items = `(SELECT v.id, jsonb_array_elements(v.data->'items') AS data FROM v_order v)`;
    expect(await rowsWithOtherKeys(items, '', ITEM_KEYS)).toBe(0);
    expect(await rowsWithOtherKeys(items, "-> 'product'", SUMMARY_KEYS)).toBe(0);
  });

  it('keeps data consistent with the typed columns and the tables: customer, items, itemCount, total', async () => {
    expect(await scalar(`SELECT count(*)::int FROM v_order WHERE data ? 'customer' AND data->'customer'->>'id' = customer_id::text`)).toBe(
      1000,
    );
    expect(
      await scalar(`SELECT count(*)::int FROM v_order
      WHERE (data->>'itemCount')::int = jsonb_array_length(data->'items') AND jsonb_array_length(data->'items') BETWEEN 1 AND 5
        AND (data->>'total')::numeric = total AND data->>'status' = status AND (data->>'placedAt')::timestamptz = placed_at
        AND total = (SELECT sum((i->>'quantity')::int * (i->>'unitPrice')::numeric) FROM jsonb_array_elements(data->'items') i)`),
    ).toBe(1000);
    expect(await scalar(`SELECT sum((data->>'itemCount')::int)::int FROM v_order`)).toBe(
      await scalar('SELECT count(*)::int FROM tb_order_item'),
    );
    expect(await scalar(`SELECT count(*)::int FROM v_product WHERE (data->>'price')::numeric = price AND data->>'sku' = sku`)).toBe(201);
    // Timestamps are fixed-width UTC text; numbers are JSON numbers.
    expect(
      await scalar(
        `SELECT count(*)::int FROM v_order WHERE data->>'placedAt' ~ $1 AND data->>'createdAt' ~ $1 AND data->'customer'->>'createdAt' ~ $1
      AND jsonb_typeof(data->'total') = 'number' AND jsonb_typeof(data->'items'->0->'unitPrice') = 'number'`,
        [ISO_UTC],
      ),
    ).toBe(1000);
  });

  it('spreads statuses, ratings and time, and includes NULLs and awkward strings', async () => {
    expect(await scalar(`SELECT array_agg(DISTINCT status ORDER BY status) FROM tb_order`)).toEqual([
      'CANCELLED',
      'DELIVERED',
      'PAID',
      'PENDING',
      'SHIPPED',
    ]);
    expect(await scalar(`SELECT array_agg(DISTINCT rating ORDER BY rating) FROM tb_review`)).toEqual([1, 2, 3, 4, 5]);
    expect(await scalar(`SELECT max(placed_at) - min(placed_at) > interval '600 days' FROM tb_order`)).toBe(true);
    const present = (
      await client.query(`SELECT
        (SELECT count(*) FROM tb_order WHERE notes IS NULL) > 0 AS null_notes,
        (SELECT count(*) FROM tb_user WHERE name IS NULL) > 0 AS null_names,
        (SELECT count(*) FROM tb_product WHERE category_id IS NULL) > 0 AS null_categories,
        (SELECT count(*) FROM tb_review WHERE body IS NULL) > 0 AS null_bodies,
        (SELECT count(*) FROM tb_product WHERE name LIKE '%\\%%') > 0 AS percent,
        (SELECT count(*) FROM tb_product WHERE name LIKE '%\\_%') > 0 AS underscore,
        (SELECT count(*) FROM tb_user WHERE name LIKE '%''%') > 0 AS quote,
        (SELECT count(*) FROM tb_product WHERE name LIKE '%"%') > 0 AS double_quote,
        (SELECT count(*) FROM tb_user WHERE name ~ '[^\\x01-\\x7f]') > 0 AS unicode,
        (SELECT count(*) FROM tb_user WHERE cardinality(tags) > 0) > 0 AS user_tags,
        (SELECT count(*) FROM tb_product WHERE attributes ? 'size') > 0 AS attribute_keys`)
    ).rows[0];
    expect(Object.values(present).every(Boolean)).toBe(true);
  });

  it('leaves existing data alone without reset, and regenerates the same data with reset', async () => {
    const before = await checksums(first);

    const kept = await seedShop({ connectionString: first.url, orders: 2000 });
    expect(kept.skipped).toBe(true);
    expect(kept.counts.tb_order).toBe(1000);

    const again = await seedShop({ connectionString: first.url, orders: 1000, reset: true });
    expect(again.skipped).toBe(false);
    expect(again.counts.tb_order).toBe(1000);
    expect(await checksums(first)).toEqual(before);
  });
});

describe('parseScale', () => {
  it('reads 1k, 10k, 100k, 1m and plain counts, and refuses the rest', () => {
    expect(['1k', '10k', '100k', '1m', '1M', '25000'].map(parseScale)).toEqual([1000, 10000, 100000, 1000000, 1000000, 25000]);
    for (const bad of ['', 'big', '2m', '999', '1.5k']) expect(() => parseScale(bad)).toThrow(RangeError);
  });
});
