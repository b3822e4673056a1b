import { copyQueryToArrow } from '@fraiseql/arrow';
import { FraiseqlError } from '@fraiseql/errors';
import type { TestDatabase } from '@fraiseql/testkit';
import type { Caller } from '@fraiseql/identity';
import { GraphqlRequestError, QueryPlanner, type ArrowColumnNode } from '../src';
import { ArrowHarness, createShopDatabase, shopCompiledSchema, thrownError } from './fixtures/arrow-harness';
import { AUTH_A as ORG_A_CALLER, AUTH_B as ORG_B_CALLER, NO_ORG, ORG_A, PlannerHarness, SECRET } from './fixtures/planner-harness';

// The shop masks Order.notes for callers without a staff role (ADR 0136); these plans read and filter notes.
const AUTH_A = { ...ORG_A_CALLER, roles: ['staff'] };
const AUTH_B = { ...ORG_B_CALLER, roles: ['staff'] };

/** planArrow over the demo shop (examples/shop migrations and compiled schema), compared with plan()'s JSON. */

const UNKNOWN_OID = 705;
const ORDER_B = 'b3000000-0000-4000-8000-000000000001';

let db: TestDatabase;
let h: ArrowHarness;
beforeAll(async () => {
  db = await createShopDatabase();
  h = new ArrowHarness(new QueryPlanner(shopCompiledSchema(), { cursorSecret: SECRET }), db.url);
});
afterAll(async () => {
  await h?.close();
  await db?.drop();
});

const ORDERS = `
  query Orders($withNotes: Boolean!, $noTotal: Boolean!, $w: OrderWhereInput, $limit: Int, $offset: Int) {
    orders(where: $w, orderBy: [{ field: placedAt, direction: DESC }], limit: $limit, offset: $offset) {
      __typename
      id
      state: status
      total @skip(if: $noTotal)
      notes @include(if: $withNotes)
      ...OrderBits
      buyer: customer { __typename id email name tags isActive createdAt }
      shippingAddress { city country }
      items { qty: quantity unitPrice product { sku } }
    }
  }
  fragment OrderBits on Order { placedAt itemCount currency ... on Order { id } }`;

const PRODUCTS = `
  query Products($w: ProductWhereInput) {
    products(where: $w) {
      id sku name description price stock isActive tags attributes updatedAt
      category { id name slug createdAt __typename }
    }
  }`;

describe('planArrow: column tree', () => {
  it('names columns c0, c1, … in selection order, keeping aliases, fragments, @skip/@include, structs, scalar lists and object lists', () => {
    const plan = h.planArrow(ORDERS, { withNotes: true, noTotal: false }, AUTH_A);
    expect(plan).toMatchObject({ operationHash: expect.any(String), responseKey: 'orders', queryName: 'orders', entityType: 'Order' });
    const expected: ArrowColumnNode[] = [
      { kind: 'value', name: '__typename', sqlColumn: 'c0' },
      { kind: 'value', name: 'id', sqlColumn: 'c1' },
      { kind: 'value', name: 'state', sqlColumn: 'c2' },
      { kind: 'value', name: 'total', sqlColumn: 'c3' },
      { kind: 'value', name: 'notes', sqlColumn: 'c4' },
      { kind: 'value', name: 'placedAt', sqlColumn: 'c5' },
      { kind: 'value', name: 'itemCount', sqlColumn: 'c6' },
      { kind: 'value', name: 'currency', sqlColumn: 'c7' },
      {
        kind: 'struct',
        name: 'buyer',
        presentColumn: 'c8',
        children: [
          { kind: 'value', name: '__typename', sqlColumn: 'c9' },
          { kind: 'value', name: 'id', sqlColumn: 'c10' },
          { kind: 'value', name: 'email', sqlColumn: 'c11' },
          { kind: 'value', name: 'name', sqlColumn: 'c12' },
          { kind: 'value', name: 'tags', sqlColumn: 'c13' },
          { kind: 'value', name: 'isActive', sqlColumn: 'c14' },
          { kind: 'value', name: 'createdAt', sqlColumn: 'c15' },
        ],
      },
      {
        kind: 'struct',
        name: 'shippingAddress',
        presentColumn: 'c16',
        children: [
          { kind: 'value', name: 'city', sqlColumn: 'c17' },
          { kind: 'value', name: 'country', sqlColumn: 'c18' },
        ],
      },
      { kind: 'json', name: 'items', sqlColumn: 'c19' },
    ];
    expect(plan.columns).toEqual(expected);
    expect(plan.sql).toMatch(
      /^SELECT 'Order'::text AS c0, t\.id AS c1, t\."status"::text AS c2, t\."total" AS c3, \(t\.data->>'notes'\) AS c4, t\."placed_at" AS c5, /,
    );
    expect(plan.sql).toContain(`'User'::text AS c9`);
    expect(plan.sql).toMatch(
      / FROM "v_order" t WHERE t\.org_id = \$1::uuid ORDER BY t\."placed_at" DESC NULLS FIRST, t\.id DESC NULLS FIRST$/,
    );
    expect(plan.values).toEqual([ORG_A]);

    const other = h.planArrow(ORDERS, { withNotes: false, noTotal: true, limit: 5, offset: 2 }, AUTH_A);
    expect(other.columns.slice(0, 5).map((c) => c.name)).toEqual(['__typename', 'id', 'state', 'placedAt', 'itemCount']);
    expect(other.sql).toMatch(/ LIMIT \$2::bigint OFFSET \$3::bigint$/);
    expect(other.values).toEqual([ORG_A, 5, 2]);
  });

  it('reads typed view columns as the view types them and casts leaves extracted from data', async () => {
    const plan = h.planArrow(ORDERS, { withNotes: true, noTotal: false }, AUTH_A);
    const fields = await h.describe(plan);
    expect(fields.map((f) => f.name)).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`));
    const numeric12x2 = ((12 << 16) | 2) + 4;
    expect(fields.map((f) => [f.dataTypeID, f.dataTypeModifier])).toEqual([
      [25, -1], // __typename text
      [2950, -1], // id uuid (view column)
      [25, -1], // status text (view column)
      [1700, numeric12x2], // total numeric(12,2) (view column)
      [25, -1], // notes text
      [1184, -1], // placedAt timestamptz (view column)
      [23, -1], // itemCount int4
      [25, -1], // currency text
      [16, -1], // buyer present
      [25, -1],
      [25, -1],
      [25, -1],
      [25, -1], // __typename, id (ID is text inside data), email, name
      [1009, -1], // tags text[]
      [16, -1], // isActive bool
      [1184, -1], // createdAt timestamptz
      [16, -1],
      [25, -1],
      [25, -1], // shippingAddress present, city, country
      [3802, -1], // items jsonb
    ]);
    const products = await h.describe(h.planArrow(PRODUCTS, {}, AUTH_A));
    expect(products.map((f) => f.dataTypeID)).toEqual([2950, 25, 25, 25, 1700, 23, 16, 1009, 3802, 1184, 16, 25, 25, 25, 1184, 25]);
  });

  it('gives every column a concrete type and every placeholder a cast, whatever the filter', async () => {
    const filters = [
      { status: { in: ['PAID', 'SHIPPED'] }, total: { gte: 1 }, notes: { contains: 'a' } },
      { customer: { tags: { overlaps: ['vip', 'a,b'] } }, items: { some: { quantity: { gte: 2 } } } },
      { or: [{ placedAt: { lt: '2024-03-01T00:00:00Z' } }, { not: { itemCount: { eq: 0 } } }] },
    ];
    for (const w of filters) {
      const plan = h.planArrow(ORDERS, { withNotes: true, noTotal: false, w, limit: 1000, offset: 0 }, AUTH_A);
      expect(plan.sql.match(/\$\d+(?!\d|::)/g)).toBeNull();
      expect((await h.describe(plan)).filter((f) => f.dataTypeID === UNKNOWN_OID)).toEqual([]);
    }
  });

  it('is decoded into Arrow record batches by copyQueryToArrow', async () => {
    const plan = h.planArrow(ORDERS, { withNotes: true, noTotal: false, w: { status: { in: ['PAID', 'CANCELLED'] } } }, AUTH_A);
    const json = (await h.jsonAnswer(
      ORDERS,
      { withNotes: true, noTotal: false, w: { status: { in: ['PAID', 'CANCELLED'] } } },
      AUTH_A,
    )) as Array<Record<string, unknown>>;
    const client = await h.pool.connect();
    try {
      const states: unknown[] = [];
      const emails: unknown[] = [];
      let rows = 0;
      for await (const batch of copyQueryToArrow(client, plan.sql, plan.values)) {
        expect(batch.schema.fields.map((f) => f.name)).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`));
        rows += batch.numRows;
        for (let i = 0; i < batch.numRows; i++) {
          states.push(batch.getChild('c2')!.get(i));
          emails.push(batch.getChild('c11')!.get(i));
        }
      }
      expect(rows).toBe(json.length);
      expect(rows).toBeGreaterThan(2);
      expect(states).toEqual(json.map((o) => o.state));
      expect(emails).toEqual(json.map((o) => (o.buyer as { email: string }).email));
    } finally {
      client.release();
    }
  });

  it('returns the cached statement for a repeated shape, and its column tree cannot be changed by a caller', () => {
    const a = h.planArrow(ORDERS, { withNotes: true, noTotal: false, limit: 3 }, AUTH_A);
    const b = h.planArrow(ORDERS, { withNotes: true, noTotal: false, limit: 7 }, AUTH_B);
    expect(b.sql).toBe(a.sql);
    expect(b.columns).toBe(a.columns);
    expect(b.values).toEqual([AUTH_B.orgId, 7]);
    expect(Object.isFrozen(a.columns) && Object.isFrozen(a.columns[8])).toBe(true);
    expect(h.planArrow(ORDERS, { withNotes: true, noTotal: false }, AUTH_A).sql).not.toBe(a.sql);
  });
});

describe("planArrow: values equal the JSON path's", () => {
  it('orders: every selected field, same rows in the same order (ties broken by id)', async () => {
    for (const variables of [
      { withNotes: true, noTotal: false },
      { withNotes: false, noTotal: true },
    ]) {
      const { rows } = await h.compare(ORDERS, { ...variables, limit: 100 }, AUTH_A);
      expect(rows).toHaveLength(33);
    }
  });

  it('orders with filters, ordering on nested keys, limit and offset', async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      [
        ORDERS,
        {
          withNotes: true,
          noTotal: false,
          w: { status: { in: ['PAID', 'CANCELLED', 'PENDING'] }, notes: { isNull: false } },
          limit: 10,
          offset: 1,
        },
      ],
      [ORDERS, { withNotes: true, noTotal: false, w: { notes: { contains: '"handle"' } } }],
      [ORDERS, { withNotes: true, noTotal: false, w: { customer: { tags: { overlaps: ['a,b', 'early'] } } } }],
      [ORDERS, { withNotes: true, noTotal: false, w: { items: { some: { quantity: { gte: 2 } } } } }],
      [ORDERS, { withNotes: true, noTotal: false, w: { not: { shippingAddress: { country: { in: ['NO', 'FR'] } } } } }],
      [
        '{ orders(orderBy: [{ field: customer__email, direction: DESC }, { field: total }], limit: 40) { id total customer { email } } }',
        {},
      ],
      ['{ orders(orderBy: [{ field: notes, nulls: FIRST }], offset: 30) { id notes } }', {}],
    ];
    for (const [query, variables] of cases) {
      const { rows } = await h.compare(query, variables, AUTH_A);
      expect(rows.length).toBeGreaterThan(0);
    }
  });

  it('products: JSON, NULLs, a nullable nested entity, awkward strings, numeric and int extremes', async () => {
    const { rows } = await h.compare(PRODUCTS, {}, AUTH_A);
    expect(rows).toEqual([
      expect.objectContaining({
        sku: 'A-001',
        description: null,
        price: 12.5,
        attributes: { colour: 'red', sizes: [1, 2.5], nested: { k: null } },
        category: {
          id: 'a1000000-0000-4000-8000-000000000001',
          name: 'Books',
          slug: 'books',
          createdAt: '2023-12-01T00:00:00.000000Z',
          __typename: 'Category',
        },
      }),
      expect.objectContaining({
        sku: 'A-002',
        description: 'Ünïcode ✓ and \\backslash',
        tags: [],
        attributes: null,
        category: null,
        isActive: false,
      }),
      expect.objectContaining({ sku: 'A-003', price: 1000000000, stock: 2147483647, tags: ['a,b'], attributes: {} }),
    ]);
    await h.compare(PRODUCTS, { w: { attributes: { hasKey: 'colour' } } }, AUTH_A);
    await h.compare(PRODUCTS, { w: { category: { slug: { eq: 'books' } }, tags: { contains: ['a,b'] } } }, AUTH_A);
  });

  it('users: lists of strings holding commas, quotes and braces; timestamps with microseconds', async () => {
    const { rows } = await h.compare('{ users(orderBy: [{ field: email }]) { id email name tags createdAt } }', {}, AUTH_A);
    expect(rows.map((u) => (u as { tags: string[] }).tags)).toEqual([['vip', 'early'], [], ['a,b', 'say "hi"', 'NULL', '{x}']]);
    await h.compare('query($e: [String!]) { users(where: { email: { in: $e } }) { email } }', { e: ['cy@a.test', 'x,"y"'] }, AUTH_A);
  });
});

describe('planArrow: Float, Date and entities that are not tenant-scoped (the planner test schema)', () => {
  let planner: PlannerHarness;
  let other: ArrowHarness;
  beforeAll(async () => {
    planner = await PlannerHarness.start();
    other = new ArrowHarness(planner.planner, planner.db.url);
  });
  afterAll(async () => {
    await other?.close();
    await planner?.close();
  });

  it("casts Float to float8 and Date to date, with the JSON path's values", async () => {
    const query = '{ products(limit: 500, orderBy: [{ field: rating, nulls: FIRST }]) { id rating releasedOn price stock } }';
    const { rows, plan } = await other.compare(query, {}, AUTH_A);
    expect((await other.describe(plan)).map((f) => f.dataTypeID)).toEqual([2950, 701, 1082, 1700, 23]);
    expect(rows.some((r) => typeof (r as { rating: unknown }).rating === 'number')).toBe(true);
    expect(rows.some((r) => typeof (r as { releasedOn: unknown }).releasedOn === 'string')).toBe(true);
    expect(rows.some((r) => (r as { rating: unknown }).rating === null)).toBe(true);
  });

  it('reads an entity that is not tenant-scoped without an org predicate, even for a caller without an org', async () => {
    const { rows, plan } = await other.compare('{ countries { code name } }', {}, NO_ORG);
    expect(plan.sql).not.toContain('org_id');
    expect(plan.values).toEqual([]);
    expect(rows).toHaveLength(5);
  });
});

describe('planArrow: limits and org scoping', () => {
  it('without limit returns every matching row; a limit above maxLimit is accepted (plan() refuses it)', async () => {
    const all = h.planArrow('{ orders { id } }', {}, AUTH_A);
    expect(all.sql).not.toContain('LIMIT');
    expect(await h.arrowRows(all)).toHaveLength(33);
    const big = h.planArrow('{ orders(limit: 100000) { id } }', {}, AUTH_A);
    expect(big.values).toEqual([ORG_A, 100000]);
    expect(await h.arrowRows(big)).toHaveLength(33);
    expect(thrownError(() => h.planner.plan(h.planner.prepare({ query: '{ orders(limit: 100000) { id } }' }), {}, AUTH_A))?.code).toBe(
      'FRAISEQL_PAGE_TOO_LARGE',
    );
    expect(await h.arrowRows(h.planArrow('{ orders(limit: 0) { id } }', {}, AUTH_A))).toEqual([]);
  });

  it("never returns another org's rows, whatever the filter", async () => {
    const filters = [
      {},
      { id: { eq: ORDER_B } },
      { or: [{ id: { eq: ORDER_B } }, { total: { gte: 0 } }] },
      { not: { id: { eq: ORDER_B } } },
    ];
    for (const w of filters) {
      const rows = (await h.arrowRows(h.planArrow('query($w: OrderWhereInput) { orders(where: $w) { id } }', { w }, AUTH_A))) as Array<{
        id: string;
      }>;
      expect(rows.filter((r) => !r.id.startsWith('a'))).toEqual([]);
    }
    const b = await h.compare(`{ orders(where: { id: { eq: "${ORDER_B}" } }) { id customer { email } } }`, {}, AUTH_B);
    expect(b.rows).toEqual([{ id: ORDER_B, customer: { email: 'dee@b.test' } }]);
  });

  it('refuses a tenant-scoped entity to a caller without an organization, as plan() does', () => {
    const noOrg = thrownError(() => h.planArrow('{ orders { id } }', {}, NO_ORG));
    expect(noOrg).toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED', name: 'FraiseqlError' });
    const step = h.planner.plan(h.planner.prepare({ query: '{ orders { id } }' }), {}, NO_ORG).steps[0];
    expect(step.kind === 'error' && step.error.code).toBe('FRAISEQL_UNAUTHENTICATED');
    const malformed: Caller = { subject: 'x', orgId: "' OR 1=1 --", roles: [] };
    // Authenticated but outside any (valid) organization: FORBIDDEN, on this path as on Flight's.
    expect(thrownError(() => h.planArrow('{ users { id } }', {}, malformed))?.code).toBe('FRAISEQL_FORBIDDEN');
  });
});

describe('planArrow: refusals', () => {
  it('refuses anything but one list root field of a query operation with FRAISEQL_OPERATION_NOT_SUPPORTED', () => {
    const refused = [
      '{ ordersConnection(first: 5) { edges { node { id } } } }',
      '{ order(id: "a3000000-0000-4000-8000-000000000001") { id } }',
      '{ orders { id } users { id } }',
      '{ a: orders { id } b: orders { total } }',
      '{ __typename }',
      '{ __schema { queryType { name } } }',
      '{ orders @skip(if: true) { id } }',
      'mutation { cancelOrder(input: { id: "a3000000-0000-4000-8000-000000000001" }) { __typename } }',
      'subscription { orderChanged { operation } }',
    ];
    for (const query of refused) {
      const op = h.planner.prepare({ query });
      let error: unknown;
      try {
        h.planner.planArrow(op, {}, AUTH_A);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FraiseqlError);
      expect((error as FraiseqlError).code).toBe('FRAISEQL_OPERATION_NOT_SUPPORTED');
      expect((error as FraiseqlError).message).toMatch(/^Flight serves one root field, a list query/);
    }
  });

  it('refuses bad requests with the codes plan() uses', () => {
    const request = (query: string, variables: Record<string, unknown> = {}): string | undefined => {
      try {
        h.planner.planArrow(h.planner.prepare({ query }), variables, AUTH_A);
      } catch (e) {
        expect(e).toBeInstanceOf(GraphqlRequestError);
        return (e as GraphqlRequestError).code;
      }
      return undefined;
    };
    expect(request('query($l: Int) { orders(limit: $l) { id } }', { l: 'ten' })).toBe('BAD_USER_INPUT');
    expect(request('{ orders(limit: -1) { id } }')).toBe('FRAISEQL_PAGE_TOO_LARGE');
    expect(request('{ orders(offset: -1) { id } }')).toBe('BAD_USER_INPUT');
    expect(request('{ orders(where: { id: { eq: "not-a-uuid" } }) { id } }')).toBe('BAD_USER_INPUT');
    expect(request('{ orders(where: { notes: { eq: null } }) { id } }')).toBe('BAD_USER_INPUT');
    expect(thrownError(() => h.planner.prepare({ query: '{ orders { nope } }' }))?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
