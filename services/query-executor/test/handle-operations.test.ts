import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, headers as natsHeaders, type NatsConnection } from 'nats';
import { Pool } from 'pg';
import { Counter, Registry } from 'prom-client';
import type { Caller } from '@fraiseql/identity';
import { HEADERS, SUBJECTS, writeCallerHeaders } from '@fraiseql/nats-contract';
import { DEFAULT_LIMITS, QueryPlanner } from '@fraiseql/query-planner';
import { createLogger, createRedMetrics } from '@fraiseql/service-kit';
import { DEMO_ORG_IDS, migrateShop, parseScale, seedShop } from '@fraiseql/shop';
import { captureLines, createTestDatabase, startNatsServer, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { createQueryHandler } from '../src/handle-query';
import { refuse } from '../src/request-envelope';
import { serveMutations } from '../src/serve-mutations';
import { serveQueries, type QueryService } from '../src/serve-queries';

// The query and mutation handlers as the executor wires them (serveQueries / serveMutations on a
// private nats-server), over the demo shop in a throwaway database: raw fraiseql.v1.* requests in,
// reply bytes, status headers and rows out.

const SHOP_SCHEMA = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', 'examples', 'shop', 'schema.compiled.json'), 'utf8'),
) as ConstructorParameters<typeof QueryPlanner>[0];
const [ORG_1, ORG_2] = DEMO_ORG_IDS as unknown as [string, string];
const SHOPPER: Caller = { subject: 'handler-shopper', orgId: ORG_1, roles: ['reader'] };
const CATALOG: Caller = { subject: 'handler-catalog', orgId: ORG_1, roles: ['catalog'] };
const ADDRESS = { street: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
const CREATE_ORDER = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { __typename
  ... on MutationError { errorClass } ... on CreateOrderSuccess { order { id status itemCount customer { id } } } } }`;
const UPDATE_PRODUCT = `mutation($input: UpdateProductInput!) { updateProduct(input: $input) { __typename
  ... on MutationError { errorClass } ... on UpdateProductSuccess { product { id name } } } }`;

interface Reply {
  status: number;
  schemaHash: string | undefined;
  text: string;
  body: { data?: any; errors?: Array<{ message: string; extensions: { code: string } }> };
}

describe("the query-executor's query and mutation handlers over NATS", () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let pool: Pool;
  let executorNc: NatsConnection;
  let nc: NatsConnection;
  let services: QueryService[];
  let registry: Registry;
  let logs: () => string[];
  let customer: string;
  let products: Array<{ id: string; name: string }>;
  let productOrg2: { id: string; name: string };

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('fraiseql_test_handlers')]);
    await migrateShop({ connectionString: db.url });
    await seedShop({ connectionString: db.url, orders: parseScale('1k') });
    pool = new Pool({ connectionString: db.url, max: 4, pipeline: true });
    [executorNc, nc] = await Promise.all([connect({ servers: nats.url }), connect({ servers: nats.url })]);
    const captured = captureLines();
    logs = captured.lines;
    const logger = createLogger({ service: 'query-executor', level: 'debug', destination: captured.destination });
    registry = new Registry();
    const metrics = createRedMetrics(registry, { prefix: 'fraiseql_query_executor' });
    const heartbeatsSent = new Counter({ name: 'fraiseql_query_executor_heartbeats_total', help: 'heartbeats', registers: [registry] });
    const planner = new QueryPlanner(SHOP_SCHEMA, { cursorSecret: 'handler-test-cursor-secret-0123456789abc', limits: DEFAULT_LIMITS });
    // requestRole: as main.ts by default, under the shop's row-level security (ADR 0132).
    const handlerOptions = {
      pool,
      planner: () => planner,
      statementTimeoutMs: 5000,
      requestRole: 'fraiseql_app',
      metrics,
      heartbeatsSent,
      logger,
    };
    services = [
      serveQueries({ nc: executorNc, handle: createQueryHandler(handlerOptions), maxInFlight: 8, refuse, logger }),
      serveMutations({ nc: executorNc, ...handlerOptions, maxInFlight: 8 }),
    ];
    await executorNc.flush();
    customer = (await pool.query('SELECT id FROM tb_user WHERE org_id = $1 ORDER BY id LIMIT 1', [ORG_1])).rows[0].id;
    products = (
      await pool.query('SELECT id, name FROM tb_product WHERE org_id = $1 AND is_active AND stock >= 50 ORDER BY id LIMIT 2', [ORG_1])
    ).rows;
    productOrg2 = (await pool.query('SELECT id, name FROM tb_product WHERE org_id = $1 ORDER BY id LIMIT 1', [ORG_2])).rows[0];
    expect(products).toHaveLength(2);
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.drain()));
    await Promise.all([executorNc.close(), nc.close()]);
    await pool.end();
    await nats.dispose();
    await db.drop();
  });

  async function send(
    subject: string,
    request: { query: string; variables?: Record<string, unknown> } | string,
    options: { auth?: Caller; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const h = natsHeaders();
    writeCallerHeaders(h, options.auth ?? SHOPPER);
    for (const [k, v] of Object.entries(options.headers ?? {})) h.set(k, v);
    const reply = await nc.request(subject, typeof request === 'string' ? request : JSON.stringify(request), {
      timeout: 10_000,
      headers: h,
    });
    const text = reply.string();
    return {
      status: Number(reply.headers?.get(HEADERS.status)),
      schemaHash: reply.headers?.get(HEADERS.schemaHash) || undefined,
      text,
      body: JSON.parse(text),
    };
  }
  const query = (request: Parameters<typeof send>[1], options?: Parameters<typeof send>[2]) => send(SUBJECTS.query, request, options);
  const mutate = (request: Parameters<typeof send>[1], options?: Parameters<typeof send>[2]) => send(SUBJECTS.mutation, request, options);
  const count = async (text: string, values: unknown[] = []): Promise<number> => Number((await pool.query(text, values)).rows[0].n);
  const orders = () => count('SELECT count(*) AS n FROM tb_order');
  const orderInput = () => ({ customerId: customer, items: [{ productId: products[0]!.id, quantity: 1 }], shippingAddress: ADDRESS });
  const codeOf = (reply: Reply) => reply.body.errors?.[0]?.extensions.code;

  /** Renames a database object for the duration of `act`: the compiled schema then names one that is missing. */
  async function without(kind: 'VIEW' | 'FUNCTION', name: string, act: () => Promise<void>): Promise<void> {
    await pool.query(`ALTER ${kind} ${name} RENAME TO ${name.replace(/\(.*$/, '')}_hidden`);
    try {
      await act();
    } finally {
      await pool.query(`ALTER ${kind} ${name.replace(/^(\w+)/, '$1_hidden')} RENAME TO ${name.replace(/\(.*$/, '')}`);
    }
  }

  describe('queries (fraiseql.v1.query)', () => {
    it("answers with the rows of the caller's org as PostgreSQL holds them, and the schema hash", async () => {
      const reply = await query({
        query: 'query($n: Int) { products(limit: $n, orderBy: [{ field: sku, direction: ASC }]) { id sku stock } }',
        variables: { n: 5 },
      });
      const rows = (await pool.query('SELECT id, sku, stock FROM tb_product WHERE org_id = $1 ORDER BY sku, id LIMIT 5', [ORG_1])).rows;
      expect(reply.status).toBe(200);
      expect(reply.schemaHash).toBe(SHOP_SCHEMA.hash);
      expect(reply.body).toEqual({ data: { products: rows } });
    });

    it("never returns another org's rows: a list holds only the caller's, a lookup of another org's id is null", async () => {
      const list = await query({ query: '{ products(limit: 500) { id } }' });
      const own = new Set((await pool.query('SELECT id FROM tb_product WHERE org_id = $1', [ORG_1])).rows.map((r) => r.id as string));
      expect(list.body.data.products.length).toBeGreaterThan(0);
      expect(list.body.data.products.every((p: { id: string }) => own.has(p.id))).toBe(true);
      expect(list.text).not.toContain(productOrg2.id);
      const lookup = await query({ query: 'query($id: ID!) { product(id: $id) { id name } }', variables: { id: productOrg2.id } });
      expect(lookup.body).toEqual({ data: { product: null } });
      const asOrg2 = await query(
        { query: 'query($id: ID!) { product(id: $id) { id name } }', variables: { id: productOrg2.id } },
        { auth: { subject: 'other', orgId: ORG_2, roles: ['reader'] } },
      );
      expect(asOrg2.body).toEqual({ data: { product: productOrg2 } });
    });

    it('re-validates the document and refuses an invalid one with GRAPHQL_VALIDATION_FAILED (400), without data', async () => {
      const reply = await query({ query: '{ products { id passwordHash } }' });
      expect(reply.status).toBe(400);
      expect(codeOf(reply)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(reply.body.data).toBeUndefined();
    });

    it('maps a missing view to FRAISEQL_DB_UNDEFINED_OBJECT (500), logging the PostgreSQL error with the request id but never sending it', async () => {
      await without('VIEW', 'v_product', async () => {
        const reply = await query({ query: '{ products { id } }' }, { headers: { [HEADERS.requestId]: 'req-missing-view' } });
        expect(reply.status).toBe(500);
        expect(codeOf(reply)).toBe('FRAISEQL_DB_UNDEFINED_OBJECT');
        expect(reply.text).not.toMatch(/v_product|SELECT|relation|42P01/);
      });
      const logged = logs()
        .map((l) => JSON.parse(l))
        .find((l) => l.requestId === 'req-missing-view');
      expect(logged).toMatchObject({ level: 'error', code: 'FRAISEQL_DB_UNDEFINED_OBJECT', msg: 'operation failed in PostgreSQL' });
      expect(JSON.stringify(logged.err)).toMatch(/v_product/);
    });

    it('skips a request whose deadline has already passed with FRAISEQL_TIMEOUT (504)', async () => {
      const reply = await query({ query: '{ products { id } }' }, { headers: { [HEADERS.deadlineEpochMs]: String(Date.now() - 1) } });
      expect(reply.status).toBe(504);
      expect(reply.body).toEqual({
        errors: [{ message: 'The request deadline passed before the executor could start it', extensions: { code: 'FRAISEQL_TIMEOUT' } }],
      });
    });

    it.each<[string, string, Record<string, string>]>([
      ['a body that is not JSON', '{"query": ', {}],
      ['a JSON array', '[]', {}],
      ['a body without a query', '{"variables": {}}', {}],
      ['variables that are not an object', '{"query": "{ products { id } }", "variables": [1]}', {}],
      ['a malformed deadline header', '{"query": "{ products { id } }"}', { [HEADERS.deadlineEpochMs]: 'soon' }],
    ])('replies FRAISEQL_BAD_MESSAGE (400) to %s', async (_name, body, headers) => {
      const reply = await query(body, { headers });
      expect(reply.status).toBe(400);
      expect(codeOf(reply)).toBe('FRAISEQL_BAD_MESSAGE');
    });

    it('refuses a mutation sent on the query subject with FRAISEQL_OPERATION_NOT_SUPPORTED, writing nothing', async () => {
      const before = await orders();
      const reply = await query({ query: CREATE_ORDER, variables: { input: orderInput() } });
      expect(codeOf(reply)).toBe('FRAISEQL_OPERATION_NOT_SUPPORTED');
      expect(await orders()).toBe(before);
    });

    it('counts its replies by operation, outcome and code', async () => {
      const count = async (labels: string): Promise<number> =>
        Number(new RegExp(`fraiseql_query_executor_requests_total\\{${labels}\\} (\\d+)`).exec(await registry.metrics())?.[1] ?? 0);
      const labels = [
        'operation="query",outcome="success",code=""',
        'operation="query",outcome="client_error",code="FRAISEQL_BAD_MESSAGE"',
        'operation="query",outcome="timeout",code="FRAISEQL_TIMEOUT"',
      ];
      const before = await Promise.all(labels.map(count));
      await query({ query: '{ products(limit: 1) { id } }' });
      await query('{nope');
      await query({ query: '{ products { id } }' }, { headers: { [HEADERS.deadlineEpochMs]: String(Date.now() - 1) } });
      const after = await Promise.all(labels.map(count));
      expect(after.map((n, i) => n - before[i]!)).toEqual([1, 1, 1]);
    });
  });

  describe('mutations (fraiseql.v1.mutation)', () => {
    it('runs the mutation function and replies with its result projected to the selection', async () => {
      const before = await orders();
      const reply = await mutate({ query: CREATE_ORDER, variables: { input: orderInput() } });
      expect(reply.status).toBe(200);
      const created = reply.body.data.createOrder;
      expect(created).toMatchObject({
        __typename: 'CreateOrderSuccess',
        order: { status: 'PENDING', itemCount: 1, customer: { id: customer } },
      });
      expect(await orders()).toBe(before + 1);
      expect((await pool.query('SELECT org_id, customer_id FROM tb_order WHERE id = $1', [created.order.id])).rows).toEqual([
        { org_id: ORG_1, customer_id: customer },
      ]);
    });

    it('replays the first reply byte for byte to a retry with the same Idempotency-Key, running the mutation once', async () => {
      const before = await orders();
      const headers = { [HEADERS.idempotencyKey]: 'handler-retry-1' };
      const first = await mutate({ query: CREATE_ORDER, variables: { input: orderInput() } }, { headers });
      const retry = await mutate({ query: CREATE_ORDER, variables: { input: orderInput() } }, { headers });
      expect(first.body.data.createOrder.__typename).toBe('CreateOrderSuccess');
      expect(retry.status).toBe(200);
      expect(retry.text).toBe(first.text);
      expect(await orders()).toBe(before + 1);
      expect(
        await count("SELECT count(*) AS n FROM fraiseql.tb_idempotency_key WHERE key = 'handler-retry-1' AND org_id = $1", [ORG_1]),
      ).toBe(1);
    });

    it('refuses the same Idempotency-Key with other variables or another caller with FRAISEQL_IDEMPOTENCY_KEY_REUSED (409), writing nothing', async () => {
      const headers = { [HEADERS.idempotencyKey]: 'handler-reuse-1' };
      await mutate({ query: CREATE_ORDER, variables: { input: orderInput() } }, { headers });
      const before = await orders();
      const otherVariables = await mutate(
        { query: CREATE_ORDER, variables: { input: { ...orderInput(), notes: 'different' } } },
        { headers },
      );
      const otherCaller = await mutate(
        { query: CREATE_ORDER, variables: { input: orderInput() } },
        { headers, auth: { ...SHOPPER, subject: 'someone-else' } },
      );
      for (const reply of [otherVariables, otherCaller]) {
        expect(reply.status).toBe(409);
        expect(codeOf(reply)).toBe('FRAISEQL_IDEMPOTENCY_KEY_REUSED');
      }
      expect(await orders()).toBe(before);
    });

    it.each<[string, string, Record<string, string>]>([
      ['a body that is not JSON', '{nope', {}],
      ['a body without a query', '{"variables": {}}', {}],
      [
        'an Idempotency-Key of 300 characters (checked before the document)',
        JSON.stringify({ query: CREATE_ORDER, variables: { input: {} } }),
        { [HEADERS.idempotencyKey]: 'k'.repeat(300) },
      ],
    ])('replies FRAISEQL_BAD_MESSAGE (400) to %s, writing nothing', async (_name, body, headers) => {
      const before = await orders();
      const reply = await mutate(body, { headers });
      expect(reply.status).toBe(400);
      expect(codeOf(reply)).toBe('FRAISEQL_BAD_MESSAGE');
      expect(await orders()).toBe(before);
    });

    it('skips a mutation whose deadline has already passed with FRAISEQL_TIMEOUT, writing nothing', async () => {
      const before = await orders();
      const reply = await mutate(
        { query: CREATE_ORDER, variables: { input: orderInput() } },
        { headers: { [HEADERS.deadlineEpochMs]: String(Date.now() - 1) } },
      );
      expect(reply.status).toBe(504);
      expect(codeOf(reply)).toBe('FRAISEQL_TIMEOUT');
      expect(await orders()).toBe(before);
    });

    it('refuses an input the schema does not allow before PostgreSQL, writing nothing', async () => {
      const before = await orders();
      const reply = await mutate({
        query: CREATE_ORDER,
        variables: { input: { ...orderInput(), items: [{ productId: products[0]!.id, quantity: 'two' }] } },
      });
      expect(codeOf(reply)).toBe('BAD_USER_INPUT');
      expect(reply.body.data).toBeUndefined();
      expect(await orders()).toBe(before);
    });

    it('refuses a query sent on the mutation subject with FRAISEQL_OPERATION_NOT_SUPPORTED', async () => {
      const reply = await mutate({ query: '{ products { id } }' });
      expect(codeOf(reply)).toBe('FRAISEQL_OPERATION_NOT_SUPPORTED');
      expect(reply.body.data).toBeUndefined();
    });

    it('maps a missing mutation function to FRAISEQL_DB_UNDEFINED_OBJECT without sending the PostgreSQL error, writing nothing', async () => {
      const before = await orders();
      const fn = (await pool.query("SELECT oid::regprocedure::text AS signature FROM pg_proc WHERE proname = 'fn_create_order'")).rows[0]
        .signature as string;
      await without('FUNCTION', fn, async () => {
        const reply = await mutate({ query: CREATE_ORDER, variables: { input: orderInput() } });
        expect(reply.status).toBe(500);
        expect(codeOf(reply)).toBe('FRAISEQL_DB_UNDEFINED_OBJECT');
        expect(reply.text).not.toMatch(/fn_create_order|SELECT|42883/);
      });
      expect(await orders()).toBe(before);
    });

    it("changes only the caller's org: another org's product is NOT_FOUND and stays as it was", async () => {
      const reply = await mutate(
        { query: UPDATE_PRODUCT, variables: { input: { id: productOrg2.id, name: 'renamed by org 1' } } },
        { auth: CATALOG },
      );
      expect(reply.body.data.updateProduct).toEqual({ __typename: 'MutationError', errorClass: 'NOT_FOUND' });
      expect((await pool.query('SELECT name FROM tb_product WHERE id = $1', [productOrg2.id])).rows).toEqual([{ name: productOrg2.name }]);
      const own = await mutate(
        { query: UPDATE_PRODUCT, variables: { input: { id: products[1]!.id, name: 'renamed by org 1' } } },
        { auth: CATALOG },
      );
      expect(own.body.data.updateProduct).toEqual({
        __typename: 'UpdateProductSuccess',
        product: { id: products[1]!.id, name: 'renamed by org 1' },
      });
      expect((await pool.query('SELECT name FROM tb_product WHERE id = $1', [products[1]!.id])).rows).toEqual([
        { name: 'renamed by org 1' },
      ]);
    });
  });
});
