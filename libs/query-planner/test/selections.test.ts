import { FraiseqlError } from '@fraiseql/errors';
import { getIntrospectionQuery } from 'graphql';
import { QueryPlanner, assembleResponse, type OperationPlan } from '../src';
import { AUTH_A, PlannerHarness, SECRET } from './fixtures/planner-harness';
import { compileTestSchema } from './fixtures/test-schema';

let h: PlannerHarness;
let orderId: string;
beforeAll(async () => {
  h = await PlannerHarness.start();
  // Order 6 (org A): 2 items, a customer, no NULL notes.
  orderId = (await h.ids(`SELECT md5('order6')::uuid::text AS id`))[0];
});
afterAll(async () => {
  await h.close();
});

describe('nested selections', () => {
  it('builds an order with its customer, address and items (with product) as the data says', async () => {
    const { order } = await h.data(
      `query($id: ID!) { order(id: $id) {
      id status total placedAt
      customer { email name tags }
      shippingAddress { city postalCode }
      items { quantity unitPrice product { sku name } }
    } }`,
      { id: orderId },
    );
    const {
      rows: [ref],
    } = await h.client.query(
      `
      SELECT o.status, o.total::text, iso(o.placed_at) AS placed_at, u.email, u.name, u.tags, o.shipping_address,
        (SELECT json_agg(json_build_object('quantity', i.quantity, 'unitPrice', i.unit_price::text, 'sku', p.sku, 'name', p.name) ORDER BY i.id)
           FROM tb_order_item i JOIN tb_product p ON p.id = i.product_id WHERE i.order_id = o.id) AS items
      FROM tb_order o JOIN tb_user u ON u.id = o.customer_id WHERE o.id = $1`,
      [orderId],
    );
    expect(order).toEqual({
      id: orderId,
      status: ref.status,
      total: Number(ref.total),
      placedAt: ref.placed_at,
      customer: { email: ref.email, name: ref.name, tags: ref.tags },
      shippingAddress: { city: ref.shipping_address.city, postalCode: ref.shipping_address.postal_code },
      items: ref.items.map((i: any) => ({ quantity: i.quantity, unitPrice: Number(i.unitPrice), product: { sku: i.sku, name: i.name } })),
    });
    expect(order.items.length).toBe(2);
    expect(Object.keys(order)).toEqual(['id', 'status', 'total', 'placedAt', 'customer', 'shippingAddress', 'items']);
  });

  it('passes JSON, lists, decimals and timestamps through unchanged (text spliced, not re-serialised)', async () => {
    const { text } = await h.run(
      `{ product(id: "${(await h.ids(`SELECT md5('product2')::uuid::text AS id`))[0]}") { price tags attributes rating releasedOn createdAt } }`,
    );
    expect(text).toContain('"price" : 4.99');
    expect(text).toContain('"tags" : []');
    expect(text).toContain('"attributes" : {"dims": {"w": 2}, "size": 2, "color": "blue"}');
    expect(text).toContain('"createdAt" : "2023-06-01T02:00:00.000000Z"');
  });

  it('keeps array order of nested lists and returns [] for an empty list', async () => {
    const data = await h.data('{ orders(orderBy: [{ field: itemCount }], limit: 500) { itemCount items { id } } }');
    for (const o of data.orders) expect(o.items).toHaveLength(o.itemCount);
    expect(data.orders[0].items).toEqual([]);
    const withItems = data.orders[data.orders.length - 1];
    expect(withItems.items.length).toBeGreaterThan(1);
    const sorted = [...withItems.items].sort((a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1));
    expect(withItems.items).toEqual(sorted);
  });

  it('returns null for a lookup that matches nothing', async () => {
    expect(await h.data('{ order(id: "00000000-0000-4000-8000-000000000000") { id } }')).toEqual({ order: null });
  });
});

describe('aliases, fragments, directives and __typename', () => {
  it('serves two aliased root fields and aliased nested fields', async () => {
    const data = await h.data(`{
      cheap: orders(orderBy: [{ field: total }], limit: 2) { price: total who: customer { mail: email } }
      dear: orders(orderBy: [{ field: total, direction: DESC }], limit: 1) { price: total }
    }`);
    expect(Object.keys(data)).toEqual(['cheap', 'dear']);
    expect(data.cheap[0].price).toBeLessThanOrEqual(data.cheap[1].price);
    expect(Object.keys(data.cheap[0])).toEqual(['price', 'who']);
    expect(data.cheap[0].who.mail).toMatch(/@example\.com$/);
    expect(data.dear[0].price).toBe(48.5);
  });

  it('merges fields with the same response key, across fragments, in first-seen order', async () => {
    const data = await h.data(`
      query { orders(limit: 1) { id ...F ... on Order { status customer { email } } total } orders(limit: 1) { currency } }
      fragment F on Order { total customer { name ...U } }
      fragment U on User { id }`);
    expect(Object.keys(data.orders[0])).toEqual(['id', 'total', 'customer', 'status', 'currency']);
    expect(Object.keys(data.orders[0].customer)).toEqual(['name', 'id', 'email']);
  });

  it('@include and @skip follow the variables, and each variant gets its own statement', async () => {
    const query = 'query($full: Boolean!) { orders(limit: 1) { id customer @include(if: $full) { email } notes @skip(if: $full) } }';
    const full = await h.run(query, { full: true });
    const brief = await h.run(query, { full: false });
    expect(Object.keys(full.body.data.orders[0])).toEqual(['id', 'customer']);
    expect(Object.keys(brief.body.data.orders[0])).toEqual(['id', 'notes']);
    const nameOf = (r: { plan: OperationPlan }): string => (r.plan.steps[0] as { name: string }).name;
    expect(nameOf(full)).not.toBe(nameOf(brief));
    const skippedRoot = await h.data('query($x: Boolean!) { a: orders(limit: 1) @skip(if: $x) { id } b: countries(limit: 1) { code } }', {
      x: true,
    });
    expect(Object.keys(skippedRoot)).toEqual(['b']);
  });

  it('emits __typename at every level', async () => {
    const data = await h.data(`{ __typename
      orders(limit: 1) { __typename customer { __typename } items { __typename product { __typename } } shippingAddress { __typename } }
      ordersConnection(first: 1) { __typename edges { __typename node { __typename } } pageInfo { __typename } } }`);
    expect(data.__typename).toBe('Query');
    const [o] = data.orders;
    expect([o.__typename, o.customer.__typename, o.shippingAddress.__typename]).toEqual(['Order', 'User', 'Address']);
    for (const item of o.items) expect([item.__typename, item.product.__typename]).toEqual(['OrderItem', 'ProductSummary']);
    const c = data.ordersConnection;
    expect([c.__typename, c.edges[0].__typename, c.edges[0].node.__typename, c.pageInfo.__typename]).toEqual([
      'OrderConnection',
      'OrderEdge',
      'Order',
      'PageInfo',
    ]);
  });

  it('keeps aliases inside connections', async () => {
    const data = await h.data(
      '{ ordersConnection(first: 2) { n: totalCount rows: edges { c: cursor item: node { ident: id } } info: pageInfo { more: hasNextPage last: endCursor } } }',
    );
    const c = data.ordersConnection;
    expect(Object.keys(c)).toEqual(['n', 'rows', 'info']);
    expect(c.rows).toHaveLength(2);
    expect(c.info).toEqual({ more: true, last: c.rows[1].c });
    expect(c.rows[0].item.ident).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("builds objects with more than 50 fields (beyond json_build_object's argument limit)", async () => {
    const planner = new QueryPlanner(compileTestSchema(), { cursorSecret: SECRET, limits: { maxAliases: 100 } });
    const fields = Array.from({ length: 60 }, (_, i) => `f${i}: ${i % 2 === 0 ? 'id' : 'customer { email }'}`).join(' ');
    const result = await h.execute(planner.plan(planner.prepare({ query: `{ orders(limit: 2) { ${fields} } }` }), {}, AUTH_A));
    const row = result.body.data.orders[0];
    expect(Object.keys(row)).toHaveLength(60);
    expect(Object.keys(row)[59]).toBe('f59');
    expect(row.f0).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.f1.email).toMatch(/@example\.com$/);
  });
});

describe('introspection', () => {
  it('answers __schema and __type through graphql-js', async () => {
    const data = await h.data(
      '{ __schema { queryType { name } } t: __type(name: "Order") { name fields { name } } countries(limit: 1) { code } }',
    );
    expect(data.__schema.queryType.name).toBe('Query');
    expect(data.t.fields.map((f: { name: string }) => f.name)).toContain('shippingAddress');
    expect(data.countries).toHaveLength(1);
  });

  it('accepts the standard introspection query within the default limits', async () => {
    const data = await h.data(getIntrospectionQuery());
    expect(data.__schema.types.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining(['Order', 'OrderWhereInput', 'PageInfo']),
    );
  });

  it('uses the variables of the operation', async () => {
    const data = await h.data('query($n: String!) { __type(name: $n) { kind } }', { n: 'OrderStatus' });
    expect(data.__type.kind).toBe('ENUM');
  });
});

describe('assembleResponse', () => {
  const plan: OperationPlan = {
    operationHash: 'h',
    operationType: 'query',
    steps: [
      { kind: 'sql', responseKey: 'a', name: 'fq_a', text: 'x', values: [] },
      { kind: 'json', responseKey: '__typename', json: '"Query"' },
      { kind: 'error', responseKey: 'b', error: new FraiseqlError('FRAISEQL_UNAUTHENTICATED', 'no org') },
      { kind: 'sql', responseKey: 'c', name: 'fq_c', text: 'x', values: [] },
      { kind: 'sql', responseKey: 'd', name: 'fq_d', text: 'x', values: [] },
      { kind: 'sql', responseKey: 'e', name: 'fq_e', text: 'x', values: [] },
    ],
  };

  it('splices JSON text in step order and reports failed fields with their path', () => {
    const body = assembleResponse(plan, [
      '[{"x" : 1.50}]',
      null,
      null,
      null,
      new FraiseqlError('FRAISEQL_TIMEOUT', 'too slow'),
      new Error('relation "v_secret" does not exist'),
    ]);
    expect(body.startsWith('{"data":{"a":[{"x" : 1.50}],"__typename":"Query","b":null,"c":null,"d":null,"e":null},"errors":[')).toBe(true);
    expect(JSON.parse(body).errors).toEqual([
      { message: 'no org', path: ['b'], extensions: { code: 'FRAISEQL_UNAUTHENTICATED' } },
      { message: 'too slow', path: ['d'], extensions: { code: 'FRAISEQL_TIMEOUT' } },
      { message: 'Internal error', path: ['e'], extensions: { code: 'FRAISEQL_INTERNAL' } },
    ]);
  });

  it('has no errors member when every field succeeded', () => {
    const ok: OperationPlan = { operationHash: 'h', operationType: 'query', steps: [plan.steps[0], plan.steps[1]] };
    expect(assembleResponse(ok, ['[]', null])).toBe('{"data":{"a":[],"__typename":"Query"}}');
  });
});
