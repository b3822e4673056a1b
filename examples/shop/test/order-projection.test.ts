import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import { migrateShop, seedShop } from '../src';
import { seedId } from '../src/seed-ids';

// tv_order (migration 0004) must always hold exactly the rows v_order_source computes from the
// tables, and v_order must keep serving the data 0003's v_order served.

let db: TestDatabase;
let client: Client;

const ORG = seedId('organization', 1, 0);
const ADDRESS = JSON.stringify({ street: "1 Rue de l'Église", city: 'Zürich', postal_code: '8001', country: 'CH' });

beforeAll(async () => {
  db = await createTestDatabase('fraiseql_shop_projection');
  await migrateShop({ connectionString: db.url });
  await seedShop({ connectionString: db.url, orders: 1000 });
  client = await connect();
});

afterAll(async () => {
  await client.end();
  await db.drop();
});

async function connect(): Promise<Client> {
  const c = new Client({ connectionString: db.url });
  await c.connect();
  return c;
}

async function scalar<T>(sql: string, params: unknown[] = [], on: Client = client): Promise<T> {
  const { rows } = await on.query(sql, params);
  return Object.values(rows[0] as Record<string, unknown>)[0] as T;
}

// Every column as text too, so the comparison is byte-exact (jsonb and numeric equality would
// call 1.5 and 1.50 equal).
const AS_TEXT = 'id, org_id, status, total::text, placed_at, customer_id, data::text';

/** Ids of rows that differ between tv_order and v_order_source, in either direction. */
async function drift(on: Client = client): Promise<string[]> {
  const { rows } = await on.query<{ id: string }>(`
    SELECT id FROM (SELECT ${AS_TEXT} FROM tv_order EXCEPT SELECT ${AS_TEXT} FROM v_order_source) stale
    UNION
    SELECT id FROM (SELECT ${AS_TEXT} FROM v_order_source EXCEPT SELECT ${AS_TEXT} FROM tv_order) missing
    ORDER BY id`);
  return rows.map((r) => r.id);
}

/** One checksum over the whole projection, to see that nothing in it changed. */
const projectionChecksum = (on: Client = client) =>
  scalar<string>(`SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM tv_order t`, [], on);

const orderData = async (id: string) =>
  (await client.query('SELECT data FROM v_order WHERE id = $1', [id])).rows[0]?.data as Record<string, unknown> | undefined;

/** Runs `statements` in one transaction on `client`. */
async function inTransaction(...statements: Array<[string, unknown[]?]>): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const [sql, params] of statements) await client.query(sql, params);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/** Resolves once the backend `pid` waits for a lock, or once `pending` settles (it did not have to wait). */
async function blockedOrDone(pid: number, pending: Promise<unknown>): Promise<void> {
  let settled = false;
  void pending.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (;;) {
    if (settled) return;
    const waiting = await scalar<boolean>(
      `SELECT coalesce(bool_or(wait_event_type = 'Lock'), false) FROM pg_stat_activity WHERE pid = $1`,
      [pid],
    );
    if (waiting) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('tv_order after the seed', () => {
  it('holds exactly the rows of v_order_source, every column, data byte for byte', async () => {
    expect(await scalar<string>('SELECT count(*) FROM tv_order')).toBe('1000');
    expect(await drift()).toEqual([]);
  });

  it('serves through v_order the same data as the pre-0004 view, order_data(o, user_data(u), order_items_data(o.id)), for every order', async () => {
    const differing = await scalar<string>(`
      SELECT count(*) FROM v_order v
      FULL JOIN (SELECT o.id, order_data(o, user_data(u), order_items_data(o.id)) AS data
                 FROM tb_order o LEFT JOIN tb_user u ON u.id = o.customer_id) before USING (id)
      WHERE v.data::text IS DISTINCT FROM before.data::text`);
    expect(differing).toBe('0');
    expect(await scalar<string>('SELECT count(*) FROM v_order')).toBe(await scalar<string>('SELECT count(*) FROM tb_order'));
  });

  it("keeps v_order's columns, names, types and order (the compiled schema reads them); v_order_source has the same", async () => {
    const columns = async (view: string) =>
      (
        await client.query<{ c: string }>(
          `SELECT attname || ' ' || format_type(atttypid, atttypmod) AS c FROM pg_attribute
       WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
          [view],
        )
      ).rows.map((r) => r.c);
    const expected = [
      'id uuid',
      'org_id uuid',
      'status text',
      'total numeric(12,2)',
      'placed_at timestamp with time zone',
      'customer_id uuid',
      'data jsonb',
    ];
    expect(await columns('v_order')).toEqual(expected);
    expect(await columns('v_order_source')).toEqual(expected);
    expect(await columns('tv_order')).toEqual(expected);
  });
});

describe('tv_order follows writes in the writing transaction', () => {
  it('an order inserted with its items in one transaction', async () => {
    const order = seedId('order', 1, 900001);
    await inTransaction(
      [
        `INSERT INTO tb_order (id, org_id, customer_id, status, total, currency, shipping_address, placed_at)
        VALUES ($1, $2, $3, 'PENDING', 37.50, 'EUR', $4, '2024-07-01 12:00:00.123456+00')`,
        [order, ORG, seedId('user', 1, 1), ADDRESS],
      ],
      [
        `INSERT INTO tb_order_item (id, org_id, order_id, product_id, quantity, unit_price) VALUES
        ($1, $3, $4, $5, 1, 12.50), ($2, $3, $4, $6, 2, 12.50)`,
        [seedId('orderItem', 1, 900001), seedId('orderItem', 1, 900002), ORG, order, seedId('product', 1, 1), seedId('product', 1, 2)],
      ],
    );
    expect(await drift()).toEqual([]);
    expect(await orderData(order)).toMatchObject({
      id: order,
      status: 'PENDING',
      total: 37.5,
      itemCount: 2,
      placedAt: '2024-07-01T12:00:00.123456Z',
    });
  });

  it('an update of status, total and notes', async () => {
    const order = seedId('order', 1, 2);
    await client.query(`UPDATE tb_order SET status = 'CANCELLED', total = 0.5, notes = 'Changed: 50% off_' WHERE id = $1`, [order]);
    expect(await drift()).toEqual([]);
    expect(await orderData(order)).toMatchObject({ status: 'CANCELLED', total: 0.5, notes: 'Changed: 50% off_' });
  });

  it('an item added, updated and removed, each its own statement', async () => {
    const order = seedId('order', 1, 3);
    const count = async () => (await orderData(order))!.itemCount as number;
    const before = await count();

    await client.query(
      `INSERT INTO tb_order_item (id, org_id, order_id, product_id, quantity, unit_price)
      VALUES ($1, $2, $3, $4, 7, 3.25)`,
      [seedId('orderItem', 1, 900101), ORG, order, seedId('product', 1, 5)],
    );
    expect(await drift()).toEqual([]);
    expect(await count()).toBe(before + 1);

    await client.query('UPDATE tb_order_item SET quantity = 9 WHERE id = $1', [seedId('orderItem', 1, 900101)]);
    expect(await drift()).toEqual([]);
    const items = (await orderData(order))!.items as Array<{ id: string; quantity: number }>;
    expect(items.find((i) => i.id === seedId('orderItem', 1, 900101))?.quantity).toBe(9);

    await client.query('DELETE FROM tb_order_item WHERE id = $1', [seedId('orderItem', 1, 900101)]);
    expect(await drift()).toEqual([]);
    expect(await count()).toBe(before);
  });

  it('an item moved to another order: both orders change', async () => {
    const [from, to] = [seedId('order', 2, 4), seedId('order', 2, 5)];
    const [fromCount, toCount] = [(await orderData(from))!.itemCount as number, (await orderData(to))!.itemCount as number];
    await client.query(
      `UPDATE tb_order_item SET order_id = $2
      WHERE id = (SELECT id FROM tb_order_item WHERE order_id = $1 ORDER BY id LIMIT 1)`,
      [from, to],
    );
    expect(await drift()).toEqual([]);
    expect((await orderData(from))!.itemCount).toBe(fromCount - 1);
    expect((await orderData(to))!.itemCount).toBe(toCount + 1);
  });

  it('a product renamed: every order with an item of it', async () => {
    const product = seedId('product', 1, 3);
    const orders = await scalar<string>('SELECT count(DISTINCT order_id) FROM tb_order_item WHERE product_id = $1', [product]);
    expect(Number(orders)).toBeGreaterThan(1);
    await client.query(`UPDATE tb_product SET name = 'Renamed "Mug" 100%', sku = 'SKU-R_1' WHERE id = $1`, [product]);
    expect(await drift()).toEqual([]);
    expect(
      await scalar<string>(`SELECT count(*) FROM v_order WHERE data->'items' @> $1::jsonb`, [
        JSON.stringify([{ product: { id: product, sku: 'SKU-R_1', name: 'Renamed "Mug" 100%' } }]),
      ]),
    ).toBe(orders);
  });

  it("a user's email changed: every order of that customer", async () => {
    const user = seedId('user', 2, 7);
    await client.query(`UPDATE tb_user SET email = 'new.address@org2.example.com' WHERE id = $1`, [user]);
    expect(await drift()).toEqual([]);
    const { rows } = await client.query(`SELECT data->'customer'->>'email' AS email FROM v_order WHERE customer_id = $1`, [user]);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.email === 'new.address@org2.example.com')).toBe(true);
  });

  it('an order deleted (its items cascade): its row is gone', async () => {
    const order = seedId('order', 3, 6);
    await client.query('DELETE FROM tb_order WHERE id = $1', [order]);
    expect(await drift()).toEqual([]);
    expect(await orderData(order)).toBeUndefined();
  });

  it('one UPDATE of many orders in one statement', async () => {
    const changed = await client.query(`UPDATE tb_order SET status = 'SHIPPED', updated_at = updated_at + interval '1 microsecond'
      WHERE status = 'PAID'`);
    expect(changed.rowCount).toBeGreaterThan(100);
    expect(await drift()).toEqual([]);
    expect(await scalar<string>(`SELECT count(*) FROM v_order WHERE data->>'status' = 'PAID'`)).toBe('0');
  });

  it('rewrites no row for a change outside the Order JSON (product price and stock, a user set to the same values)', async () => {
    const before = await scalar<string>(`SELECT md5(string_agg(xmin::text, ',' ORDER BY id)) FROM tv_order`);
    await client.query(`UPDATE tb_product SET price = price + 1, stock = stock + 1 WHERE org_id = $1`, [ORG]);
    await client.query(`UPDATE tb_user SET email = email, name = name WHERE org_id = $1`, [ORG]);
    expect(await scalar<string>(`SELECT md5(string_agg(xmin::text, ',' ORDER BY id)) FROM tv_order`)).toBe(before);
    expect(await drift()).toEqual([]);
  });

  it('a TRUNCATE of the items recomputes every order; of the orders empties the projection', async () => {
    await client.query('BEGIN');
    try {
      await client.query('TRUNCATE tb_order_item');
      expect(await drift()).toEqual([]);
      expect(await scalar<string>(`SELECT count(*) FROM v_order WHERE (data->>'itemCount')::int <> 0`)).toBe('0');
      await client.query('TRUNCATE tb_order, tb_order_item');
      expect(await scalar<string>('SELECT count(*) FROM tv_order')).toBe('0');
    } finally {
      await client.query('ROLLBACK');
    }
    expect(await drift()).toEqual([]);
  });
});

describe('tv_order and transactions', () => {
  it('is unchanged by a rolled-back transaction', async () => {
    const before = await projectionChecksum();
    await client.query('BEGIN');
    try {
      await client.query(`UPDATE tb_order SET status = 'CANCELLED' WHERE org_id = $1`, [ORG]);
      await client.query('DELETE FROM tb_order WHERE id = $1', [seedId('order', 1, 10)]);
      await client.query(`UPDATE tb_product SET name = 'Rolled back' WHERE id = $1`, [seedId('product', 1, 4)]);
      expect(await projectionChecksum()).not.toBe(before);
    } finally {
      await client.query('ROLLBACK');
    }
    expect(await projectionChecksum()).toBe(before);
    expect(await drift()).toEqual([]);
  });

  it('is left alone while fraiseql.defer_projections is on, until the loader refreshes it; the setting ends with the transaction', async () => {
    const order = seedId('order', 1, 11);
    const before = await projectionChecksum();
    await client.query('BEGIN');
    try {
      await client.query(`SET LOCAL fraiseql.defer_projections = 'on'`);
      await client.query(`UPDATE tb_order SET notes = 'deferred' WHERE id = $1`, [order]);
      await client.query(`UPDATE tb_user SET email = 'deferred@org1.example.com' WHERE id = $1`, [seedId('user', 1, 2)]);
      await client.query(`UPDATE tb_product SET name = 'Deferred' WHERE id = $1`, [seedId('product', 1, 6)]);
      await client.query('DELETE FROM tb_order WHERE id = $1', [seedId('order', 1, 12)]);
      expect(await projectionChecksum()).toBe(before);
      expect((await drift()).length).toBeGreaterThan(2);

      // The full repair documented in the migration.
      await client.query('SELECT refresh_tv_order(array(SELECT id FROM tb_order UNION SELECT id FROM tv_order))');
      expect(await drift()).toEqual([]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }

    await client.query(`UPDATE tb_order SET notes = 'maintained again' WHERE id = $1`, [order]);
    expect(await drift()).toEqual([]);
    expect((await orderData(order))!.notes).toBe('maintained again');
  });
});

describe('tv_order under concurrent writers', () => {
  // Without row locks in refresh_tv_order, each of these interleavings would leave a stale product
  // name in tv_order: each transaction computes the order from a snapshot without the other's change.
  it('a rename that comes while an item of the product is being added waits, then updates the new order too', async () => {
    const [writer, renamer] = [await connect(), await connect()];
    try {
      const order = seedId('order', 3, 20);
      const product = seedId('product', 3, 9);
      const item = seedId('orderItem', 3, 900201);
      await writer.query('BEGIN');
      await writer.query(
        `INSERT INTO tb_order_item (id, org_id, order_id, product_id, quantity, unit_price)
        VALUES ($1, $2, $3, $4, 1, 1)`,
        [item, seedId('organization', 3, 0), order, product],
      );
      const renamerPid = await scalar<number>('SELECT pg_backend_pid()', [], renamer);
      const rename = renamer.query(`UPDATE tb_product SET name = 'Renamed concurrently' WHERE id = $1`, [product]);
      await blockedOrDone(renamerPid, rename);
      await writer.query('COMMIT');
      await rename;

      expect(await drift()).toEqual([]);
      const items = (await orderData(order))!.items as Array<{ id: string; product: { name: string } }>;
      expect(items.find((i) => i.id === item)?.product.name).toBe('Renamed concurrently');
    } finally {
      await Promise.all([writer.end(), renamer.end()]);
    }
  });

  it('an item added while its product is being renamed waits for the rename and shows the new name', async () => {
    const [writer, renamer] = [await connect(), await connect()];
    try {
      const order = seedId('order', 3, 21);
      const product = seedId('product', 3, 10);
      const item = seedId('orderItem', 3, 900202);
      await renamer.query('BEGIN');
      await renamer.query(`UPDATE tb_product SET name = 'Renamed first' WHERE id = $1`, [product]);
      const writerPid = await scalar<number>('SELECT pg_backend_pid()', [], writer);
      const insert = writer.query(
        `INSERT INTO tb_order_item (id, org_id, order_id, product_id, quantity, unit_price)
        VALUES ($1, $2, $3, $4, 1, 1)`,
        [item, seedId('organization', 3, 0), order, product],
      );
      await blockedOrDone(writerPid, insert);
      await renamer.query('COMMIT');
      await insert;

      expect(await drift()).toEqual([]);
      const items = (await orderData(order))!.items as Array<{ id: string; product: { name: string } }>;
      expect(items.find((i) => i.id === item)?.product.name).toBe('Renamed first');
    } finally {
      await Promise.all([writer.end(), renamer.end()]);
    }
  });
});
