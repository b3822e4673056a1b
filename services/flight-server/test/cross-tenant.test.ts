import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { DateDay, Table, Utf8, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { encodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import { FlightClient, type FlightInfo } from '@fraiseql/flight';
import { eventSubject, provisionJetStream } from '@fraiseql/nats-contract';
import type { CompiledSchema } from '@fraiseql/schema';
import { DEMO_ORG_IDS, migrateShop, seedShop } from '@fraiseql/shop';
import { startFlightStack, type FlightStack } from './fixtures/flight-stack';

// The cross-tenant attack suite, Flight paths (docs/security.md, "Tenancy"): an analyst of org 1 tries every ticket kind,
// DoPut, the actions and ticket theft against org 2, through a real gRPC client. Every byte it receives is kept (Arrow
// batches as JSON); at the end none may contain an id of org 2's rows, an event of org 2 or org 2's canary text.
// GraphQL paths: test/e2e/cross-tenant-graphql.e2e.test.ts. Analytics datasets: flight-analytics.test.ts (org-scoped).

const SHOP_SCHEMA = join(__dirname, '../../../examples/shop/schema.compiled.json');
const [ATTACKER_ORG, VICTIM_ORG] = DEMO_ORG_IDS as readonly [string, string, ...string[]];
const CANARY = `canary-${randomUUID()}`;
/** Arrow values as text a leak check can search: UUIDs (FixedSizeBinary 16) as their usual form, int64 as digits. */
const asText = (_key: string, v: unknown): unknown => {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array && v.length === 16) {
    const hex = Buffer.from(v).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return v;
};
const cmd = (value: unknown) => ({ type: 2, cmd: Buffer.from(JSON.stringify(value)) });
const path = (...parts: string[]) => ({ type: 1, path: parts });

describe('cross-tenant attacks on the Flight paths: org 1 against org 2 (real gRPC, PostgreSQL, JetStream)', () => {
  let stack: FlightStack;
  let attacker: FlightClient;
  let victim: FlightClient;
  let nc: NatsConnection;
  const victimIds: string[] = [];
  let victimOrder: string;
  const seen: string[] = [];

  beforeAll(async () => {
    stack = await startFlightStack({
      compiled: JSON.parse(readFileSync(SHOP_SCHEMA, 'utf8')) as CompiledSchema,
      prepare: async (admin) => {
        const url = (admin as unknown as { options: { connectionString: string } }).options.connectionString;
        await migrateShop({ connectionString: url });
        await seedShop({ connectionString: url, orders: 300 });
      },
    });
    attacker = await stack.client('attacker', ATTACKER_ORG);
    victim = await stack.client('victim', VICTIM_ORG);
    for (const table of ['tb_order', 'tb_user', 'tb_product']) {
      const { rows } = await stack.admin.query<{ id: string }>(`SELECT id::text FROM ${table} WHERE org_id = $1`, [VICTIM_ORG]);
      victimIds.push(...rows.map((r) => r.id));
    }
    victimOrder = (await stack.admin.query<{ id: string }>(`SELECT id::text FROM tb_order WHERE org_id = $1 LIMIT 1`, [VICTIM_ORG]))
      .rows[0]!.id;
    await stack.admin.query(`UPDATE tb_order SET notes = $2 WHERE id = $1`, [victimOrder, CANARY]);
    await stack.admin.query(`INSERT INTO ta_sales_target (org_id, month, region, target) VALUES ($1, '2026-01-01', $2, 99)`, [
      VICTIM_ORG,
      CANARY,
    ]);
    // Events of both orgs in JetStream; the victim's carry the canary.
    nc = await connect({ servers: stack.nats.url });
    await provisionJetStream(nc);
    const js = nc.jetstream();
    const now = Date.now();
    for (const [n, org] of [
      [1, ATTACKER_ORG],
      [2, VICTIM_ORG],
      [3, VICTIM_ORG],
    ] as const) {
      const event: EntityEvent = {
        event_id: randomUUID(),
        seq: n,
        event_type: 'UPDATE',
        entity_type: 'Order',
        entity_id: org === VICTIM_ORG ? victimOrder : randomUUID(),
        org_id: org,
        user_id: 'u',
        timestamp: new Date(now - 60_000 + n).toISOString().replace('Z', '000Z'),
        data: { id: 'x', notes: org === VICTIM_ORG ? CANARY : 'mine' },
        before: null,
        changed_fields: ['notes'],
        schema_version: 'test',
      };
      await js.publish(eventSubject(event.org_id, event.entity_type, event.event_type), encodeEntityEvent(event), {
        msgID: event.event_id,
      });
    }
  }, 120_000);
  afterAll(async () => {
    await nc?.close();
    await stack?.close();
  });

  /** Reads every endpoint of a descriptor as the attacker and keeps what it got. */
  async function attackerReads(descriptor: Parameters<FlightClient['getFlightInfo']>[0]): Promise<Record<string, unknown>[]> {
    const info: FlightInfo = await attacker.getFlightInfo(descriptor);
    const rows: Record<string, unknown>[] = [];
    for (const endpoint of info.endpoint ?? []) {
      const batches: RecordBatch[] = [];
      for await (const batch of attacker.doGet(endpoint.ticket!.ticket!)) batches.push(batch);
      if (batches.length > 0)
        rows.push(...new Table(batches).toArray().map((r) => JSON.parse(JSON.stringify(r.toJSON(), asText)) as Record<string, unknown>));
    }
    seen.push(JSON.stringify(rows));
    return rows;
  }

  async function refusal(work: Promise<unknown>): Promise<string> {
    try {
      const value = await work;
      seen.push(JSON.stringify(value ?? null, asText));
      return 'accepted';
    } catch (error) {
      seen.push(String((error as Error).message));
      return (error as { code?: string }).code ?? 'unknown';
    }
  }

  it("serves whole datasets, views and list queries of the attacker's org only, whatever the filter names", async () => {
    const orders = await attackerReads(path('va_order'));
    expect(orders.length).toBeGreaterThan(0);
    expect(new Set(orders.map((o) => o.org_id))).toEqual(new Set([ATTACKER_ORG]));
    expect(
      await attackerReads(
        cmd({
          kind: 'view',
          view: 'va_order',
          columns: ['id', 'notes'],
          filters: [{ column: 'id', op: 'in', value: victimIds.slice(0, 200) }],
        }),
      ),
    ).toEqual([]);
    expect(
      await attackerReads(
        cmd({ kind: 'view', view: 'va_order', columns: ['id'], filters: [{ column: 'notes', op: 'eq', value: CANARY }] }),
      ),
    ).toEqual([]);
    const filterOnOrg = await refusal(
      attackerReads(
        cmd({ kind: 'view', view: 'va_order', columns: ['id', 'org_id'], filters: [{ column: 'org_id', op: 'eq', value: VICTIM_ORG }] }),
      ),
    );
    expect(['accepted', 'BAD_USER_INPUT', 'FRAISEQL_BAD_REQUEST', 'FRAISEQL_FORBIDDEN']).toContain(filterOnOrg);
    expect(
      await attackerReads(cmd({ kind: 'graphql', query: `{ orders(where: { id: { eq: "${victimOrder}" } }) { id notes } }` })),
    ).toEqual([]);
    expect((await attackerReads(path('query', 'orders'))).length).toBeGreaterThan(0);
    expect(await attackerReads(path('ta_sales_target'))).toEqual([]);
  });

  it("streams the attacker's own events only, and refuses naming org 2 in an events ticket", async () => {
    const events = await attackerReads(path('events', 'Order'));
    expect(events.length).toBe(1);
    expect(events.every((e) => e.org_id === ATTACKER_ORG)).toBe(true);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    expect(await refusal(attackerReads(cmd({ kind: 'events', entityType: 'Order', orgId: VICTIM_ORG, from, to })))).not.toBe('accepted');
  });

  it("cannot redeem org 2's tickets, nor tamper with its own to reach org 2", async () => {
    const info = await victim.getFlightInfo(path('va_order'));
    const stolen = info.endpoint![0]!.ticket!.ticket!;
    expect(
      await refusal(
        (async () => {
          for await (const _ of attacker.doGet(stolen)) void _;
        })(),
      ),
    ).toBe('FRAISEQL_TICKET_WRONG_PRINCIPAL');
    const own = Buffer.from((await attacker.getFlightInfo(path('va_order'))).endpoint![0]!.ticket!.ticket!);
    // Swap the attacker's org id for the victim's inside the ticket bytes (it is signed: the change is detected).
    const tampered = Buffer.from(own.toString('latin1').split(ATTACKER_ORG).join(VICTIM_ORG), 'latin1');
    expect(
      await refusal(
        (async () => {
          for await (const _ of attacker.doGet(tampered)) void _;
        })(),
      ),
    ).toMatch(/^FRAISEQL_TICKET_(FORGED|INVALID)$/);
  });

  it("cannot write rows into org 2 with DoPut, nor reload org 2's tables with refresh", async () => {
    const { rows: before } = await stack.admin.query(`SELECT * FROM ta_sales_target WHERE org_id = $1 ORDER BY region`, [VICTIM_ORG]);
    const upload = new Table({
      org_id: vectorFromArray([VICTIM_ORG], new Utf8()),
      month: vectorFromArray([Date.UTC(2026, 2, 1)], new DateDay()),
      region: vectorFromArray(['smuggled'], new Utf8()),
      target: vectorFromArray(['1.00'], new Utf8()),
    });
    expect(await refusal(attacker.doPut(path('ta_sales_target'), upload))).not.toBe('accepted');
    const factsBefore = await stack.admin.query(`SELECT count(*)::int AS n FROM ta_order_fact WHERE org_id = $1`, [VICTIM_ORG]);
    await refusal(attacker.doAction('refresh', Buffer.from(JSON.stringify({ table: 'ta_order_fact', orgId: VICTIM_ORG }))));
    const factsAfter = await stack.admin.query(`SELECT count(*)::int AS n FROM ta_order_fact WHERE org_id = $1`, [VICTIM_ORG]);
    expect(factsAfter.rows).toEqual(factsBefore.rows);
    const { rows: after } = await stack.admin.query(`SELECT * FROM ta_sales_target WHERE org_id = $1 ORDER BY region`, [VICTIM_ORG]);
    expect(after).toEqual(before);
  });

  it('cannot name org 2 in x-fraiseql-org on a Flight call', async () => {
    const switching = new FlightClient(stack.server.address, {
      token: await stack.jwt('attacker', ATTACKER_ORG),
      headers: { 'x-fraiseql-org': VICTIM_ORG },
    });
    try {
      expect(await refusal(switching.getFlightInfo(path('va_order')))).toBe('FRAISEQL_FORBIDDEN');
    } finally {
      switching.close();
    }
  });

  it('leaked nothing: no byte the attacker received holds an id of org 2, its events or its canary', () => {
    const all = seen.join('\n');
    expect(seen.length).toBeGreaterThanOrEqual(8);
    expect(all).not.toContain(CANARY);
    expect(victimIds.filter((id) => all.includes(id))).toEqual([]);
  });
});
