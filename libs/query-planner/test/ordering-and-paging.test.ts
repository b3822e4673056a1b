import { QueryPlanner } from '../src';
import { AUTH_A, ORG_A, PlannerHarness, SECRET, thrownCode } from './fixtures/planner-harness';
import { compileTestSchema } from './fixtures/test-schema';

let h: PlannerHarness;
beforeAll(async () => {
  h = await PlannerHarness.start();
});
afterAll(async () => {
  await h.close();
});

const refOrders = (orderBy: string, condition = 'true'): Promise<string[]> =>
  h.ids(
    `SELECT o.id::text AS id FROM tb_order o JOIN tb_user u ON u.id = o.customer_id WHERE o.org_id = '${ORG_A}' AND (${condition}) ORDER BY ${orderBy}`,
  );
const refProducts = (orderBy: string): Promise<string[]> =>
  h.ids(`SELECT id::text AS id FROM tb_product WHERE org_id = '${ORG_A}' ORDER BY ${orderBy}`);

const ORDERS =
  'query($o: [OrderOrderBy!], $w: OrderWhereInput, $l: Int, $off: Int) { orders(orderBy: $o, where: $w, limit: $l, offset: $off) { id } }';
const plannedOrders = async (vars: Record<string, unknown>): Promise<string[]> =>
  (await h.data(ORDERS, { l: 500, ...vars })).orders.map((o: { id: string }) => o.id);

describe('orderBy on lists', () => {
  it('uses the query default (placedAt DESC) with id DESC breaking ties', async () => {
    const ids = await plannedOrders({ l: 500 });
    expect(ids).toEqual(await refOrders('o.placed_at DESC, o.id DESC'));
  });

  it('orders by several keys in mixed directions', async () => {
    expect(await plannedOrders({ o: [{ field: 'status' }, { field: 'total', direction: 'DESC' }] })).toEqual(
      await refOrders('o.status ASC, o.total DESC, o.id DESC'),
    );
    expect(await plannedOrders({ o: [{ field: 'currency', direction: 'DESC' }, { field: 'placedAt' }] })).toEqual(
      await refOrders('o.currency DESC, o.placed_at ASC, o.id ASC'),
    );
  });

  it("places NULLs first or last as asked, defaulting to PostgreSQL's order", async () => {
    expect(await plannedOrders({ o: [{ field: 'notes', nulls: 'FIRST' }] })).toEqual(await refOrders('o.notes ASC NULLS FIRST, o.id ASC'));
    expect(await plannedOrders({ o: [{ field: 'notes' }] })).toEqual(await refOrders('o.notes ASC NULLS LAST, o.id ASC'));
    expect(await plannedOrders({ o: [{ field: 'notes', direction: 'DESC', nulls: 'LAST' }] })).toEqual(
      await refOrders('o.notes DESC NULLS LAST, o.id DESC'),
    );
    expect(await plannedOrders({ o: [{ field: 'notes', direction: 'DESC' }] })).toEqual(
      await refOrders('o.notes DESC NULLS FIRST, o.id DESC'),
    );
  });

  it('orders by a nested path and by typed data values', async () => {
    expect(await plannedOrders({ o: [{ field: 'customer__email' }, { field: 'placedAt', direction: 'DESC' }] })).toEqual(
      await refOrders('u.email ASC, o.placed_at DESC, o.id DESC'),
    );
    expect(await plannedOrders({ o: [{ field: 'itemCount', direction: 'DESC' }] })).toEqual(
      await refOrders('(SELECT count(*) FROM tb_order_item i WHERE i.order_id = o.id) DESC, o.id DESC'),
    );
    const products = await h.data(
      '{ products(orderBy: [{ field: rating, direction: DESC, nulls: LAST }, { field: releasedOn }], limit: 500) { id } }',
    );
    expect(products.products.map((p: { id: string }) => p.id)).toEqual(
      await refProducts('rating DESC NULLS LAST, released_on ASC, id ASC'),
    );
    const byPrice = await h.data('{ products(orderBy: [{ field: price }], limit: 500) { id } }');
    expect(byPrice.products.map((p: { id: string }) => p.id)).toEqual(await refProducts('price, id'));
  });

  it('refuses an orderBy field that is not in the enum (no SQL can be smuggled in)', () => {
    const query = '{ orders(orderBy: [{ field: "total; DROP TABLE tb_order" }]) { id } }';
    expect(thrownCode(() => h.planner.prepare({ query }))).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(thrownCode(() => h.planner.plan(h.planner.prepare({ query: ORDERS }), { o: [{ field: 'total DESC' }] }, AUTH_A))).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('limit and offset', () => {
  it('pages with limit and offset in the same order as SQL', async () => {
    const all = await refOrders('o.total ASC, o.id ASC');
    expect(await plannedOrders({ o: [{ field: 'total' }], l: 7, off: 20 })).toEqual(all.slice(20, 27));
    expect(await plannedOrders({ o: [{ field: 'total' }], l: 0 })).toEqual([]);
    expect(await plannedOrders({ o: [{ field: 'total' }], l: 10, off: 1000 })).toEqual([]);
  });

  it("uses the query's defaultLimit when no limit is given", async () => {
    const data = await h.data('{ products { id } countries { code } }');
    expect(data.products).toHaveLength(20);
    expect(data.countries).toHaveLength(5);
  });

  it('refuses a page above maxLimit or negative, and a negative offset', () => {
    const op = h.planner.prepare({ query: ORDERS });
    expect(thrownCode(() => h.planner.plan(op, { l: 501 }, AUTH_A))).toBe('FRAISEQL_PAGE_TOO_LARGE');
    expect(thrownCode(() => h.planner.plan(op, { l: -1 }, AUTH_A))).toBe('FRAISEQL_PAGE_TOO_LARGE');
    expect(thrownCode(() => h.planner.plan(op, { l: 10, off: -1 }, AUTH_A))).toBe('BAD_USER_INPUT');
    expect(
      thrownCode(() => h.planner.plan(h.planner.prepare({ query: '{ ordersConnection(first: 501) { totalCount } }' }), {}, AUTH_A)),
    ).toBe('FRAISEQL_PAGE_TOO_LARGE');
  });
});

const CONNECTION = `query($o: [OrderOrderBy!], $w: OrderWhereInput, $first: Int, $after: String, $last: Int, $before: String) {
  ordersConnection(orderBy: $o, where: $w, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface Page {
  totalCount: number;
  edges: Array<{ cursor: string; node: { id: string } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}
const page = async (vars: Record<string, unknown>): Promise<Page> => (await h.data(CONNECTION, vars)).ordersConnection;
const idsOf = (p: Page): string[] => p.edges.map((e) => e.node.id);

/** Walks every page forwards then backwards; both walks must reproduce the SQL order exactly. */
async function expectKeysetWalks(orderBy: unknown, reference: string[], where?: unknown, size = 7): Promise<void> {
  const forward: string[] = [];
  let after: string | null = null;
  for (let n = 0; ; n++) {
    const p: Page = await page({ o: orderBy, w: where, first: size, after });
    expect(p.pageInfo.hasPreviousPage).toBe(n > 0);
    expect(p.edges.length).toBeLessThanOrEqual(size);
    forward.push(...idsOf(p));
    if (p.edges.length > 0) {
      expect(p.pageInfo.startCursor).toBe(p.edges[0].cursor);
      expect(p.pageInfo.endCursor).toBe(p.edges[p.edges.length - 1].cursor);
    }
    if (!p.pageInfo.hasNextPage) break;
    after = p.pageInfo.endCursor;
    expect(n).toBeLessThan(200);
  }
  expect(forward).toEqual(reference);

  const backward: string[][] = [];
  let before: string | null = null;
  for (let n = 0; ; n++) {
    const p: Page = await page({ o: orderBy, w: where, last: size, before });
    expect(p.pageInfo.hasNextPage).toBe(n > 0);
    backward.unshift(idsOf(p));
    if (!p.pageInfo.hasPreviousPage) break;
    before = p.pageInfo.startCursor;
    expect(n).toBeLessThan(200);
  }
  expect(backward.flat()).toEqual(reference);
}

describe('Relay connections: keyset pagination', () => {
  it('walks the default order (placedAt DESC, with ties) both ways', async () => {
    await expectKeysetWalks(null, await refOrders('o.placed_at DESC, o.id DESC'));
  });

  it('walks mixed directions over NULLs (expanded OR form)', async () => {
    await expectKeysetWalks([{ field: 'notes', nulls: 'FIRST' }], await refOrders('o.notes ASC NULLS FIRST, o.id ASC'));
    await expectKeysetWalks(
      [{ field: 'notes', direction: 'DESC', nulls: 'LAST' }, { field: 'total' }],
      await refOrders('o.notes DESC NULLS LAST, o.total ASC, o.id ASC'),
    );
    await expectKeysetWalks(
      [{ field: 'currency' }, { field: 'total', direction: 'DESC' }, { field: 'placedAt' }],
      await refOrders('o.currency ASC, o.total DESC, o.placed_at ASC, o.id ASC'),
      undefined,
      11,
    );
  });

  it('walks a nested path and a filtered set', async () => {
    await expectKeysetWalks(
      [{ field: 'customer__email' }, { field: 'placedAt', direction: 'DESC' }],
      await refOrders('u.email ASC, o.placed_at DESC, o.id DESC', `o.status IN ('PAID', 'SHIPPED', 'PENDING')`),
      { status: { in: ['PAID', 'SHIPPED', 'PENDING'] } },
      5,
    );
  });

  it('walks nullable Float and Date keys of products', async () => {
    const query = `query($first: Int, $after: String) { productsConnection(orderBy: [{ field: rating, direction: DESC, nulls: LAST }, { field: releasedOn, nulls: FIRST }], first: $first, after: $after) {
      edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { productsConnection: c } = await h.data(query, { first: 4, after });
      ids.push(...c.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(ids).toEqual(await refProducts('rating DESC NULLS LAST, released_on ASC NULLS FIRST, id ASC'));
  });

  it('returns to the same rows: first/after then last/before', async () => {
    const p1 = await page({ first: 6 });
    const p2 = await page({ first: 6, after: p1.pageInfo.endCursor });
    const back = await page({ last: 6, before: p2.pageInfo.startCursor });
    expect(idsOf(back)).toEqual(idsOf(p1));
    expect(back.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    expect(back.edges.map((e) => e.cursor)).toEqual(p1.edges.map((e) => e.cursor));
    const again = await page({ first: 6, after: back.pageInfo.endCursor });
    expect(idsOf(again)).toEqual(idsOf(p2));
  });

  it('last without a cursor returns the final rows, in order', async () => {
    const all = await refOrders('o.placed_at DESC, o.id DESC');
    const p = await page({ last: 4 });
    expect(idsOf(p)).toEqual(all.slice(-4));
    expect(p.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
  });

  it('handles the empty page, the exact last page and first: 0', async () => {
    const empty = await page({ first: 5, w: { total: { gt: 1000 } } });
    expect(empty).toEqual({
      totalCount: 0,
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });

    const p1 = await page({ first: 75 });
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = await page({ first: 75, after: p1.pageInfo.endCursor });
    expect(p2.edges).toHaveLength(75);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const beyond = await page({ first: 75, after: p2.pageInfo.endCursor });
    expect(beyond.edges).toEqual([]);
    expect(beyond.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true, startCursor: null });

    const zero = await page({ first: 0 });
    expect(zero.edges).toEqual([]);
    expect(zero.pageInfo.hasNextPage).toBe(true);
    expect(zero.totalCount).toBe(150);
  });

  it('counts the whole filtered set, whatever the cursor', async () => {
    const p1 = await page({ first: 3, w: { status: { eq: 'PAID' } } });
    const p2 = await page({ first: 3, w: { status: { eq: 'PAID' } }, after: p1.pageInfo.endCursor });
    const expected = (await refOrders('o.id', `o.status = 'PAID'`)).length;
    expect(p1.totalCount).toBe(expected);
    expect(p2.totalCount).toBe(expected);
  });

  it('after and before together bound a range', async () => {
    const all = await refOrders('o.placed_at DESC, o.id DESC');
    const p = await page({ first: 20 });
    const range = await page({ first: 50, after: p.edges[2].cursor, before: p.edges[9].cursor });
    expect(idsOf(range)).toEqual(all.slice(3, 9));
    expect(range.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('cursors do not depend on the session time zone', async () => {
    const p1 = await page({ first: 5 });
    await h.client.query(`SET TIME ZONE 'Asia/Kolkata'`);
    try {
      const p2 = await page({ first: 5, after: p1.pageInfo.endCursor });
      const all = await refOrders('o.placed_at DESC, o.id DESC');
      expect(idsOf(p2)).toEqual(all.slice(5, 10));
    } finally {
      await h.client.query(`SET TIME ZONE 'America/New_York'`);
    }
  });

  it('runs minimal selections: only page info, only a count, only cursors', async () => {
    const p1 = await page({ first: 3 });
    const only = async (selection: string, vars: Record<string, unknown>): Promise<any> =>
      (
        await h.data(
          `query($first: Int, $after: String, $last: Int, $before: String) { ordersConnection(first: $first, after: $after, last: $last, before: $before) { ${selection} } }`,
          vars,
        )
      ).ordersConnection;
    expect(await only('pageInfo { hasNextPage }', { first: 3, after: p1.pageInfo.endCursor })).toEqual({ pageInfo: { hasNextPage: true } });
    expect(await only('pageInfo { hasPreviousPage }', { first: 3, after: p1.pageInfo.endCursor })).toEqual({
      pageInfo: { hasPreviousPage: true },
    });
    expect(await only('pageInfo { hasNextPage hasPreviousPage }', { last: 3, before: p1.pageInfo.endCursor })).toEqual({
      pageInfo: { hasNextPage: true, hasPreviousPage: false },
    });
    expect(await only('totalCount', { first: 3, after: p1.pageInfo.endCursor })).toEqual({ totalCount: 150 });
    expect(await only('edges { cursor }', { first: 3 })).toEqual({ edges: p1.edges.map((e) => ({ cursor: e.cursor })) });
    expect(await only('edges { node { id } }', { last: 2, before: p1.pageInfo.endCursor })).toEqual({
      edges: p1.edges.slice(0, 2).map((e) => ({ node: e.node })),
    });
  });

  it('refuses first together with last', () => {
    expect(thrownCode(() => h.planner.plan(h.planner.prepare({ query: CONNECTION }), { first: 1, last: 1 }, AUTH_A))).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('cursors', () => {
  const decodePayload = (cursor: string): unknown[] => JSON.parse(Buffer.from(cursor.split('.')[0], 'base64url').toString('utf8'));

  it('carry the sort key values exactly: numerics as text, timestamps with microseconds', async () => {
    const p = await page({ first: 3, o: [{ field: 'total', direction: 'DESC' }, { field: 'placedAt' }] });
    const [version, , total, placedAt, id] = decodePayload(p.edges[0].cursor);
    expect(version).toBe(1);
    const {
      rows: [row],
    } = await h.client.query('SELECT total::text FROM tb_order WHERE id = $1', [id]);
    expect(total).toBe(row.total);
    expect(total).toMatch(/^\d+\.50$/);
    expect(placedAt).toMatch(/\.\d{6}[-+]\d{2}:\d{2}$|:\d{2}[-+]\d{2}:\d{2}$/);
    expect(id).toBe(p.edges[0].node.id);
    const { rows } = await h.client.query('SELECT placed_at = $1::timestamptz AS same FROM tb_order WHERE id = $2', [placedAt, id]);
    expect(rows[0].same).toBe(true);
  });

  const planAfter = (after: string, query = CONNECTION, vars: Record<string, unknown> = {}, planner = h.planner): string | undefined =>
    thrownCode(() => planner.plan(planner.prepare({ query }), { first: 3, after, ...vars }, AUTH_A));

  it('refuses a tampered, foreign or garbage cursor as invalid', async () => {
    const cursor = (await page({ first: 3 })).pageInfo.endCursor!;
    const [body, mac] = cursor.split('.');
    const payload = Buffer.from(body, 'base64url');
    payload[payload.length - 3] ^= 1;
    expect(planAfter(`${payload.toString('base64url')}.${mac}`)).toBe('FRAISEQL_INVALID_CURSOR');
    const flipped = Buffer.from(mac, 'base64url');
    flipped[0] ^= 0x80;
    expect(planAfter(`${body}.${flipped.toString('base64url')}`)).toBe('FRAISEQL_INVALID_CURSOR');
    const other = new QueryPlanner(compileTestSchema(), { cursorSecret: 'another secret' });
    expect(planAfter(cursor, CONNECTION, {}, other)).toBe('FRAISEQL_INVALID_CURSOR');
    for (const garbage of ['', 'abc', 'a.b', '...', `${body}.`, `${body}.${mac}.x`, 'x'.repeat(5000), `${body}!.${mac}`]) {
      expect([garbage.slice(0, 20), planAfter(garbage)]).toEqual([garbage.slice(0, 20), 'FRAISEQL_INVALID_CURSOR']);
    }
    // Validly signed but not a cursor payload.
    const codec = (h.planner as unknown as { cursors: { encode(fp: string, v: unknown[]): string } }).cursors;
    expect(planAfter(codec.encode('x', []).replace(/^[^.]+/, Buffer.from('{"a":1}').toString('base64url')))).toBe(
      'FRAISEQL_INVALID_CURSOR',
    );
  });

  it('refuses a validly signed cursor of another ordering, query or schema as stale', async () => {
    const cursor = (await page({ first: 3 })).pageInfo.endCursor!;
    expect(planAfter(cursor, CONNECTION, { o: [{ field: 'total' }] })).toBe('FRAISEQL_STALE_CURSOR');
    expect(planAfter(cursor, CONNECTION, { o: [{ field: 'placedAt', direction: 'DESC', nulls: 'LAST' }] })).toBe('FRAISEQL_STALE_CURSOR');
    expect(
      planAfter(cursor, 'query($first: Int, $after: String) { productsConnection(first: $first, after: $after) { totalCount } }'),
    ).toBe('FRAISEQL_STALE_CURSOR');
    const nextVersion = new QueryPlanner({ ...compileTestSchema(), hash: 'f'.repeat(64) }, { cursorSecret: SECRET });
    expect(planAfter(cursor, CONNECTION, {}, nextVersion)).toBe('FRAISEQL_STALE_CURSOR');
    // The same ordering spelled explicitly is the same ordering.
    expect(planAfter(cursor, CONNECTION, { o: [{ field: 'placedAt', direction: 'DESC' }] })).toBeUndefined();
    // A cursor is checked even when only totalCount is selected.
    expect(
      planAfter('garbage', 'query($first: Int, $after: String) { ordersConnection(first: $first, after: $after) { totalCount } }'),
    ).toBe('FRAISEQL_INVALID_CURSOR');
  });
});
