import { coerceInputValue, isInputType, type GraphQLInputType } from 'graphql';
import { compileWhereMatcher } from '../src';
import { ORG_A, PlannerHarness, thrownCode } from './fixtures/planner-harness';
import { compileTestSchema } from './fixtures/test-schema';

/**
 * The Node matcher of subscriptions must select exactly the rows the SQL filter selects: every
 * where input below runs through the planner's SQL and through compileWhereMatcher over the
 * same v_* rows' data, and the two id lists must be equal.
 */
let h: PlannerHarness;
beforeAll(async () => {
  h = await PlannerHarness.start();
});
afterAll(async () => {
  await h.close();
});

const compiled = compileTestSchema();
const ROOTS: Record<string, { view: string; field: string }> = {
  Order: { view: 'v_order', field: 'orders' },
  Product: { view: 'v_product', field: 'products' },
  User: { view: 'v_user', field: 'users' },
};

/** The where input as graphql-js coerces a subscription argument (custom scalars parsed). */
function coerce(typeName: string, where: unknown): unknown {
  const type = h.planner.graphqlSchema.getType(`${typeName}WhereInput`);
  if (!type || !isInputType(type)) throw new Error(`no input ${typeName}WhereInput`);
  return coerceInputValue(where, type as GraphQLInputType);
}

async function viaSql(typeName: string, where: unknown): Promise<string[]> {
  const { field } = ROOTS[typeName]!;
  const query = `query($w: ${typeName}WhereInput) { ${field}(where: $w, orderBy: [{ field: id }], limit: 500) { id } }`;
  const data = await h.data(query, { w: where });
  return data[field].map((row: { id: string }) => row.id);
}

async function viaMatcher(typeName: string, where: unknown): Promise<string[]> {
  const matches = compileWhereMatcher(compiled, typeName, coerce(typeName, where));
  const rows = await h.client.query<{ id: string; data: Record<string, unknown> }>(
    `SELECT id::text AS id, data FROM ${ROOTS[typeName]!.view} WHERE org_id = $1 ORDER BY id`,
    [ORG_A],
  );
  return rows.rows.filter((row) => matches(row.data)).map((row) => row.id);
}

const ts = '2024-03-02T18:00:00.000002Z';
const CASES: Array<[typeName: string, where: unknown]> = [
  ['Order', { status: { eq: 'PAID' } }],
  ['Order', { status: { neq: 'PAID' } }],
  ['Order', { status: { in: ['PAID', 'SHIPPED'] } }],
  ['Order', { status: { nin: ['PAID', 'SHIPPED'] } }],
  ['Order', { status: { in: [] } }],
  ['Order', { notes: { nin: [] } }],
  ['Order', { total: { gt: '20.5' } }],
  ['Order', { total: { gte: 20.5 } }],
  ['Order', { total: { lt: '9.50' } }],
  ['Order', { total: { lte: '9.5', gte: '3.5' } }],
  ['Order', { total: { eq: '12.50' } }],
  ['Order', { total: { in: ['12.5', '1e1', '0.001'] } }],
  ['Order', { placedAt: { gt: ts } }],
  ['Order', { placedAt: { eq: ts } }],
  ['Order', { placedAt: { lte: '2024-03-02T18:00:00.000001+00:00' } }],
  ['Order', { placedAt: { gte: '2024-03-02T19:00:00.000001+01:00' } }],
  ['Order', { currency: { eq: 'EUR' } }],
  ['Order', { currency: { gt: 'EUR' } }],
  ['Order', { itemCount: { gte: 2 } }],
  ['Order', { notes: { isNull: true } }],
  ['Order', { notes: { isNull: false } }],
  ['Order', { notes: { neq: 'note 2' } }],
  ['Order', { notes: { like: 'note 1%' } }],
  ['Order', { notes: { ilike: 'NOTE _4' } }],
  ['Order', { notes: { contains: '50%' } }],
  ['Order', { notes: { contains: 'f_n' } }],
  ['Order', { notes: { startsWith: '50% off_' } }],
  ['Order', { notes: { endsWith: '\\ ok' } }],
  ['Order', { notes: { icontains: 'OFF_NOW' } }],
  ['Order', { notes: { istartsWith: 'NOTE 2' } }],
  ['Order', { notes: { iendsWith: ' OK' } }],
  ['Order', { notes: { contains: 'brûlée ☕' } }],
  ['Order', { notes: { gt: 'note 3' } }],
  ['Order', { id: { gt: 'a0000000-0000-4000-8000-000000000000' } }],
  ['Order', { customer: { email: { eq: 'user10@example.com' } } }],
  ['Order', { customer: { name: { isNull: true } } }],
  ['Order', { customer: { isActive: { eq: false } } }],
  ['Order', { customer: { tags: { overlaps: ['beta'] } } }],
  ['Order', { shippingAddress: { city: { in: ['Paris', 'Lyon'] }, country: { eq: 'FR' } } }],
  ['Order', { items: { some: { quantity: { eq: 3 } } } }],
  ['Order', { items: { none: { quantity: { eq: 3 } } } }],
  ['Order', { items: { every: { quantity: { gte: 2 } } } }],
  ['Order', { items: { some: { product: { sku: { eq: 'SKU-0010' } }, unitPrice: { gt: 1 } } } }],
  ['Order', { customer: { tags: { contains: ['beta'] } } }],
  ['Order', { or: [{ status: { eq: 'PAID' } }, { total: { gt: 40 } }] }],
  ['Order', { and: [{ status: { neq: 'PAID' } }, { or: [{ currency: { eq: 'EUR' } }, { notes: { isNull: true } }] }] }],
  ['Order', { not: { status: { in: ['PAID', 'PENDING'] } } }],
  ['Order', { status: { eq: 'PAID' }, not: { or: [{ total: { lt: 10 } }, { total: { gt: 40 } }] } }],
  ['Order', { not: { notes: { contains: 'note' } } }],
  ['Order', { not: { or: [{ notes: { eq: 'note 2' } }, { notes: { neq: 'note 2' } }] } }],
  ['Order', {}],
  ['Order', { and: [] }],
  ['Order', { or: [] }],
  ['Product', { stock: { in: [1, 2, 3] } }],
  ['Product', { isActive: { eq: false } }],
  ['Product', { rating: { gt: 2.5 } }],
  ['Product', { rating: { isNull: true } }],
  ['Product', { releasedOn: { gte: '2023-01-20', lt: '2023-02-01' } }],
  ['Product', { price: { lt: 10 } }],
  ['Product', { description: { nin: ['desc 2', 'desc 6'] } }],
  ['Product', { description: { contains: '%_pure \\' } }],
  ['Product', { description: { contains: '%_pure' } }],
  ['Product', { attributes: { contains: { color: 'red' } } }],
  ['Product', { attributes: { contains: { dims: { w: 2 } } } }],
  ['Product', { attributes: { containedBy: { color: 'green', size: 1, dims: { w: 2 } } } }],
  ['Product', { attributes: { hasKey: 'dims' } }],
  ['Product', { attributes: { eq: { color: 'blue', size: 2, dims: { w: 0 } } } }],
  ['Product', { attributes: { isNull: true } }],
  ['Product', { not: { attributes: { hasKey: 'dims' } } }],
  ['Product', { tags: { contains: ['sale', 'new'] } }],
  ['Product', { tags: { contains: ['new'] } }],
  ['Product', { tags: { contains: [] } }],
  ['Product', { tags: { overlaps: ['sale', 'nothing'] } }],
  ['Product', { tags: { overlaps: [] } }],
  ['Product', { createdAt: { lt: '2024-01-01T00:00:00Z' } }],
  ['User', { tags: { overlaps: ['beta'] } }],
  ['User', { email: { startsWith: 'zoë' } }],
  ['User', { email: { istartsWith: 'USER1' } }],
  ['User', { name: { isNull: false }, isActive: { eq: true } }],
];

describe('the subscription where matcher agrees with the SQL filter', () => {
  it.each(CASES.map(([t, w]) => [t, JSON.stringify(w), w] as const))('%s where %s', async (typeName, _label, where) => {
    const expected = await viaSql(typeName, where);
    expect(await viaMatcher(typeName, where)).toEqual(expected);
  });

  it('covers cases that match some rows and not all of them (a sample that would catch a matcher answering always or never)', async () => {
    let partial = 0;
    for (const [typeName, where] of CASES) {
      const all = (await viaSql(typeName, {})).length;
      const some = (await viaSql(typeName, where)).length;
      if (some > 0 && some < all) partial++;
    }
    expect(partial).toBeGreaterThan(CASES.length / 2);
  });

  it('refuses what the planner refuses, with the same code', () => {
    const refused = (where: unknown): string | undefined => thrownCode(() => compileWhereMatcher(compiled, 'Order', where));
    expect(refused({ nope: { eq: 1 } })).toBe('BAD_USER_INPUT');
    expect(refused({ notes: { eq: null } })).toBe('BAD_USER_INPUT');
    expect(refused({ id: { eq: 'not-a-uuid' } })).toBe('BAD_USER_INPUT');
    expect(refused({ notes: { like: 'ends with \\' } })).toBe('BAD_USER_INPUT');
  });

  it('reads DateTime with microseconds and offsets, and Decimal exactly', () => {
    const m = compileWhereMatcher(
      compiled,
      'Order',
      coerce('Order', { placedAt: { gt: '2024-03-02T18:00:00.000001Z' }, total: { eq: '0.30' } }),
    );
    expect(m({ placedAt: '2024-03-02T19:00:00.000002+01:00', total: 0.3 })).toBe(true);
    expect(m({ placedAt: '2024-03-02T18:00:00.000001Z', total: 0.3 })).toBe(false);
    expect(m({ placedAt: '2024-03-02T18:00:00.000002Z', total: 0.1 + 0.2 })).toBe(false);
  });
});
