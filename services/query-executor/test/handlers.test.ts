import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { Pool } from 'pg';
import { Counter, Registry } from 'prom-client';
import type { Caller } from '@fraiseql/identity';
import { decodeOperationReply, encodeOperationRequest, OPERATION_SUBJECTS, type OperationRequestMeta } from '@fraiseql/nats-contract';
import { QueryPlanner } from '@fraiseql/query-planner';
import type { CompiledSchema } from '@fraiseql/schema';
import { createRedMetrics, createLogger } from '@fraiseql/service-kit';
import { DEMO_ORG_IDS, migrateShop, seedShop } from '@fraiseql/shop';
import { captureLines, createTestDatabase, startNatsServer, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { createMutationHandler } from '../src/handle-mutation';
import { createQueryHandler } from '../src/handle-query';

// The executor's query and mutation handlers on their own: real PostgreSQL (the demo shop), real NATS
// request/reply, requests and replies through the libs/nats-contract codecs; no gateway, no queue group.

const SHOP = JSON.parse(readFileSync(join(__dirname, '../../../examples/shop/schema.compiled.json'), 'utf8')) as CompiledSchema;
const [ORG_1, ORG_2] = DEMO_ORG_IDS;
const staff = (orgId: string): Caller => ({ subject: 'staff-1', orgId, roles: ['staff'] });

describe('query and mutation handlers (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let registry: Registry;
  let subscriptions: Subscription[];
  const logs = captureLines();

  beforeAll(async () => {
    db = await createTestDatabase('fraiseql_handlers');
    await migrateShop({ connectionString: db.url });
    await seedShop({ connectionString: db.url, orders: 200 });
    pool = new Pool({ connectionString: db.url, max: 4 });
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    registry = new Registry();
    const planner = new QueryPlanner(SHOP, { cursorSecret: 'a-cursor-secret-of-at-least-32-characters' });
    const options = {
      pool,
      planner: () => planner,
      statementTimeoutMs: 5000,
      // As main.ts by default: requests under the shop's row-level security (ADR 0132).
      requestRole: 'fraiseql_app',
      metrics: createRedMetrics(registry, { prefix: 'fraiseql_query_executor' }),
      heartbeatsSent: new Counter({ name: 'heartbeats_total', help: 'heartbeats', registers: [registry] }),
      logger: createLogger({ service: 'query-executor', level: 'debug', destination: logs.destination }),
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

  async function send(
    kind: 'query' | 'mutation',
    query: string,
    variables: Record<string, unknown> | null,
    meta: Partial<OperationRequestMeta> & { caller: Caller },
  ) {
    const { data, headers } = encodeOperationRequest({
      body: { query, variables, operationName: null },
      meta: { deadlineEpochMs: Date.now() + 10_000, ...meta },
    });
    const reply = decodeOperationReply(await nc.request(OPERATION_SUBJECTS[kind], data, { headers, timeout: 10_000 }));
    return { ...reply, json: JSON.parse(reply.body.toString('utf8')) };
  }
  const rows = async <T>(sql: string, values: unknown[] = []): Promise<T[]> => (await pool.query(sql, values)).rows as T[];

  it("answers a query with the caller's org's rows only, the data PostgreSQL built, and the schema hash", async () => {
    const reply = await send('query', '{ orders(limit: 500, orderBy: [{ field: id }]) { id status } }', null, { caller: staff(ORG_1!) });
    expect(reply.status).toBe(200);
    expect(reply.schemaHash).toBe(SHOP.hash);
    expect(reply.errorCode).toBeUndefined();
    const expected = await rows<{ id: string; status: string }>('SELECT id::text, status FROM tb_order WHERE org_id = $1 ORDER BY id', [
      ORG_1,
    ]);
    expect(reply.json.data.orders).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
  });

  it("returns null for another org's order looked up by id", async () => {
    const [other] = await rows<{ id: string }>('SELECT id::text FROM tb_order WHERE org_id = $1 LIMIT 1', [ORG_2]);
    const reply = await send('query', `{ order(id: "${other!.id}") { id } }`, null, { caller: staff(ORG_1!) });
    expect(reply.json).toEqual({ data: { order: null } });
  });

  it('refuses a document that does not validate, before any SQL, with its code in the body and the reply header', async () => {
    const reply = await send('query', '{ orders { nope } }', null, { caller: staff(ORG_1!) });
    expect(reply.status).toBe(400);
    expect(reply.errorCode).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(reply.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('maps a PostgreSQL failure to its stable code, and the next request finds a healthy pool', async () => {
    await pool.query('ALTER VIEW v_user RENAME TO v_user_moved');
    try {
      const reply = await send('query', '{ users { id } }', null, { caller: staff(ORG_1!) });
      expect(reply.status).toBe(500);
      expect(reply.errorCode).toBe('FRAISEQL_DB_UNDEFINED_OBJECT');
      expect(reply.json.data).toEqual({ users: null });
      expect(reply.json.errors[0]).toMatchObject({ path: ['users'], extensions: { code: 'FRAISEQL_DB_UNDEFINED_OBJECT' } });
    } finally {
      await pool.query('ALTER VIEW v_user_moved RENAME TO v_user');
    }
    const again = await send('query', '{ users(limit: 1) { id } }', null, { caller: staff(ORG_1!) });
    expect(again.json.data.users).toHaveLength(1);
  });

  it('skips a request whose deadline has passed (FRAISEQL_TIMEOUT) and refuses a malformed one (FRAISEQL_BAD_MESSAGE)', async () => {
    const late = await send('query', '{ users { id } }', null, { caller: staff(ORG_1!), deadlineEpochMs: Date.now() - 1 });
    expect(late.errorCode).toBe('FRAISEQL_TIMEOUT');
    const malformed = decodeOperationReply(await nc.request(OPERATION_SUBJECTS.query, '{"query": 42}', { timeout: 5000 }));
    expect(malformed.errorCode).toBe('FRAISEQL_BAD_MESSAGE');
    expect(JSON.parse(malformed.body.toString()).errors[0].message).toMatch(/"query" must be a non-empty string/);
  });

  it('runs only its own operation type on each subject', async () => {
    const onQuery = await send('query', 'mutation { cancelOrder(input: { id: "x" }) { __typename } }', null, { caller: staff(ORG_1!) });
    expect(onQuery.errorCode).toBe('FRAISEQL_OPERATION_NOT_SUPPORTED');
    const onMutation = await send('mutation', '{ users { id } }', null, { caller: staff(ORG_1!) });
    expect(onMutation.errorCode).toBe('FRAISEQL_OPERATION_NOT_SUPPORTED');
  });

  it('runs a mutation once per Idempotency-Key: a retry gets the first response, another operation with the key is refused', async () => {
    const [order] = await rows<{ id: string }>("SELECT id::text FROM tb_order WHERE org_id = $1 AND status = 'PENDING' LIMIT 1", [ORG_1]);
    const mutation =
      'mutation($input: UpdateOrderStatusInput!) { updateOrderStatus(input: $input) { __typename ... on UpdateOrderStatusSuccess { order { id status } } } }';
    const changesBefore = await rows<{ n: number }>('SELECT count(*)::int AS n FROM fraiseql.tb_entity_change_log WHERE entity_id = $1', [
      order!.id,
    ]);
    const key = `pay-${order!.id}`;
    const first = await send(
      'mutation',
      mutation,
      { input: { id: order!.id, status: 'PAID' } },
      { caller: staff(ORG_1!), idempotencyKey: key },
    );
    expect(first.json.data.updateOrderStatus).toEqual({ __typename: 'UpdateOrderStatusSuccess', order: { id: order!.id, status: 'PAID' } });
    const retry = await send(
      'mutation',
      mutation,
      { input: { status: 'PAID', id: order!.id } },
      { caller: staff(ORG_1!), idempotencyKey: key },
    );
    expect(retry.body.equals(first.body)).toBe(true);
    const changesAfter = await rows<{ n: number }>('SELECT count(*)::int AS n FROM fraiseql.tb_entity_change_log WHERE entity_id = $1', [
      order!.id,
    ]);
    expect(changesAfter[0]!.n - changesBefore[0]!.n).toBe(1);
    const reused = await send(
      'mutation',
      mutation,
      { input: { id: order!.id, status: 'SHIPPED' } },
      { caller: staff(ORG_1!), idempotencyKey: key },
    );
    expect(reused.errorCode).toBe('FRAISEQL_IDEMPOTENCY_KEY_REUSED');
    expect((await rows<{ status: string }>('SELECT status FROM tb_order WHERE id = $1', [order!.id]))[0]!.status).toBe('PAID');
  });

  it('counts every request with the code it ended with and the outcome that follows from it', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/fraiseql_query_executor_requests_total\{operation="query",outcome="success",code=""\} [1-9]/);
    expect(text).toMatch(
      /fraiseql_query_executor_requests_total\{operation="query",outcome="client_error",code="GRAPHQL_VALIDATION_FAILED"\} 1/,
    );
    expect(text).toMatch(
      /fraiseql_query_executor_requests_total\{operation="query",outcome="server_error",code="FRAISEQL_DB_UNDEFINED_OBJECT"\} 1/,
    );
    expect(text).toMatch(/fraiseql_query_executor_requests_total\{operation="query",outcome="timeout",code="FRAISEQL_TIMEOUT"\} 1/);
    expect(text).toMatch(
      /fraiseql_query_executor_requests_total\{operation="mutation",outcome="client_error",code="FRAISEQL_IDEMPOTENCY_KEY_REUSED"\} 1/,
    );
  });
});
