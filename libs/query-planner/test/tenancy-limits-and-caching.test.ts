import { buildGraphQLSchema } from '@fraiseql/schema';
import { buildSchema } from 'graphql';
import { DEFAULT_LIMITS, GraphqlRequestError, QueryPlanner, formatErrorBody, type PlannerLimits } from '../src';
import { AUTH_A, AUTH_B, NO_ORG, ORG_A, ORG_B, PlannerHarness, SECRET, thrownCode } from './fixtures/planner-harness';
import { compileTestSchema } from './fixtures/test-schema';

let h: PlannerHarness;
let orgAIds: Set<string>;
let orgBOrder: string;
beforeAll(async () => {
  h = await PlannerHarness.start();
  orgAIds = new Set(await h.ids(`SELECT id::text AS id FROM tb_order WHERE org_id = '${ORG_A}'`));
  [orgBOrder] = await h.ids(`SELECT id::text AS id FROM tb_order WHERE org_id = '${ORG_B}' AND status = 'PAID' ORDER BY id LIMIT 1`);
});
afterAll(async () => {
  await h.close();
});

const plannerWith = (limits: Partial<PlannerLimits>): QueryPlanner =>
  new QueryPlanner(compileTestSchema(), { cursorSecret: SECRET, limits });

describe('tenancy', () => {
  const ORDERS = 'query($w: OrderWhereInput) { orders(where: $w, limit: 500) { id } }';

  it("never returns another org's rows, whatever the filter", async () => {
    const filters = [
      {},
      { id: { eq: orgBOrder } },
      { or: [{ id: { eq: orgBOrder } }, { status: { eq: 'PAID' } }] },
      { or: [{ id: { in: [orgBOrder] } }, { not: { id: { eq: orgBOrder } } }] },
      { not: { status: { eq: 'PAID' } } },
      { customer: { email: { contains: '@' } } },
      { or: [{ and: [] }] },
    ];
    let seen = 0;
    for (const w of filters) {
      const ids: string[] = (await h.data(ORDERS, { w })).orders.map((o: { id: string }) => o.id);
      seen += ids.length;
      expect(ids.filter((id) => !orgAIds.has(id))).toEqual([]);
    }
    expect(seen).toBeGreaterThan(500);
    expect((await h.data(ORDERS, { w: { id: { eq: orgBOrder } } })).orders).toEqual([]);
    const b = (await h.data(ORDERS, { w: { id: { eq: orgBOrder } } }, AUTH_B)).orders;
    expect(b).toEqual([{ id: orgBOrder }]);
  });

  it("a lookup of another org's id returns null; connections and counts see only the caller's org", async () => {
    expect(await h.data(`{ order(id: "${orgBOrder}") { id } }`)).toEqual({ order: null });
    expect(await h.data(`{ order(id: "${orgBOrder}") { id } }`, {}, AUTH_B)).toEqual({ order: { id: orgBOrder } });
    const c = await h.data(
      `{ ordersConnection(first: 500, where: { or: [{ id: { eq: "${orgBOrder}" } }, { total: { gte: 0 } }] }) { totalCount edges { node { id } } } }`,
    );
    expect(c.ordersConnection.totalCount).toBe(orgAIds.size);
    expect(c.ordersConnection.edges.every((e: { node: { id: string } }) => orgAIds.has(e.node.id))).toBe(true);
  });

  it('a caller without an org gets a field error for tenant-scoped fields and no SQL for them', async () => {
    const { body, plan } = await h.run(
      '{ countries(limit: 2) { code } orders { id } order(id: "00000000-0000-4000-8000-000000000000") { id } }',
      {},
      NO_ORG,
    );
    expect(plan.steps.map((s) => s.kind)).toEqual(['sql', 'error', 'error']);
    expect(body.data.orders).toBeNull();
    expect(body.data.order).toBeNull();
    expect(body.data.countries).toHaveLength(2);
    expect(body.errors.map((e: { path: string[]; extensions: { code: string } }) => [e.path, e.extensions.code])).toEqual([
      [['orders'], 'FRAISEQL_UNAUTHENTICATED'],
      [['order'], 'FRAISEQL_UNAUTHENTICATED'],
    ]);
    const malformed = h.planner.plan(
      h.planner.prepare({ query: '{ orders { id } }' }),
      {},
      { subject: 'x', orgId: "' OR 1=1 --", roles: [] },
    );
    expect(malformed.steps[0]).toMatchObject({ kind: 'error', error: { code: 'FRAISEQL_FORBIDDEN' } });
  });
});

describe('injection attempts', () => {
  it('binds string values as parameters: quotes and SQL in values match nothing and harm nothing', async () => {
    const hostile = ["'; DROP TABLE tb_order; --", "\\'; SELECT 1; --", "%' OR '1'='1", '$1', "') OR TRUE --"];
    for (const value of hostile) {
      const data = await h.data(
        'query($v: String!) { orders(where: { or: [{ notes: { eq: $v } }, { notes: { contains: $v } }, { currency: { like: $v } }] }) { id } }',
        { v: value },
      );
      expect(data.orders).toEqual([]);
      const products = await h.data(
        'query($k: String!, $j: JSON) { products(where: { attributes: { hasKey: $k, contains: $j } }) { id } }',
        { k: value, j: { [value]: value } },
      );
      expect(products.products).toEqual([]);
    }
    const { rows } = await h.client.query('SELECT count(*)::int AS n FROM tb_order');
    expect(rows[0].n).toBe(300);
  });

  it('never puts caller values into the SQL text', async () => {
    const marker = 'zzmarkervaluezz';
    const { plan } = await h.run(`{ orders(where: { notes: { contains: "${marker}" }, currency: { eq: "${marker}" } }) { id } }`);
    const step = plan.steps[0] as { text: string; values: unknown[] };
    expect(step.text).not.toContain(marker);
    expect(step.values).toEqual(expect.arrayContaining([`%${marker}%`, marker]));
  });
});

describe('request errors and limits', () => {
  it('refuses an oversized document before parsing, counting UTF-8 bytes', () => {
    const planner = plannerWith({ maxDocumentBytes: 100 });
    const ascii = `{ orders { id } }${' '.repeat(83)}`;
    expect(Buffer.byteLength(ascii)).toBe(100);
    expect(thrownCode(() => planner.prepare({ query: ascii }))).toBeUndefined();
    const multibyte = `{ orders { id } } #${'é'.repeat(41)}`;
    expect(multibyte.length).toBeLessThanOrEqual(100);
    expect(thrownCode(() => planner.prepare({ query: multibyte }))).toBe('FRAISEQL_DOCUMENT_TOO_LARGE');
    expect(thrownCode(() => planner.prepare({ query: `{{{{ ${'x'.repeat(200)}` }))).toBe('FRAISEQL_DOCUMENT_TOO_LARGE');
  });

  it('refuses documents nested deeper than maxDepth', () => {
    const planner = plannerWith({ maxDepth: 3 });
    expect(thrownCode(() => planner.prepare({ query: '{ orders { customer { email } } }' }))).toBeUndefined();
    expect(thrownCode(() => planner.prepare({ query: '{ orders { items { product { sku } } } }' }))).toBe('FRAISEQL_DEPTH_LIMIT_EXCEEDED');
    expect(
      thrownCode(() =>
        planner.prepare({
          query: '{ orders { ...A } } fragment A on Order { items { ...B } } fragment B on OrderItem { product { sku } }',
        }),
      ),
    ).toBe('FRAISEQL_DEPTH_LIMIT_EXCEEDED');
    // A pathologically deep document fails fast with the depth code (or a parse error), never a crash.
    const deep = `{ orders { ${'customer { '.repeat(3000)}email${' }'.repeat(3000)} } }`;
    expect(['FRAISEQL_DEPTH_LIMIT_EXCEEDED', 'GRAPHQL_PARSE_FAILED']).toContain(thrownCode(() => h.planner.prepare({ query: deep })));
  });

  it('estimates cost with page sizes and nested list estimates', () => {
    const planner = plannerWith({ maxCost: 1000 });
    // 1 + 100 * (1 + 1 + 10 * (1 + 1 + 1)) = 3201
    expect(thrownCode(() => planner.prepare({ query: '{ orders(limit: 100) { id items { id product { sku } } } }' }))).toBe(
      'FRAISEQL_COST_LIMIT_EXCEEDED',
    );
    // 1 + 30 * (1 + 1 + 10 * 3) = 961
    expect(thrownCode(() => planner.prepare({ query: '{ orders(limit: 30) { id items { id product { sku } } } }' }))).toBeUndefined();
    // Connections multiply their edges by first/last.
    expect(
      thrownCode(() =>
        planner.prepare({ query: '{ ordersConnection(first: 300) { totalCount edges { node { id customer { email } } } } }' }),
      ),
    ).toBe('FRAISEQL_COST_LIMIT_EXCEEDED');
    expect(
      thrownCode(() =>
        planner.prepare({ query: '{ ordersConnection(first: 200) { totalCount edges { node { id customer { email } } } } }' }),
      ),
    ).toBeUndefined();
    // Defaults apply when no page size is given (orders: defaultLimit 20).
    expect(
      thrownCode(() =>
        planner.prepare({ query: '{ a: orders { items { id product { sku } } } b: orders { items { id product { sku } } } }' }),
      ),
    ).toBe('FRAISEQL_COST_LIMIT_EXCEEDED');
  });

  it('measures cost again at plan time when a page size comes from a variable', () => {
    const planner = plannerWith({ maxCost: 1000 });
    const op = planner.prepare({ query: 'query($n: Int) { orders(limit: $n) { id items { id product { sku } } } }' });
    expect(thrownCode(() => planner.plan(op, { n: 10 }, AUTH_A))).toBeUndefined();
    expect(thrownCode(() => planner.plan(op, { n: 100 }, AUTH_A))).toBe('FRAISEQL_COST_LIMIT_EXCEEDED');
  });

  it('refuses too many aliases', () => {
    const planner = plannerWith({ maxAliases: 3 });
    expect(thrownCode(() => planner.prepare({ query: '{ a: orders { b: id c: total } }' }))).toBeUndefined();
    expect(thrownCode(() => planner.prepare({ query: '{ a: orders { b: id c: total d: currency } }' }))).toBe(
      'FRAISEQL_ALIAS_LIMIT_EXCEEDED',
    );
  });

  it('maps parse, validation, variable and operation errors to their codes', () => {
    expect(thrownCode(() => h.planner.prepare({ query: '{ orders { id ' }))).toBe('GRAPHQL_PARSE_FAILED');
    expect(thrownCode(() => h.planner.prepare({ query: '{ orders { nope } }' }))).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(
      thrownCode(() => h.planner.prepare({ query: '{ orders { ...A } } fragment A on Order { ...B } fragment B on Order { ...A }' })),
    ).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(thrownCode(() => h.planner.prepare({ query: '{ order(id: true) { id } }' }))).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(thrownCode(() => h.planner.prepare({ query: 'query A { countries { id } } query B { countries { code } }' }))).toBe(
      'FRAISEQL_OPERATION_NOT_FOUND',
    );
    expect(thrownCode(() => h.planner.prepare({ query: 'query A { countries { id } }', operationName: 'Z' }))).toBe(
      'FRAISEQL_OPERATION_NOT_FOUND',
    );
    expect(
      h.planner.prepare({ query: 'query A { countries { id } } query B { countries { code } }', operationName: 'B' }).operationName,
    ).toBe('B');
    const op = h.planner.prepare({ query: 'query($id: ID!, $n: Int) { order(id: $id) { id } orders(limit: $n) { id } }' });
    expect(thrownCode(() => h.planner.plan(op, {}, AUTH_A))).toBe('BAD_USER_INPUT');
    expect(thrownCode(() => h.planner.plan(op, { id: 'x', n: 'ten' }, AUTH_A))).toBe('BAD_USER_INPUT');
    expect(thrownCode(() => h.planner.plan(op, { id: 'not-a-uuid' }, AUTH_A))).toBe('BAD_USER_INPUT');
    expect(thrownCode(() => h.planner.plan(h.planner.prepare({ query: '{ order(id: "12") { id } }' }), {}, AUTH_A))).toBe('BAD_USER_INPUT');
  });

  it('gives request errors an HTTP status and a formatted body', () => {
    let error: GraphqlRequestError | undefined;
    try {
      h.planner.prepare({ query: '{ orders { nope } }' });
    } catch (e) {
      error = e as GraphqlRequestError;
    }
    expect(error).toBeInstanceOf(GraphqlRequestError);
    expect(error!.httpStatus).toBe(400);
    const body = JSON.parse(formatErrorBody(error!.errors));
    expect(body.errors[0]).toMatchObject({
      message: expect.stringContaining('nope'),
      locations: [{ line: 1, column: 12 }],
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const tooLarge = (() => {
      try {
        plannerWith({ maxDocumentBytes: 1 }).prepare({ query: '{ x }' });
      } catch (e) {
        return e as GraphqlRequestError;
      }
      return undefined;
    })();
    expect(tooLarge!.httpStatus).toBe(413);
  });

  it('answers a mutation field the compiled schema does not declare with a field error, and does not plan subscriptions', () => {
    const compiled = compileTestSchema();
    const graphqlSchema = buildSchema(`${compiled.sdl}\ntype Mutation { touch: Boolean }\ntype Subscription { ticks: Int }`);
    const planner = new QueryPlanner(compiled, { cursorSecret: SECRET, graphqlSchema });
    const op = planner.prepare({ query: 'mutation { touch }' });
    expect(op.operationType).toBe('mutation');
    const plan = planner.plan(op, {}, AUTH_A);
    expect(plan.operationType).toBe('mutation');
    expect(plan.steps).toEqual([
      { kind: 'error', responseKey: 'touch', error: expect.objectContaining({ code: 'FRAISEQL_OPERATION_NOT_SUPPORTED' }) },
    ]);
    const subscription = planner.prepare({ query: 'subscription { ticks }' });
    expect(thrownCode(() => planner.plan(subscription, {}, AUTH_A))).toBe('FRAISEQL_OPERATION_NOT_SUPPORTED');
  });

  it('exports sane default limits', () => {
    expect(DEFAULT_LIMITS).toEqual({ maxDepth: 15, maxCost: 50_000, maxAliases: 30, maxDocumentBytes: 65_536 });
  });
});

describe('caching', () => {
  it('prepares a document once', () => {
    const query = '{ countries { code } }';
    expect(h.planner.prepare({ query })).toBe(h.planner.prepare({ query }));
    expect(h.planner.prepare({ query }).hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reuses the SQL text for the same operation and argument shape, with new values', () => {
    const op = h.planner.prepare({ query: 'query($w: OrderWhereInput, $n: Int) { orders(where: $w, limit: $n) { id } }' });
    const first = h.planner.plan(op, { w: { status: { eq: 'PAID' } }, n: 5 }, AUTH_A).steps[0] as {
      text: string;
      name: string;
      values: unknown[];
    };
    const second = h.planner.plan(op, { w: { status: { eq: 'SHIPPED' } }, n: 9 }, AUTH_B).steps[0] as typeof first;
    expect(second.text).toBe(first.text);
    expect(second.name).toBe(first.name);
    expect(first.name).toMatch(/^fq_[0-9a-f]{20}$/);
    expect(second.values).toEqual([ORG_B, 'SHIPPED', 9, 0]);
    const other = h.planner.plan(op, { w: { status: { neq: 'PAID' } }, n: 5 }, AUTH_A).steps[0] as typeof first;
    expect(other.text).not.toBe(first.text);
    const nulls = h.planner.plan(op, { w: { notes: { isNull: true } } }, AUTH_A).steps[0] as typeof first;
    const notNulls = h.planner.plan(op, { w: { notes: { isNull: false } } }, AUTH_A).steps[0] as typeof first;
    expect(nulls.text).not.toBe(notNulls.text);
  });

  it("accepts the schema lib's executable schema", () => {
    const compiled = compileTestSchema();
    const planner = new QueryPlanner(compiled, { cursorSecret: SECRET, graphqlSchema: buildGraphQLSchema(compiled) });
    expect(planner.schemaHash).toBe(compiled.hash);
    expect(planner.plan(planner.prepare({ query: '{ countries { code } }' }), null, NO_ORG).steps[0].kind).toBe('sql');
  });
});
