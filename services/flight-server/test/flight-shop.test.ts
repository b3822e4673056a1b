import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { DateDay, Decimal, Table, Utf8, vectorFromArray, type RecordBatch, type StructRow } from 'apache-arrow';
import { recordBatchToEntityEvents, encodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import type { FlightClient, FlightInfo } from '@fraiseql/flight';
import { eventSubject, provisionJetStream } from '@fraiseql/nats-contract';
import type { CompiledSchema } from '@fraiseql/schema';
import { DEMO_ORG_IDS, migrateShop, seedShop } from '@fraiseql/shop';
import { loadChdb } from '@fraiseql/testkit';
import { startFlightStack, type FlightStack } from './fixtures/flight-stack';

const SHOP_SCHEMA = join(__dirname, '../../../examples/shop/schema.compiled.json');
const [ORG_1, ORG_2] = DEMO_ORG_IDS as readonly [string, string, ...string[]];
const cmd = (value: unknown) => ({ type: 2, cmd: Buffer.from(JSON.stringify(value)) });
const path = (...parts: string[]) => ({ type: 1, path: parts });
const tickets = (info: FlightInfo): Uint8Array[] => (info.endpoint ?? []).map((e) => e.ticket!.ticket!);

async function readAll(client: FlightClient, info: FlightInfo): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  for (const ticket of tickets(info)) for await (const batch of client.doGet(ticket)) batches.push(batch);
  return batches;
}

describe('flight-server over the demo shop (real PostgreSQL, NATS JetStream, ClickHouse as an independent Arrow reader)', () => {
  let stack: FlightStack;
  let client: FlightClient;
  let dir: string;

  beforeAll(async () => {
    stack = await startFlightStack({
      compiled: JSON.parse(readFileSync(SHOP_SCHEMA, 'utf8')) as CompiledSchema,
      prepare: async (admin) => {
        const url = (admin as unknown as { options: { connectionString: string } }).options.connectionString;
        await migrateShop({ connectionString: url });
        await seedShop({ connectionString: url, orders: 1000 });
      },
      settings: { batchSize: 128 },
    });
    client = await stack.client('analyst-1', ORG_1);
    dir = mkdtempSync(join(tmpdir(), 'fraiseql-flight-shop-'));
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes a DoGet stream that ClickHouse (chdb) reads with the same counts and aggregates as PostgreSQL', async () => {
    const info = await client.getFlightInfo(path('va_order'));
    expect(tickets(info)).toHaveLength(1);
    const file = join(dir, 'va_order.arrows');
    const chunks: Uint8Array[] = [];
    for await (const bytes of client.doGetIpcStream(tickets(info)[0]!)) chunks.push(bytes);
    writeFileSync(file, Buffer.concat(chunks));

    const clickhouse = loadChdb()
      .query(
        `SELECT count(), toString(sum(total)), toString(sum(units)), uniqExact(status), countIf(is_cancelled), countIf(notes IS NULL),
              toString(max(placed_at)), toString(min(placed_on)), sum(length(product_skus)), toString(sum(item_count)),
              uniqExact(customer_id), countIf(JSONHas(shipping_address, 'city'))
         FROM file('${file}', 'ArrowStream')`,
        'TSV',
      )
      .trim()
      .split('\t');
    const { rows } = await stack.admin.query({
      rowMode: 'array',
      text: `SELECT count(*)::text, sum(total)::text, sum(units)::text, count(DISTINCT status)::text, count(*) FILTER (WHERE is_cancelled)::text,
              count(*) FILTER (WHERE notes IS NULL)::text, to_char(max(placed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
              min(placed_on)::text, sum(cardinality(product_skus))::text, sum(item_count)::text, count(DISTINCT customer_id)::text,
              count(*) FILTER (WHERE shipping_address ? 'city')::text
         FROM va_order WHERE org_id = $1`,
      values: [ORG_1],
    });
    const postgres = (rows[0] as unknown[]).map(String);
    expect(Number(clickhouse[0])).toBeGreaterThan(0);
    // ClickHouse prints Decimal sums with their scale and DateTime64 with six decimals: compare as numbers/prefixes.
    expect(clickhouse.map((v, i) => (i === 1 ? Number(v).toFixed(2) : v))).toEqual(
      postgres.map((v, i) => (i === 1 ? Number(v).toFixed(2) : v)),
    );
  });

  it('a graphql ticket returns the selection typed: root columns as the view types them, nested objects as Struct, lists of objects as JSON', async () => {
    const query =
      '{ orders(where: {status: {eq: PAID}}, orderBy: [{field: placedAt, direction: DESC}]) { id status total placedAt customer { email name } items { quantity product { sku } } } }';
    const info = await client.getFlightInfo(cmd({ kind: 'graphql', query }));
    const table = new Table(await readAll(client, info));
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'id:FixedSizeBinary[16]',
      'status:Utf8',
      'total:Decimal[12e+2]',
      'placedAt:Timestamp<MICROSECOND, UTC>',
      'customer:Struct<{email:Utf8, name:Utf8}>',
      'items:Utf8',
    ]);
    const { rows: expected } = await stack.admin.query(
      `SELECT id::text, data->'customer'->>'email' AS email, jsonb_array_length(data->'items') AS items FROM v_order WHERE org_id = $1 AND status = 'PAID' ORDER BY placed_at DESC, id`,
      [ORG_1],
    );
    expect(table.numRows).toBe(expected.length);
    const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
    const got = table.toArray().map((row: StructRow) => {
      const r = row.toJSON() as { id: Uint8Array; customer: StructRow | null; items: string };
      return {
        id: hex(r.id),
        email: (r.customer?.toJSON() as { email?: string } | undefined)?.email,
        items: (JSON.parse(r.items) as unknown[]).length,
      };
    });
    expect(got).toEqual(
      expected.map((e: { id: string; email: string; items: number }) => ({ id: e.id.replace(/-/g, ''), email: e.email, items: e.items })),
    );
    // PATH ["query", name] selects every scalar field of the entity, one level of objects deep.
    const byPath = new Table(await readAll(client, await client.getFlightInfo(path('query', 'orders'))));
    const { rows: count } = await stack.admin.query('SELECT count(*)::int AS n FROM v_order WHERE org_id = $1', [ORG_1]);
    expect(byPath.numRows).toBe(count[0].n);
    expect(byPath.schema.fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['id', 'status', 'total', 'customer', 'shippingAddress', 'items']),
    );
  });

  it("a graphql ticket keeps the planner's validation: a bad document or a connection query is refused with its code", async () => {
    await expect(client.getFlightInfo(cmd({ kind: 'graphql', query: '{ orders { nope } }' }))).rejects.toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
    });
    await expect(
      client.getFlightInfo(cmd({ kind: 'graphql', query: '{ ordersConnection { edges { node { id } } } }' })),
    ).rejects.toMatchObject({ code: 'FRAISEQL_OPERATION_NOT_SUPPORTED' });
  });

  it("refresh reloads a ta_* table from its view for the caller's org only, in one transaction", async () => {
    const other = await stack.client('analyst-2', ORG_2);
    await other.doAction('refresh', Buffer.from(JSON.stringify({ table: 'ta_order_fact' })));
    const [result] = await client.doAction('refresh', Buffer.from(JSON.stringify({ table: 'ta_order_fact' })));
    const summary = JSON.parse(Buffer.from(result!.body!).toString('utf8'));
    const { rows } = await stack.admin.query('SELECT org_id::text, count(*)::int AS n FROM ta_order_fact GROUP BY org_id ORDER BY org_id');
    const { rows: source } = await stack.admin.query(
      'SELECT org_id::text, count(*)::int AS n FROM va_order WHERE org_id IN ($1, $2) GROUP BY org_id ORDER BY org_id',
      [ORG_1, ORG_2],
    );
    expect(rows).toEqual(source);
    expect(summary).toEqual({
      table: 'ta_order_fact',
      source: 'va_order',
      deleted: 0,
      inserted: source.find((r: { org_id: string }) => r.org_id === ORG_1).n,
    });
    const again = JSON.parse(
      Buffer.from((await client.doAction('refresh', Buffer.from(JSON.stringify({ table: 'ta_order_fact' }))))[0]!.body!).toString('utf8'),
    );
    expect(again.deleted).toBe(again.inserted);
    await expect(client.doAction('refresh', Buffer.from(JSON.stringify({ table: 'va_order' })))).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
  });

  it('DoPut uploads into ta_sales_target with the org filled from the caller; another org does not see the rows', async () => {
    const targets = new Table({
      month: vectorFromArray([Date.UTC(2026, 0, 1), Date.UTC(2026, 1, 1)], new DateDay()),
      region: vectorFromArray(['north', 'south'], new Utf8()),
      target: vectorFromArray(['1000.50', '2500.00'], new Utf8()),
    });
    const results = await client.doPut(path('ta_sales_target'), targets);
    expect(JSON.parse(Buffer.from(results.at(-1)!.appMetadata!).toString('utf8'))).toMatchObject({ committed: true, rows: 2 });
    const { rows } = await stack.admin.query('SELECT org_id::text, month::text, region, target::text FROM ta_sales_target ORDER BY month');
    expect(rows).toEqual([
      { org_id: ORG_1, month: '2026-01-01', region: 'north', target: '1000.50' },
      { org_id: ORG_1, month: '2026-02-01', region: 'south', target: '2500.00' },
    ]);
    const other = await stack.client('analyst-2', ORG_2);
    const seen = new Table(await readAll(other, await other.getFlightInfo(path('ta_sales_target'))));
    expect(seen.numRows).toBe(0);
    const mine = new Table(await readAll(client, await client.getFlightInfo(path('ta_sales_target'))));
    expect(mine.numRows).toBe(2);
    expect(String(mine.schema.fields.find((f) => f.name === 'target')!.type)).toBe(String(new Decimal(2, 14, 128)));
  });

  describe('event history from JetStream', () => {
    let nc: NatsConnection;
    const base = Date.parse('2026-11-20T10:00:00.000Z');
    const event = (n: number, org: string, at: number, entityType = 'Order'): EntityEvent => ({
      event_id: `0190${n.toString(16).padStart(4, '0')}-0000-7000-8000-${n.toString(16).padStart(12, '0')}`,
      seq: n,
      event_type: n % 2 === 0 ? 'UPDATE' : 'INSERT',
      entity_type: entityType,
      entity_id: `order-${n}`,
      org_id: org,
      user_id: 'u1',
      timestamp: new Date(at).toISOString().replace('Z', '000Z'),
      data: { id: `order-${n}`, total: n },
      before: null,
      changed_fields: n % 2 === 0 ? ['total'] : [],
      schema_version: 'test',
    });

    beforeAll(async () => {
      nc = await connect({ servers: stack.nats.url });
      await provisionJetStream(nc);
      const js = nc.jetstream();
      const published = [
        event(1, ORG_1, base + 1000),
        event(2, ORG_1, base + 2000),
        event(3, ORG_2, base + 2500), // another org
        event(4, ORG_1, base + 3000),
        event(5, ORG_1, base + 7_200_000), // after the window
        event(6, ORG_1, base + 2600, 'Product'), // another entity
      ];
      for (const e of published)
        await js.publish(eventSubject(e.org_id, e.entity_type, e.event_type), encodeEntityEvent(e), { msgID: e.event_id });
      await js.publish(eventSubject(ORG_1, 'Order', 'INSERT'), Buffer.from('{"not":"an event"}'));
    });

    afterAll(async () => {
      await nc?.close();
    });

    it("streams the org's events of one entity in a time window with the EntityEvent Arrow schema, skipping what is not an event", async () => {
      const from = new Date(base).toISOString();
      const to = new Date(base + 3_600_000).toISOString();
      const info = await client.getFlightInfo(cmd({ kind: 'events', entityType: 'Order', from, to }));
      const events = (await readAll(client, info)).flatMap((b) => recordBatchToEntityEvents(b));
      expect(events.map((e) => e.entity_id)).toEqual(['order-1', 'order-2', 'order-4']);
      expect(events[1]).toEqual(event(2, ORG_1, base + 2000));
      await expect(client.getFlightInfo(cmd({ kind: 'events', entityType: 'Order', orgId: ORG_2, from, to }))).rejects.toMatchObject({
        code: 'FRAISEQL_TICKET_WRONG_PRINCIPAL',
      });
      await expect(client.getFlightInfo(cmd({ kind: 'events', entityType: 'Nope', from, to }))).rejects.toMatchObject({
        code: 'FRAISEQL_DATASET_NOT_FOUND',
      });
      const empty = await client.getFlightInfo(cmd({ kind: 'events', entityType: 'Review', from, to }));
      const none = await readAll(client, empty);
      expect(none.reduce((n, b) => n + b.numRows, 0)).toBe(0);
    });
  });

  it("lists the shop's datasets, list queries and event histories, and the schema version", async () => {
    const listed: string[] = [];
    for await (const info of client.listFlights()) listed.push((info.flightDescriptor?.path ?? []).join('/'));
    expect(listed).toEqual(
      expect.arrayContaining([
        'va_order',
        'va_product',
        'ta_order_fact',
        'ta_sales_target',
        'query/orders',
        'query/products',
        'query/users',
        'events/Order',
        'events/Product',
      ]),
    );
    const versions = JSON.parse(Buffer.from((await client.doAction('schema-versions'))[0]!.body!).toString('utf8'));
    const compiled = JSON.parse(readFileSync(SHOP_SCHEMA, 'utf8')) as CompiledSchema;
    expect(versions).toEqual([{ hash: compiled.hash, active: true }]);
  });
});
