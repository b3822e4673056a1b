import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { Pool, type PoolClient } from 'pg';
import { Counter, Registry } from 'prom-client';
import type { Caller } from '@fraiseql/identity';
import { decodeOperationReply, encodeOperationRequest, OPERATION_SUBJECTS } from '@fraiseql/nats-contract';
import { QueryPlanner } from '@fraiseql/query-planner';
import type { CompiledSchema } from '@fraiseql/schema';
import { createLogger, createRedMetrics } from '@fraiseql/service-kit';
import { DEMO_ORG_IDS, migrateShop, seedShop } from '@fraiseql/shop';
import { createTestDatabase, startNatsServer, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { createMutationHandler } from '../src/handle-mutation';
import { createQueryHandler } from '../src/handle-query';

// The shop's read rule on Order.notes (masked unless support, staff or admin; docs/adr/0136-authorization-in-the-plan.md)
// through the executor's real handlers, PostgreSQL and NATS: what SQL reaches PostgreSQL, what the caller gets back.

const SHOP = JSON.parse(readFileSync(join(__dirname, '../../../examples/shop/schema.compiled.json'), 'utf8')) as CompiledSchema;
const [ORG_1] = DEMO_ORG_IDS;
const reader: Caller = { subject: 'reader-1', orgId: ORG_1!, roles: ['reader'] };
const staff: Caller = { subject: 'staff-1', orgId: ORG_1!, roles: ['staff'] };

describe('read rules through the query-executor (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let subscriptions: Subscription[];
  /** Every SQL text the executor sent to PostgreSQL. */
  const sent: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('fraiseql_read_rules');
    await migrateShop({ connectionString: db.url });
    await seedShop({ connectionString: db.url, orders: 50 });
    pool = new Pool({ connectionString: db.url, max: 4 });
    await pool.query(`UPDATE tb_order SET notes = 'door code 4512' WHERE org_id = $1`, [ORG_1]);
    // Records the statements of every client the executor checks out of the pool.
    const connectPool = pool.connect.bind(pool) as () => Promise<PoolClient>;
    (pool as unknown as { connect: () => Promise<PoolClient> }).connect = async () => {
      const client = await connectPool();
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const first = args[0];
        sent.push(typeof first === 'string' ? first : String((first as { text?: string }).text ?? ''));
        return query(...args);
      };
      return client;
    };
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    const registry = new Registry();
    const planner = new QueryPlanner(SHOP, { cursorSecret: 'a-cursor-secret-of-at-least-32-characters' });
    const options = {
      pool,
      planner: () => planner,
      statementTimeoutMs: 5000,
      requestRole: 'fraiseql_app',
      metrics: createRedMetrics(registry, { prefix: 'fraiseql_query_executor' }),
      heartbeatsSent: new Counter({ name: 'heartbeats_total', help: 'heartbeats', registers: [registry] }),
      logger: createLogger({ service: 'query-executor', level: 'silent' }),
    };
    const query = createQueryHandler(options);
    const mutation = createMutationHandler(options);
    subscriptions = [
      nc.subscribe(OPERATION_SUBJECTS.query, { callback: (_e, msg) => void query(msg) }),
      nc.subscribe(OPERATION_SUBJECTS.mutation, { callback: (_e, msg) => void mutation(msg) }),
    ];
    await nc.flush();
  }, 120_000);

  afterAll(async () => {
    for (const s of subscriptions ?? []) s.unsubscribe();
    await nc?.close();
    await nats?.dispose();
    await pool?.end();
    await db?.drop();
  });

  async function send(query: string, caller: Caller) {
    const { data, headers } = encodeOperationRequest({
      body: { query, variables: null, operationName: null },
      meta: { deadlineEpochMs: Date.now() + 10_000, caller },
    });
    const reply = decodeOperationReply(await nc.request(OPERATION_SUBJECTS.query, data, { headers, timeout: 10_000 }));
    return { ...reply, json: JSON.parse(reply.body.toString('utf8')) };
  }

  it("never sends a masked field's path to PostgreSQL, and the caller reads null where staff reads the value", async () => {
    sent.length = 0;
    const masked = await send('{ orders(limit: 3, orderBy: [{ field: id }]) { id notes } }', reader);
    expect(masked.json.errors).toBeUndefined();
    expect(masked.json.data.orders).toHaveLength(3);
    expect(masked.json.data.orders.every((o: { notes: unknown }) => o.notes === null)).toBe(true);
    expect(masked.body.toString('utf8')).not.toContain('door code');
    const statement = sent.find((text) => text.includes('v_order'));
    expect(statement).toBeDefined();
    expect(statement).toContain("'notes', NULL");
    expect(statement).not.toMatch(/->'notes'/);

    sent.length = 0;
    const read = await send('{ orders(limit: 3, orderBy: [{ field: id }]) { id notes } }', staff);
    expect(read.json.data.orders.map((o: { notes: unknown }) => o.notes)).toEqual(['door code 4512', 'door code 4512', 'door code 4512']);
    expect(sent.find((text) => text.includes('v_order'))).toMatch(/->'notes'/);
  });

  it('refuses a filter on the masked field with FRAISEQL_FORBIDDEN naming the path, and sends no statement over v_order', async () => {
    sent.length = 0;
    const reply = await send('{ orders(where: { notes: { like: "door%" } }) { id } users(limit: 1) { id } }', reader);
    expect(reply.json.data.orders).toBeNull();
    expect(reply.json.data.users).toHaveLength(1);
    expect(reply.json.errors).toEqual([
      {
        message: 'Filtering by where.notes (Order.notes) needs the role support or staff or admin.',
        path: ['orders'],
        extensions: expect.objectContaining({ code: 'FRAISEQL_FORBIDDEN' }),
      },
    ]);
    expect(sent.some((text) => text.includes('v_order'))).toBe(false);
  });
});
