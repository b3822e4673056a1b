import { ORG_A, PlannerHarness, thrownCode } from './fixtures/planner-harness';

/**
 * Every where operator, compared with the answer computed directly in SQL over the base
 * tables of the same data (ids in order).
 */
let h: PlannerHarness;
beforeAll(async () => {
  h = await PlannerHarness.start();
});
afterAll(async () => {
  await h.close();
});

const ORDERS = 'query($w: OrderWhereInput) { orders(where: $w, orderBy: [{ field: id }], limit: 500) { id } }';
const PRODUCTS = 'query($w: ProductWhereInput) { products(where: $w, orderBy: [{ field: id }], limit: 500) { id } }';
const USERS = 'query($w: UserWhereInput) { users(where: $w, orderBy: [{ field: id }], limit: 500) { id } }';

async function planned(query: string, root: string, where: unknown): Promise<string[]> {
  const data = await h.data(query, { w: where });
  return data[root].map((row: { id: string }) => row.id);
}

/** Reference rows of org A, by id. */
async function reference(table: string, condition: string, params: unknown[] = []): Promise<string[]> {
  return h.ids(`SELECT id::text AS id FROM ${table} o WHERE org_id = '${ORG_A}' AND (${condition}) ORDER BY id`, params);
}

async function expectOrders(where: unknown, condition: string, params: unknown[] = []): Promise<void> {
  const expected = await reference('tb_order', condition, params);
  expect(expected.length).toBeGreaterThan(0);
  expect(expected.length).toBeLessThan(150);
  expect(await planned(ORDERS, 'orders', where)).toEqual(expected);
}

async function expectProducts(where: unknown, condition: string, params: unknown[] = []): Promise<void> {
  const expected = await reference('tb_product', condition, params);
  expect(expected.length).toBeGreaterThan(0);
  expect(expected.length).toBeLessThan(60);
  expect(await planned(PRODUCTS, 'products', where)).toEqual(expected);
}

describe('comparison operators on typed columns and data paths', () => {
  it('eq, neq, in, nin on an enum column', async () => {
    await expectOrders({ status: { eq: 'PAID' } }, `status = 'PAID'`);
    await expectOrders({ status: { neq: 'PAID' } }, `status <> 'PAID'`);
    await expectOrders({ status: { in: ['PAID', 'SHIPPED'] } }, `status IN ('PAID', 'SHIPPED')`);
    await expectOrders({ status: { nin: ['PAID', 'SHIPPED'] } }, `status NOT IN ('PAID', 'SHIPPED')`);
  });

  it('gt, gte, lt, lte and eq on a Decimal column compare numerically (as text or number)', async () => {
    await expectOrders({ total: { gt: '20.5' } }, 'total > 20.5');
    await expectOrders({ total: { gte: 20.5 } }, 'total >= 20.5');
    await expectOrders({ total: { lt: '9.50' } }, 'total < 9.5');
    await expectOrders({ total: { lte: '9.5', gte: '3.5' } }, 'total <= 9.5 AND total >= 3.5');
    await expectOrders({ total: { eq: '12.50' } }, 'total = 12.5');
  });

  it('DateTime comparisons keep microseconds', async () => {
    const ts = '2024-03-02T18:00:00.000002Z';
    await expectOrders({ placedAt: { gt: ts } }, 'placed_at > $1', [ts]);
    await expectOrders({ placedAt: { eq: ts } }, 'placed_at = $1', [ts]);
    await expectOrders({ placedAt: { lte: '2024-03-02T18:00:00.000001+00:00' } }, 'placed_at <= $1', ['2024-03-02T18:00:00.000001Z']);
  });

  it('text, Int, Boolean, Float and Date values inside data', async () => {
    await expectOrders({ currency: { eq: 'EUR' } }, `currency = 'EUR'`);
    await expectOrders({ itemCount: { gte: 2 } }, '(SELECT count(*) FROM tb_order_item i WHERE i.order_id = o.id) >= 2');
    await expectProducts({ stock: { in: [1, 2, 3] } }, 'stock IN (1, 2, 3)');
    await expectProducts({ isActive: { eq: false } }, 'NOT is_active');
    await expectProducts({ rating: { gt: 2.5 } }, 'rating > 2.5');
    await expectProducts(
      { releasedOn: { gte: '2023-01-20', lt: '2023-02-01' } },
      `released_on >= '2023-01-20' AND released_on < '2023-02-01'`,
    );
    await expectProducts({ price: { lt: 10 } }, 'price < 10');
  });

  it('isNull matches JSON null and missing values; false matches the rest', async () => {
    await expectOrders({ notes: { isNull: true } }, 'notes IS NULL');
    await expectOrders({ notes: { isNull: false } }, 'notes IS NOT NULL');
    await expectProducts({ attributes: { isNull: true } }, 'attributes IS NULL');
    await expectProducts({ rating: { isNull: true } }, 'rating IS NULL');
  });

  it('neq and nin never match NULL (SQL semantics)', async () => {
    await expectOrders({ notes: { neq: 'note 2' } }, `notes <> 'note 2'`);
    await expectProducts({ description: { nin: ['desc 2', 'desc 6'] } }, `description NOT IN ('desc 2', 'desc 6')`);
  });

  it('an empty in-list matches nothing and an empty nin-list everything but NULLs', async () => {
    expect(await planned(ORDERS, 'orders', { status: { in: [] } })).toEqual([]);
    expect(await planned(ORDERS, 'orders', { status: { nin: [] } })).toEqual(await reference('tb_order', 'true'));
  });

  it('ids compare as UUIDs; a malformed id is refused before SQL', async () => {
    const some = (await reference('tb_order', `status = 'PAID'`)).slice(0, 3);
    expect(await planned(ORDERS, 'orders', { id: { in: some } })).toEqual([...some].sort());
    expect(await planned(ORDERS, 'orders', { id: { eq: some[1] } })).toEqual([some[1]]);
    await expectOrders({ id: { gt: some[0] } }, 'id > $1', [some[0]]);
    expect(
      thrownCode(() =>
        h.planner.plan(h.planner.prepare({ query: ORDERS }), { w: { id: { eq: 'nope' } } }, { subject: null, orgId: ORG_A, roles: [] }),
      ),
    ).toBe('BAD_USER_INPUT');
  });
});

describe('pattern operators', () => {
  it("like and ilike take the caller's pattern as is", async () => {
    await expectOrders({ notes: { like: 'note 1%' } }, `notes LIKE 'note 1%'`);
    await expectOrders({ notes: { ilike: 'NOTE _4' } }, `notes ILIKE 'NOTE _4'`);
  });

  it('contains, startsWith, endsWith escape % _ and backslash', async () => {
    await expectOrders({ notes: { contains: '50%' } }, 'strpos(notes, $1) > 0', ['50%']);
    await expectOrders({ notes: { contains: 'f_n' } }, 'strpos(notes, $1) > 0', ['f_n']);
    await expectOrders({ notes: { startsWith: '50% off_' } }, 'left(notes, 8) = $1', ['50% off_']);
    await expectOrders({ notes: { endsWith: '\\ ok' } }, 'right(notes, 4) = $1', ['\\ ok']);
    await expectProducts({ description: { contains: '%_pure \\' } }, 'strpos(description, $1) > 0', ['%_pure \\']);
    // Unescaped, '%_pure' would also match '100 percent pure'.
    const wildcardMatches = await reference('tb_product', `description LIKE '%\\%\\_pure%'`);
    expect(await planned(PRODUCTS, 'products', { description: { contains: '%_pure' } })).toEqual(wildcardMatches);
  });

  it('case-insensitive forms', async () => {
    await expectOrders({ notes: { icontains: 'OFF_NOW' } }, 'strpos(lower(notes), $1) > 0', ['off_now']);
    await expectOrders({ notes: { istartsWith: 'NOTE 2' } }, `lower(notes) LIKE 'note 2%'`);
    await expectOrders({ notes: { iendsWith: ' OK' } }, `lower(notes) LIKE '% ok'`);
  });

  it('unicode values match exactly', async () => {
    await expectOrders({ notes: { contains: 'brûlée ☕' } }, 'strpos(notes, $1) > 0', ['brûlée ☕']);
    const data = await h.data(USERS.replace('{ id }', '{ id email }'), { w: { email: { startsWith: 'zoë' } } });
    expect(data.users.map((u: { email: string }) => u.email)).toEqual(['zoë6@example.com']);
  });
});

describe('JSON and list operators', () => {
  it('JSON containment, containedBy, hasKey and equality', async () => {
    await expectProducts({ attributes: { contains: { color: 'red' } } }, `attributes @> '{"color":"red"}'`);
    await expectProducts({ attributes: { contains: { dims: { w: 2 } } } }, `attributes @> '{"dims":{"w":2}}'`);
    await expectProducts(
      { attributes: { containedBy: { color: 'green', size: 1, dims: { w: 2 } } } },
      `attributes <@ '{"color":"green","size":1,"dims":{"w":2}}'`,
    );
    await expectProducts({ attributes: { hasKey: 'dims' } }, `attributes ? 'dims'`);
    await expectProducts(
      { attributes: { eq: { color: 'blue', size: 2, dims: { w: 0 } } } },
      `attributes = '{"color":"blue","size":2,"dims":{"w":0}}'`,
    );
  });

  it('list contains (all) and overlaps (any)', async () => {
    await expectProducts({ tags: { contains: ['sale', 'new'] } }, `tags @> ARRAY['sale', 'new']`);
    await expectProducts({ tags: { contains: ['new'] } }, `tags @> ARRAY['new']`);
    await expectProducts({ tags: { overlaps: ['sale', 'nothing'] } }, `tags && ARRAY['sale', 'nothing']`);
    const users = await h.ids(`SELECT id::text AS id FROM tb_user WHERE org_id = '${ORG_A}' AND tags && ARRAY['beta'] ORDER BY id`);
    expect(await planned(USERS, 'users', { tags: { overlaps: ['beta'] } })).toEqual(users);
  });
});

describe('nested paths and list quantifiers', () => {
  it('filters on a nested object', async () => {
    await expectOrders(
      { customer: { email: { eq: 'user10@example.com' } } },
      `customer_id = (SELECT id FROM tb_user WHERE email = 'user10@example.com')`,
    );
    await expectOrders({ customer: { name: { isNull: true } } }, 'customer_id IN (SELECT id FROM tb_user WHERE name IS NULL)');
    await expectOrders(
      { shippingAddress: { city: { in: ['Paris', 'Lyon'] }, country: { eq: 'FR' } } },
      `shipping_address->>'city' IN ('Paris', 'Lyon') AND shipping_address->>'country' = 'FR'`,
    );
  });

  it('some, none and every over a list of objects', async () => {
    await expectOrders(
      { items: { some: { quantity: { eq: 3 } } } },
      'EXISTS (SELECT 1 FROM tb_order_item i WHERE i.order_id = o.id AND i.quantity = 3)',
    );
    await expectOrders(
      { items: { none: { quantity: { eq: 3 } } } },
      'NOT EXISTS (SELECT 1 FROM tb_order_item i WHERE i.order_id = o.id AND i.quantity = 3)',
    );
    await expectOrders(
      { items: { every: { quantity: { gte: 2 } } } },
      'NOT EXISTS (SELECT 1 FROM tb_order_item i WHERE i.order_id = o.id AND i.quantity < 2)',
    );
    await expectOrders(
      { items: { some: { product: { sku: { eq: 'SKU-0010' } }, unitPrice: { gt: 1 } } } },
      `EXISTS (SELECT 1 FROM tb_order_item i JOIN tb_product p ON p.id = i.product_id WHERE i.order_id = o.id AND p.sku = 'SKU-0010' AND i.unit_price > 1)`,
    );
  });
});

describe('and, or, not', () => {
  it('combines conditions', async () => {
    await expectOrders({ or: [{ status: { eq: 'PAID' } }, { total: { gt: 40 } }] }, `status = 'PAID' OR total > 40`);
    await expectOrders(
      { and: [{ status: { neq: 'PAID' } }, { or: [{ currency: { eq: 'EUR' } }, { notes: { isNull: true } }] }] },
      `status <> 'PAID' AND (currency = 'EUR' OR notes IS NULL)`,
    );
    await expectOrders({ not: { status: { in: ['PAID', 'PENDING'] } } }, `status NOT IN ('PAID', 'PENDING')`);
    await expectOrders(
      { status: { eq: 'PAID' }, not: { or: [{ total: { lt: 10 } }, { total: { gt: 40 } }] } },
      `status = 'PAID' AND total BETWEEN 10 AND 40`,
    );
  });

  it('not is the complement of its filter, NULLs included', async () => {
    const all = await reference('tb_order', 'true');
    const matched = await planned(ORDERS, 'orders', { notes: { contains: 'note' } });
    const complement = await planned(ORDERS, 'orders', { not: { notes: { contains: 'note' } } });
    expect(matched.length).toBeGreaterThan(0);
    expect(complement).toEqual(await reference('tb_order', `notes IS NULL OR strpos(notes, 'note') = 0`));
    expect([...matched, ...complement].sort()).toEqual(all);
  });

  it('empty filters: {} and and:[] match everything, or:[] nothing', async () => {
    const all = await reference('tb_order', 'true');
    expect(await planned(ORDERS, 'orders', {})).toEqual(all);
    expect(await planned(ORDERS, 'orders', { and: [] })).toEqual(all);
    expect(await planned(ORDERS, 'orders', { or: [] })).toEqual([]);
    expect(await planned(ORDERS, 'orders', null)).toEqual(all);
  });
});

describe('null and malformed values', () => {
  const planWith = (where: unknown): string | undefined =>
    thrownCode(() => h.planner.plan(h.planner.prepare({ query: ORDERS }), { w: where }, { subject: null, orgId: ORG_A, roles: [] }));

  it('refuses an explicit null operator value (use isNull)', () => {
    expect(planWith({ notes: { eq: null } })).toBe('BAD_USER_INPUT');
    expect(planWith({ notes: null })).toBe('BAD_USER_INPUT');
    expect(planWith({ notes: { isNull: null } })).toBe('BAD_USER_INPUT');
    expect(planWith({ and: [{ status: { eq: null } }] })).toBe('BAD_USER_INPUT');
  });

  it('refuses values of the wrong type through variables', () => {
    expect(planWith({ total: { gt: 'abc' } })).toBe('BAD_USER_INPUT');
    expect(planWith({ placedAt: { gt: 'yesterday' } })).toBe('BAD_USER_INPUT');
    expect(planWith({ status: { eq: 'LOST' } })).toBe('BAD_USER_INPUT');
    expect(planWith({ nope: { eq: 1 } })).toBe('BAD_USER_INPUT');
  });

  it('refuses filters nested too deeply', () => {
    let where: Record<string, unknown> = { status: { eq: 'PAID' } };
    for (let i = 0; i < 40; i++) where = { not: where };
    expect(planWith(where)).toBe('BAD_USER_INPUT');
  });
});
