import { Client } from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@fraiseql/testkit';
import { migrateShop, seedShop } from '../src';
import { seedId } from '../src/seed-ids';

// Change capture (framework migration 0002, shop migration 0005): writes made straight in SQL,
// bypassing mutations, become exactly one change-log event per entity per committed transaction,
// carrying the entity's view data as GraphQL clients see it.

interface ChangeEvent {
  seq: string;
  event_id: string;
  org_id: string | null;
  user_id: string | null;
  entity_type: string;
  entity_id: string;
  event_type: string;
  data: Record<string, unknown>;
  before: Record<string, unknown> | null;
  changed_fields: string[];
  trace_id: string | null;
  traceparent: string | null;
  schema_version: string | null;
  created_at: Date;
  published_at: Date | null;
}

let db: TestDatabase;
let client: Client;

const ORG1 = seedId('organization', 1, 0);
const ORG2 = seedId('organization', 2, 0);
const ADDRESS = JSON.stringify({ street: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' });
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

beforeAll(async () => {
  db = await createTestDatabase('fraiseql_shop_capture');
  await migrateShop({ connectionString: db.url });
  await seedShop({ connectionString: db.url, orders: 200 });
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

/** The change log's last seq: events of a test are the rows after it. */
async function mark(): Promise<string> {
  const { rows } = await client.query<{ seq: string }>('SELECT coalesce(max(seq), 0)::text AS seq FROM fraiseql.tb_entity_change_log');
  return rows[0]!.seq;
}

async function eventsSince(seq: string): Promise<ChangeEvent[]> {
  const { rows } = await client.query<ChangeEvent>('SELECT * FROM fraiseql.tb_entity_change_log WHERE seq > $1 ORDER BY seq', [seq]);
  return rows;
}

async function viewData(view: 'v_order' | 'v_user' | 'v_product', id: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await client.query(`SELECT data FROM ${view} WHERE id = $1`, [id]);
  return rows[0]?.data;
}

/** Runs `statements` in one transaction on `on` (default: the shared client); rolls back on error. */
async function inTransaction(statements: Array<[string, unknown[]?]>, on: Client = client): Promise<void> {
  await on.query('BEGIN');
  try {
    for (const [sql, params] of statements) await on.query(sql, params);
    await on.query('COMMIT');
  } catch (error) {
    await on.query('ROLLBACK');
    throw error;
  }
}

async function someOrder(row: number): Promise<{ id: string; org_id: string; customer_id: string }> {
  const { rows } = await client.query('SELECT id, org_id, customer_id FROM tb_order WHERE org_id = $1 ORDER BY id OFFSET $2 LIMIT 1', [
    ORG1,
    row,
  ]);
  return rows[0];
}

async function someProduct(org: string, row: number): Promise<string> {
  const { rows } = await client.query('SELECT id FROM tb_product WHERE org_id = $1 ORDER BY id OFFSET $2 LIMIT 1', [org, row]);
  return rows[0].id;
}

const newOrderSql = `INSERT INTO tb_order (id, org_id, customer_id, status, total, currency, shipping_address)
  VALUES ($1, $2, $3, 'PENDING', 30, 'EUR', $4)`;
const newItemSql = 'INSERT INTO tb_order_item (org_id, order_id, product_id, quantity, unit_price) VALUES ($1, $2, $3, $4, 10)';

describe('change capture of direct SQL writes', () => {
  it('writes nothing for the seed (a bulk load with capture off)', async () => {
    expect(await eventsSince('0')).toEqual([]);
  });

  it('captures an order inserted with its items as one INSERT event carrying the v_order data', async () => {
    const since = await mark();
    const customer = (await someOrder(0)).customer_id;
    const id = '11111111-0000-4000-8000-000000000001';
    await inTransaction([
      [newOrderSql, [id, ORG1, customer, ADDRESS]],
      [newItemSql, [ORG1, id, await someProduct(ORG1, 0), 1]],
      [newItemSql, [ORG1, id, await someProduct(ORG1, 1), 2]],
    ]);
    const events = await eventsSince(since);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      entity_type: 'Order',
      entity_id: id,
      event_type: 'INSERT',
      org_id: ORG1,
      before: null,
      changed_fields: [],
      published_at: null,
    });
    expect(events[0]!.data).toEqual(await viewData('v_order', id));
    expect(events[0]!.data).toMatchObject({ id, itemCount: 2, status: 'PENDING' });
  });

  it('captures an UPDATE with the pre-image as before and the changed top-level fields, sorted', async () => {
    const order = await someOrder(1);
    const before = await viewData('v_order', order.id);
    const since = await mark();
    await inTransaction([["UPDATE tb_order SET status = 'CANCELLED', notes = 'customer called' WHERE id = $1", [order.id]]]);
    const events = await eventsSince(since);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      entity_type: 'Order',
      entity_id: order.id,
      event_type: 'UPDATE',
      org_id: order.org_id,
      changed_fields: ['notes', 'status'],
    });
    expect(events[0]!.before).toEqual(before);
    expect(events[0]!.data).toEqual(await viewData('v_order', order.id));
    expect(events[0]!.data).toMatchObject({ status: 'CANCELLED', notes: 'customer called' });
  });

  it('captures an item added to an order as an UPDATE of the order (children roll up into their parent)', async () => {
    const order = await someOrder(2);
    const before = await viewData('v_order', order.id);
    const since = await mark();
    await inTransaction([[newItemSql, [order.org_id, order.id, await someProduct(order.org_id, 5), 3]]]);
    const events = await eventsSince(since);
    expect(events.map((e) => [e.entity_type, e.entity_id, e.event_type])).toEqual([['Order', order.id, 'UPDATE']]);
    expect(events[0]!.changed_fields).toEqual(['itemCount', 'items']);
    expect(events[0]!.before).toEqual(before);
    expect(events[0]!.data).toEqual(await viewData('v_order', order.id));
    expect(events[0]!.data.itemCount).toBe((before!.itemCount as number) + 1);
  });

  it('captures a DELETE (items cascading with it) as one DELETE event whose data is the pre-image', async () => {
    const order = await someOrder(3);
    const before = await viewData('v_order', order.id);
    const since = await mark();
    await inTransaction([['DELETE FROM tb_order WHERE id = $1', [order.id]]]);
    const events = await eventsSince(since);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      entity_type: 'Order',
      entity_id: order.id,
      event_type: 'DELETE',
      org_id: order.org_id,
      before: null,
      changed_fields: [],
    });
    expect(events[0]!.data).toEqual(before);
    expect(await viewData('v_order', order.id)).toBeUndefined();
  });

  it('produces exactly one event for an order touched by several statements on it and its items in one transaction', async () => {
    const order = await someOrder(4);
    const before = await viewData('v_order', order.id);
    const since = await mark();
    await inTransaction([
      ["UPDATE tb_order SET status = 'PAID' WHERE id = $1", [order.id]],
      ['UPDATE tb_order_item SET quantity = quantity + 1 WHERE order_id = $1', [order.id]],
      [newItemSql, [order.org_id, order.id, await someProduct(order.org_id, 7), 1]],
      ["UPDATE tb_order SET notes = 'gift', updated_at = now() WHERE id = $1", [order.id]],
    ]);
    const events = await eventsSince(since);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ entity_type: 'Order', entity_id: order.id, event_type: 'UPDATE' });
    expect(events[0]!.before).toEqual(before);
    expect(events[0]!.data).toEqual(await viewData('v_order', order.id));
    expect(events[0]!.changed_fields).toEqual(['itemCount', 'items', 'notes', 'status', 'updatedAt']);
  });

  it('produces one event per order for a multi-row UPDATE of N orders', async () => {
    const { rows } = await client.query<{ id: string }>('SELECT id FROM tb_order WHERE org_id = $1 ORDER BY id OFFSET 10 LIMIT 25', [ORG1]);
    const ids = rows.map((r) => r.id);
    const since = await mark();
    await inTransaction([["UPDATE tb_order SET notes = 'bulk' WHERE id = ANY($1::uuid[])", [ids]]]);
    const events = await eventsSince(since);
    expect(events.map((e) => e.entity_id).sort()).toEqual([...ids].sort());
    expect(new Set(events.map((e) => `${e.entity_type}/${e.event_type}`))).toEqual(new Set(['Order/UPDATE']));
    for (const e of events) {
      expect(e.changed_fields).toEqual(['notes']);
      expect(e.data).toEqual(await viewData('v_order', e.entity_id));
    }
  });

  it('writes no event for a rolled-back transaction and leaves no pending rows', async () => {
    const order = await someOrder(5);
    const since = await mark();
    await client.query('BEGIN');
    await client.query("UPDATE tb_order SET notes = 'never' WHERE id = $1", [order.id]);
    await client.query("INSERT INTO tb_user (org_id, email) VALUES ($1, 'rolled@back.test')", [ORG1]);
    await client.query('ROLLBACK');
    expect(await eventsSince(since)).toEqual([]);
    const pending = await client.query('SELECT count(*)::int AS n FROM fraiseql.tb_entity_change_pending');
    expect(pending.rows[0].n).toBe(0);
  });

  it('writes no event for changes undone by a rolled-back savepoint', async () => {
    const order = await someOrder(6);
    const since = await mark();
    await inTransaction([
      ['SAVEPOINT s'],
      ["UPDATE tb_order SET notes = 'undone' WHERE id = $1", [order.id]],
      ['ROLLBACK TO SAVEPOINT s'],
      ["UPDATE tb_user SET name = 'Renamed In Tx' WHERE id = $1", [order.customer_id]],
    ]);
    const events = await eventsSince(since);
    expect(events.map((e) => [e.entity_type, e.entity_id, e.event_type, e.changed_fields])).toEqual([
      ['User', order.customer_id, 'UPDATE', ['name']],
    ]);
  });

  it('writes no event for an entity inserted and deleted in one transaction', async () => {
    const since = await mark();
    const id = '11111111-0000-4000-8000-000000000002';
    const customer = (await someOrder(0)).customer_id;
    await inTransaction([
      [newOrderSql, [id, ORG1, customer, ADDRESS]],
      [newItemSql, [ORG1, id, await someProduct(ORG1, 0), 1]],
      ['DELETE FROM tb_order WHERE id = $1', [id]],
      ["INSERT INTO tb_user (org_id, email) VALUES ($1, 'brief@visit.test')", [ORG1]],
      ["DELETE FROM tb_user WHERE email = 'brief@visit.test'"],
    ]);
    expect(await eventsSince(since)).toEqual([]);
  });

  it('writes no event for an UPDATE that leaves the entity data unchanged', async () => {
    const order = await someOrder(7);
    const since = await mark();
    await inTransaction([['UPDATE tb_order SET notes = notes, status = status WHERE id = $1', [order.id]]]);
    expect(await eventsSince(since)).toEqual([]);
  });

  it('captures users and products: INSERT, UPDATE and DELETE with their view data', async () => {
    const since = await mark();
    const userId = '11111111-0000-4000-8000-000000000003';
    await inTransaction([["INSERT INTO tb_user (id, org_id, email, name) VALUES ($1, $2, 'new@user.test', 'New')", [userId, ORG2]]]);
    const inserted = await viewData('v_user', userId);
    await inTransaction([["UPDATE tb_user SET tags = '{vip}', is_active = false WHERE id = $1", [userId]]]);
    const updated = await viewData('v_user', userId);
    await inTransaction([['DELETE FROM tb_user WHERE id = $1', [userId]]]);
    const product = await someProduct(ORG2, 3);
    const productBefore = await viewData('v_product', product);
    await inTransaction([['UPDATE tb_product SET price = price + 1, stock = stock + 5 WHERE id = $1', [product]]]);

    const events = await eventsSince(since);
    expect(events.map((e) => [e.entity_type, e.event_type, e.entity_id, e.org_id])).toEqual([
      ['User', 'INSERT', userId, ORG2],
      ['User', 'UPDATE', userId, ORG2],
      ['User', 'DELETE', userId, ORG2],
      ['Product', 'UPDATE', product, ORG2],
    ]);
    expect(events[0]).toMatchObject({ data: inserted, before: null, changed_fields: [] });
    expect(events[1]).toMatchObject({ data: updated, before: inserted, changed_fields: ['isActive', 'tags'] });
    expect(events[2]).toMatchObject({ data: updated, before: null, changed_fields: [] });
    expect(events[3]).toMatchObject({ before: productBefore, changed_fields: ['price', 'stock'] });
    expect(events[3]!.data).toEqual(await viewData('v_product', product));
  });

  it('takes user, trace and schema version from the transaction-local settings, and the org from the row', async () => {
    const order = await someOrder(8);
    const since = await mark();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await inTransaction([
      ["SELECT set_config('fraiseql.org_id', $1, true)", [ORG2]],
      ["SELECT set_config('fraiseql.user_id', 'user-42', true)"],
      ["SELECT set_config('fraiseql.trace_id', '0af7651916cd43dd8448eb211c80319c', true)"],
      ["SELECT set_config('fraiseql.traceparent', $1, true)", [traceparent]],
      ["SELECT set_config('fraiseql.schema_version', 'abc123', true)"],
      ["UPDATE tb_order SET notes = 'with context' WHERE id = $1", [order.id]],
    ]);
    await inTransaction([["UPDATE tb_order SET notes = 'without context' WHERE id = $1", [order.id]]]);
    const events = await eventsSince(since);
    expect(events.map((e) => [e.org_id, e.user_id, e.trace_id, e.traceparent, e.schema_version])).toEqual([
      [ORG1, 'user-42', '0af7651916cd43dd8448eb211c80319c', traceparent, 'abc123'],
      [ORG1, null, null, null, null],
    ]);
  });

  it('captures nothing while fraiseql.capture is off', async () => {
    const order = await someOrder(9);
    const since = await mark();
    await inTransaction([
      ["SET LOCAL fraiseql.capture = 'off'"],
      ["UPDATE tb_order SET notes = 'quiet' WHERE id = $1", [order.id]],
      [newItemSql, [order.org_id, order.id, await someProduct(order.org_id, 2), 1]],
      ["INSERT INTO tb_user (org_id, email) VALUES ($1, 'quiet@load.test')", [ORG1]],
    ]);
    expect(await eventsSince(since)).toEqual([]);
    expect((await viewData('v_order', order.id))!.notes).toBe('quiet');
  });

  it('gives every event a UUID v7 event id, time-ordered like seq, whose time lies between the write and created_at', async () => {
    const since = await mark();
    const { rows } = await client.query<{ ms: string }>('SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms');
    const startedMs = Number(rows[0]!.ms);
    for (let i = 0; i < 3; i++) {
      const order = await someOrder(20 + i);
      await inTransaction([["UPDATE tb_order SET notes = 'v7 ' || $2 WHERE id = $1", [order.id, String(i)]]]);
    }
    const events = await eventsSince(since);
    expect(events).toHaveLength(3);
    const millis = events.map((e) => parseInt(e.event_id.replace(/-/g, '').slice(0, 12), 16));
    for (const [i, e] of events.entries()) {
      expect(e.event_id).toMatch(UUID_V7);
      // Causal bounds, not a tolerance: the id is generated after the test started and, as the column
      // default evaluated first, never after the row's created_at.
      expect(millis[i]!).toBeGreaterThanOrEqual(startedMs);
      expect(millis[i]!).toBeLessThanOrEqual(e.created_at.getTime());
      if (i > 0) expect(e.event_id > events[i - 1]!.event_id).toBe(true);
    }
  });

  it('notifies fraiseql_change_log once per committed transaction that wrote events', async () => {
    const listener = await connect();
    const payloads: string[] = [];
    try {
      listener.on('notification', (n) => {
        if (n.channel === 'fraiseql_change_log') payloads.push(n.payload ?? '');
      });
      await listener.query('LISTEN fraiseql_change_log');
      const a = await someOrder(30);
      const b = await someOrder(31);
      await inTransaction([
        ["UPDATE tb_order SET notes = 'notify' WHERE id = ANY($1::uuid[])", [[a.id, b.id]]],
        ["UPDATE tb_user SET name = 'Notified' WHERE id = $1", [a.customer_id]],
      ]);
      await inTransaction([['SELECT 1']]); // no event, no notification
      await client.query("NOTIFY fraiseql_change_log, 'end'");
      await waitFor(() => payloads.includes('end'));
      expect(payloads).toEqual(['', 'end']);
    } finally {
      await listener.end();
    }
  });

  it('lets concurrent transactions capture different orders without waiting on each other', async () => {
    const [a, b] = [await someOrder(40), await someOrder(41)];
    const other = await connect();
    const since = await mark();
    try {
      await client.query('BEGIN');
      await other.query('BEGIN');
      await client.query("UPDATE tb_order SET notes = 'tx a' WHERE id = $1", [a.id]);
      await other.query("UPDATE tb_order SET notes = 'tx b' WHERE id = $1", [b.id]);
      await client.query('UPDATE tb_order_item SET quantity = quantity + 1 WHERE order_id = $1', [a.id]);
      await other.query('UPDATE tb_order_item SET quantity = quantity + 1 WHERE order_id = $1', [b.id]);
      await Promise.all([client.query('COMMIT'), other.query('COMMIT')]);
    } finally {
      await other.end();
    }
    const events = await eventsSince(since);
    expect(events.map((e) => e.entity_id).sort()).toEqual([a.id, b.id].sort());
    expect(events.every((e) => e.event_type === 'UPDATE' && e.changed_fields.join() === 'items,notes')).toBe(true);
  });
});
