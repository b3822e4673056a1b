import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gateway } from '@fraiseql/gateway';
import type { QueryExecutor } from '@fraiseql/query-executor';
import { DEMO_ORG_IDS, migrateShop, parseScale, seedShop } from '@fraiseql/shop';
import { createTestDatabase, startNatsServer, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { sql } from './fixtures/sql';
import { graphql, jwtFor, startExecutor, startGateway, type HttpResult } from './fixtures/services-in-process';

// Mutations over real HTTP (docs/adr/0082-mutations.md): gateway → fraiseql.v1.mutation → executor
// → fn_<mutation>(input, ctx) of examples/shop/migrations/0006 → typed result union.

const SHOP_SCHEMA = join(__dirname, '../../examples/shop/schema.compiled.json');
const SCHEMA_HASH = (JSON.parse(readFileSync(SHOP_SCHEMA, 'utf8')) as { hash: string }).hash;
const [ORG_1, ORG_2] = DEMO_ORG_IDS;
const ADDRESS = { street: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
const UNKNOWN_ID = '99999999-9999-4999-8999-999999999999';

// `message` in both branches without an alias: String! on the success types and on MutationError.
const RESULT = `__typename
  ... on MutationError { errorClass message fieldErrors { field message } }`;
const CREATE_ORDER = `mutation Create($input: CreateOrderInput!) { createOrder(input: $input) { ${RESULT}
  ... on CreateOrderSuccess { message order { id status total currency itemCount customer { id } items { quantity unitPrice product { id } } shippingAddress { city } } } } }`;
const UPDATE_STATUS = `mutation($input: UpdateOrderStatusInput!) { updateOrderStatus(input: $input) { ${RESULT} ... on UpdateOrderStatusSuccess { message order { id status } } } }`;
const CANCEL = `mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { ${RESULT} ... on CancelOrderSuccess { order { id status notes } } } }`;
const CREATE_REVIEW = `mutation($input: CreateReviewInput!) { createReview(input: $input) { ${RESULT} ... on CreateReviewSuccess { review { id rating title body product { id } author { id } } } } }`;
const UPDATE_PRODUCT = `mutation($input: UpdateProductInput!) { updateProduct(input: $input) { ${RESULT} ... on UpdateProductSuccess { product { id sku name price stock } } } }`;

interface Product {
  id: string;
  price: string;
  stock: number;
  sku: string;
}

describe('shop mutations over HTTP: gateway → NATS → query-executor → PL/pgSQL functions', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let executor: QueryExecutor;
  let gateway: Gateway;
  let customer: string; // a user of org 1
  let customerOrg2: string;
  let products: Product[]; // active org-1 products with stock
  let productOrg2: string;
  let token: { shopper: string; admin: string; catalog: string; shopperOrg2: string };

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('fraiseql_e2e_shop_mutations')]);
    await migrateShop({ connectionString: db.url });
    await seedShop({ connectionString: db.url, orders: parseScale('1k') });
    executor = await startExecutor({ nats, db }, { schemaSource: SHOP_SCHEMA });
    gateway = (await startGateway({ nats, db }, { schemaSource: SHOP_SCHEMA })).gateway;
    token = {
      shopper: await jwtFor({ sub: 'e2e-shopper', org_id: ORG_1, roles: ['reader'] }),
      admin: await jwtFor({ sub: 'e2e-admin', org_id: ORG_1, roles: ['admin'] }),
      catalog: await jwtFor({ sub: 'e2e-catalog', org_id: ORG_1, roles: ['catalog'] }),
      shopperOrg2: await jwtFor({ sub: 'e2e-shopper-2', org_id: ORG_2, roles: ['reader'] }),
    };
    customer = (await sql<{ id: string }>(db.url, 'SELECT id FROM tb_user WHERE org_id = $1 ORDER BY id LIMIT 1', [ORG_1]))[0]!.id;
    customerOrg2 = (await sql<{ id: string }>(db.url, 'SELECT id FROM tb_user WHERE org_id = $1 ORDER BY id LIMIT 1', [ORG_2]))[0]!.id;
    products = await sql<Product>(
      db.url,
      'SELECT id, price::text AS price, stock, sku FROM tb_product WHERE org_id = $1 AND is_active AND stock >= 20 ORDER BY id LIMIT 6',
      [ORG_1],
    );
    productOrg2 = (
      await sql<{ id: string }>(db.url, 'SELECT id FROM tb_product WHERE org_id = $1 AND is_active AND stock > 5 ORDER BY id LIMIT 1', [
        ORG_2,
      ])
    )[0]!.id;
    expect(products).toHaveLength(6);
  });
  afterAll(async () => {
    await gateway?.close();
    await executor?.close();
    await nats?.dispose();
    await db?.drop();
  });

  const mutate = (query: string, input: unknown, as?: string, headers?: Record<string, string>): Promise<HttpResult> =>
    graphql(gateway, { query, variables: { input } }, { ...(as ? { token: as } : {}), ...(headers ? { headers } : {}) });
  const count = async (text: string, values: unknown[] = []): Promise<number> =>
    Number((await sql<{ n: string }>(db.url, text, values))[0]!.n);
  const orders = () => count('SELECT count(*) AS n FROM tb_order');
  const changeLog = () => count('SELECT count(*) AS n FROM fraiseql.tb_entity_change_log');
  const stockOf = async (id: string) =>
    (await sql<{ stock: number }>(db.url, 'SELECT stock FROM tb_product WHERE id = $1', [id]))[0]!.stock;
  const orderInput = (overrides: Record<string, unknown> = {}) => ({
    customerId: customer,
    items: [
      { productId: products[0]!.id, quantity: 2 },
      { productId: products[1]!.id, quantity: 1 },
    ],
    shippingAddress: ADDRESS,
    ...overrides,
  });
  /** Runs `act` and checks that no order, review or change event appeared and no product changed. */
  const expectNothingWritten = async (act: () => Promise<void>): Promise<void> => {
    const snapshot = () =>
      sql(
        db.url,
        `SELECT (SELECT count(*) FROM tb_order) AS orders, (SELECT count(*) FROM tb_review) AS reviews,
      (SELECT count(*) FROM fraiseql.tb_entity_change_log) AS events,
      (SELECT md5(string_agg(p::text, ',' ORDER BY p.id)) FROM tb_product p) AS products,
      (SELECT md5(string_agg(o::text, ',' ORDER BY o.id)) FROM tb_order o) AS order_rows`,
      );
    const before = await snapshot();
    await act();
    expect(await snapshot()).toEqual(before);
  };

  describe('createOrder', () => {
    it('places the order with prices from the products, takes the stock, records one change event, and projects the result to the selection', async () => {
      const [a, b] = [products[0]!, products[1]!];
      const [stockA, stockB] = [await stockOf(a.id), await stockOf(b.id)];
      const result = await mutate(CREATE_ORDER, orderInput({ notes: 'leave at the door' }), token.shopper);
      expect(result.status).toBe(200);
      const created = result.body.data.createOrder;
      expect(created).toMatchObject({ __typename: 'CreateOrderSuccess', message: 'Order placed' });
      const total = Math.round((2 * Number(a.price) + Number(b.price)) * 100) / 100;
      expect(created.order).toMatchObject({
        status: 'PENDING',
        total,
        currency: 'EUR',
        itemCount: 2,
        customer: { id: customer },
        shippingAddress: { city: 'Springfield' },
      });
      expect(Object.keys(created.order)).toEqual([
        'id',
        'status',
        'total',
        'currency',
        'itemCount',
        'customer',
        'items',
        'shippingAddress',
      ]);
      expect([...created.order.items].sort((x: any, y: any) => x.quantity - y.quantity)).toEqual([
        { quantity: 1, unitPrice: Number(b.price), product: { id: b.id } },
        { quantity: 2, unitPrice: Number(a.price), product: { id: a.id } },
      ]);

      const rows = await sql<{ org_id: string; customer_id: string; total: string; notes: string; status: string }>(
        db.url,
        'SELECT org_id, customer_id, total::text, notes, status FROM tb_order WHERE id = $1',
        [created.order.id],
      );
      expect(rows).toEqual([
        { org_id: ORG_1, customer_id: customer, total: total.toFixed(2), notes: 'leave at the door', status: 'PENDING' },
      ]);
      expect(await stockOf(a.id)).toBe(stockA - 2);
      expect(await stockOf(b.id)).toBe(stockB - 1);
      const events = await sql<{ event_type: string; user_id: string; org_id: string; schema_version: string }>(
        db.url,
        `SELECT event_type, user_id, org_id, schema_version FROM fraiseql.tb_entity_change_log WHERE entity_type = 'Order' AND entity_id = $1`,
        [created.order.id],
      );
      expect(events).toEqual([{ event_type: 'INSERT', user_id: 'e2e-shopper', org_id: ORG_1, schema_version: SCHEMA_HASH }]);
    });

    it('refuses empty items and quantities below 1 with VALIDATION and field errors, writing nothing', async () => {
      await expectNothingWritten(async () => {
        const empty = await mutate(CREATE_ORDER, orderInput({ items: [] }), token.shopper);
        expect(empty.body.data.createOrder).toEqual({
          __typename: 'MutationError',
          errorClass: 'VALIDATION',
          message: 'The order is not valid',
          fieldErrors: [{ field: 'items', message: 'An order needs at least one item' }],
        });
        const zero = await mutate(
          CREATE_ORDER,
          orderInput({
            items: [
              { productId: products[0]!.id, quantity: 1 },
              { productId: products[1]!.id, quantity: 0 },
            ],
            currency: 'euro',
          }),
          token.shopper,
        );
        expect(zero.body.data.createOrder.errorClass).toBe('VALIDATION');
        expect(zero.body.data.createOrder.fieldErrors.map((e: { field: string }) => e.field)).toEqual(['items.1.quantity', 'currency']);
      });
    });

    it('answers NOT_FOUND for an unknown customer or product, and for ids of another organization', async () => {
      await expectNothingWritten(async () => {
        for (const customerId of [UNKNOWN_ID, customerOrg2, 'not-a-uuid']) {
          const result = await mutate(CREATE_ORDER, orderInput({ customerId }), token.shopper);
          expect(result.body.data.createOrder).toMatchObject({
            errorClass: 'NOT_FOUND',
            fieldErrors: [{ field: 'customerId', message: 'No such customer' }],
          });
        }
        const product = await mutate(
          CREATE_ORDER,
          orderInput({
            items: [
              { productId: products[0]!.id, quantity: 1 },
              { productId: productOrg2, quantity: 1 },
            ],
          }),
          token.shopper,
        );
        expect(product.body.data.createOrder).toMatchObject({
          errorClass: 'NOT_FOUND',
          fieldErrors: [{ field: 'items.1.productId', message: 'No such product' }],
        });
      });
    });

    it('answers CONFLICT when a product has not enough stock, counting repeated lines together', async () => {
      const p = products[2]!;
      const stock = await stockOf(p.id);
      await expectNothingWritten(async () => {
        const result = await mutate(
          CREATE_ORDER,
          orderInput({
            items: [
              { productId: p.id, quantity: stock },
              { productId: p.id, quantity: 1 },
            ],
          }),
          token.shopper,
        );
        expect(result.body.data.createOrder).toMatchObject({
          errorClass: 'CONFLICT',
          fieldErrors: [
            { field: 'items.0.quantity', message: `Only ${stock} in stock` },
            { field: 'items.1.quantity', message: `Only ${stock} in stock` },
          ],
        });
      });
    });

    it('answers UNAUTHORIZED to an anonymous caller', async () => {
      await expectNothingWritten(async () => {
        const result = await mutate(CREATE_ORDER, orderInput(), undefined);
        expect(result.body.data.createOrder).toMatchObject({ __typename: 'MutationError', errorClass: 'UNAUTHORIZED', fieldErrors: [] });
      });
    });

    it.each([
      ['a value of the wrong type', { ...{ items: [{ productId: 'x', quantity: 'two' }] } }],
      ['a missing required field', { shippingAddress: { street: 'a', city: 'b', postalCode: 'c' } }],
      ['an unknown field', { coupon: 'FREE' }],
    ])('rejects %s in the input before PostgreSQL: 400, no row and no change event', async (_what, overrides) => {
      await expectNothingWritten(async () => {
        const result = await mutate(CREATE_ORDER, orderInput(overrides), token.shopper);
        expect(result.body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
        expect(result.body.data).toBeUndefined();
      });
    });

    it('rejects an unknown enum value in a literal with GRAPHQL_VALIDATION_FAILED, writing nothing', async () => {
      const order = (
        await sql<{ id: string }>(db.url, "SELECT id FROM tb_order WHERE org_id = $1 AND status = 'PENDING' LIMIT 1", [ORG_1])
      )[0]!.id;
      await expectNothingWritten(async () => {
        const result = await graphql(
          gateway,
          { query: `mutation { updateOrderStatus(input: { id: "${order}", status: LOST }) { __typename } }` },
          { token: token.admin },
        );
        expect(result.body.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      });
    });
  });

  describe('updateOrderStatus and cancelOrder', () => {
    const newOrder = async (): Promise<string> => {
      const result = await mutate(CREATE_ORDER, orderInput({ items: [{ productId: products[3]!.id, quantity: 1 }] }), token.shopper);
      return result.body.data.createOrder.order.id as string;
    };
    const statusOf = async (id: string) =>
      (await sql<{ status: string }>(db.url, 'SELECT status FROM tb_order WHERE id = $1', [id]))[0]!.status;

    it('moves an order PENDING → PAID → SHIPPED for staff, and refuses a transition that skips a step with CONFLICT', async () => {
      const id = await newOrder();
      const paid = await mutate(UPDATE_STATUS, { id, status: 'PAID' }, token.admin);
      expect(paid.body.data.updateOrderStatus).toEqual({
        __typename: 'UpdateOrderStatusSuccess',
        message: 'Order is now PAID',
        order: { id, status: 'PAID' },
      });
      expect(await statusOf(id)).toBe('PAID');
      await expectNothingWritten(async () => {
        const skip = await mutate(UPDATE_STATUS, { id, status: 'DELIVERED' }, token.admin);
        expect(skip.body.data.updateOrderStatus).toMatchObject({
          errorClass: 'CONFLICT',
          message: 'An order cannot go from PAID to DELIVERED',
        });
      });
      await mutate(UPDATE_STATUS, { id, status: 'SHIPPED' }, token.admin);
      expect(await statusOf(id)).toBe('SHIPPED');
    });

    it("answers FORBIDDEN without role admin or staff, NOT_FOUND for another org's order and UNAUTHORIZED anonymously", async () => {
      const id = await newOrder();
      const otherOrg = (await sql<{ id: string }>(db.url, 'SELECT id FROM tb_order WHERE org_id = $1 LIMIT 1', [ORG_2]))[0]!.id;
      await expectNothingWritten(async () => {
        expect((await mutate(UPDATE_STATUS, { id, status: 'PAID' }, token.shopper)).body.data.updateOrderStatus.errorClass).toBe(
          'FORBIDDEN',
        );
        expect((await mutate(UPDATE_STATUS, { id: otherOrg, status: 'PAID' }, token.admin)).body.data.updateOrderStatus).toMatchObject({
          errorClass: 'NOT_FOUND',
          fieldErrors: [{ field: 'id', message: 'No such order' }],
        });
        expect((await mutate(UPDATE_STATUS, { id, status: 'PAID' })).body.data.updateOrderStatus.errorClass).toBe('UNAUTHORIZED');
      });
    });

    it('cancels a PENDING order, puts its stock back and keeps the reason; a cancelled order cannot be cancelled again (CONFLICT)', async () => {
      const p = products[3]!;
      const stock = await stockOf(p.id);
      const id = await newOrder();
      expect(await stockOf(p.id)).toBe(stock - 1);
      const cancelled = await mutate(CANCEL, { id, reason: 'changed my mind' }, token.shopper);
      // Order.notes is masked without support, staff or admin (docs/security.md): the shopper sees null, the row keeps the reason.
      expect(cancelled.body.data.cancelOrder).toEqual({
        __typename: 'CancelOrderSuccess',
        order: { id, status: 'CANCELLED', notes: null },
      });
      expect((await sql<{ notes: string }>(db.url, 'SELECT notes FROM tb_order WHERE id = $1', [id]))[0]!.notes).toBe(
        'Cancelled: changed my mind',
      );
      expect(await statusOf(id)).toBe('CANCELLED');
      expect(await stockOf(p.id)).toBe(stock);
      await expectNothingWritten(async () => {
        expect((await mutate(CANCEL, { id }, token.shopper)).body.data.cancelOrder).toMatchObject({
          errorClass: 'CONFLICT',
          message: 'A CANCELLED order cannot be cancelled',
        });
        expect((await mutate(CANCEL, { id: UNKNOWN_ID }, token.shopper)).body.data.cancelOrder.errorClass).toBe('NOT_FOUND');
        expect((await mutate(CANCEL, { id }, token.shopperOrg2)).body.data.cancelOrder.errorClass).toBe('NOT_FOUND');
      });
    });
  });

  describe('createReview', () => {
    it('adds a review and returns it as a query would', async () => {
      const result = await mutate(
        CREATE_REVIEW,
        { productId: products[4]!.id, authorId: customer, rating: 4, title: 'Solid', body: 'Does the job' },
        token.shopper,
      );
      const review = result.body.data.createReview.review;
      expect(review).toMatchObject({
        rating: 4,
        title: 'Solid',
        body: 'Does the job',
        product: { id: products[4]!.id },
        author: { id: customer },
      });
      expect(await count('SELECT count(*) AS n FROM tb_review WHERE id = $1 AND org_id = $2 AND rating = 4', [review.id, ORG_1])).toBe(1);
    });

    it("answers VALIDATION for a rating outside 1..5 and NOT_FOUND for another org's product, writing nothing", async () => {
      await expectNothingWritten(async () => {
        const rating = await mutate(
          CREATE_REVIEW,
          { productId: products[4]!.id, authorId: customer, rating: 6, title: ' ' },
          token.shopper,
        );
        expect(rating.body.data.createReview).toMatchObject({
          errorClass: 'VALIDATION',
          fieldErrors: [
            { field: 'rating', message: 'Must be from 1 to 5' },
            { field: 'title', message: 'Must not be empty' },
          ],
        });
        const product = await mutate(CREATE_REVIEW, { productId: productOrg2, authorId: customer, rating: 5, title: 'x' }, token.shopper);
        expect(product.body.data.createReview).toMatchObject({
          errorClass: 'NOT_FOUND',
          fieldErrors: [{ field: 'productId', message: 'No such product' }],
        });
      });
    });
  });

  describe('updateProduct', () => {
    it('changes only the given fields for the catalog role', async () => {
      const p = products[5]!;
      const result = await mutate(UPDATE_PRODUCT, { id: p.id, name: 'Renamed', price: '19.90' }, token.catalog);
      expect(result.body.data.updateProduct).toEqual({
        __typename: 'UpdateProductSuccess',
        product: { id: p.id, sku: p.sku, name: 'Renamed', price: 19.9, stock: await stockOf(p.id) },
      });
      expect(await sql(db.url, 'SELECT name, price::text, sku FROM tb_product WHERE id = $1', [p.id])).toEqual([
        { name: 'Renamed', price: '19.90', sku: p.sku },
      ]);
    });

    it('answers VALIDATION, CONFLICT (sku taken), FORBIDDEN, UNAUTHORIZED and NOT_FOUND without changing anything', async () => {
      const p = products[5]!;
      await expectNothingWritten(async () => {
        const invalid = await mutate(UPDATE_PRODUCT, { id: p.id, name: '', price: -1 }, token.admin);
        expect(invalid.body.data.updateProduct).toMatchObject({
          errorClass: 'VALIDATION',
          fieldErrors: [
            { field: 'name', message: 'Must not be empty' },
            { field: 'price', message: 'Must not be negative' },
          ],
        });
        const taken = await mutate(UPDATE_PRODUCT, { id: p.id, sku: products[0]!.sku }, token.admin);
        expect(taken.body.data.updateProduct).toMatchObject({
          errorClass: 'CONFLICT',
          fieldErrors: [{ field: 'sku', message: `${products[0]!.sku} is already used` }],
        });
        expect((await mutate(UPDATE_PRODUCT, { id: p.id, name: 'x' }, token.shopper)).body.data.updateProduct.errorClass).toBe('FORBIDDEN');
        expect((await mutate(UPDATE_PRODUCT, { id: p.id, name: 'x' })).body.data.updateProduct.errorClass).toBe('UNAUTHORIZED');
        const admin2 = await jwtFor({ sub: 'e2e-admin-2', org_id: ORG_2, roles: ['admin'] });
        expect((await mutate(UPDATE_PRODUCT, { id: p.id, name: 'x' }, admin2)).body.data.updateProduct.errorClass).toBe('NOT_FOUND');
      });
    });
  });

  describe('Idempotency-Key', () => {
    it('returns the first response to a retry, byte for byte, and the order exists once', async () => {
      const before = await orders();
      const headers = { 'idempotency-key': 'e2e-retry-1' };
      const first = await mutate(CREATE_ORDER, orderInput(), token.shopper, headers);
      const retry = await mutate(CREATE_ORDER, orderInput(), token.shopper, headers);
      expect(first.body.data.createOrder.__typename).toBe('CreateOrderSuccess');
      expect(retry.status).toBe(200);
      expect(retry.text).toBe(first.text);
      expect(await orders()).toBe(before + 1);
      expect(await count("SELECT count(*) AS n FROM fraiseql.tb_idempotency_key WHERE key = 'e2e-retry-1' AND org_id = $1", [ORG_1])).toBe(
        1,
      );
    });

    it('runs two concurrent requests with the same key once: both get the same order', async () => {
      const before = await orders();
      const events = await changeLog();
      const headers = { 'idempotency-key': 'e2e-concurrent-1' };
      const results = await Promise.all([1, 2, 3].map(() => mutate(CREATE_ORDER, orderInput(), token.shopper, headers)));
      const ids = results.map((r) => r.body.data.createOrder.order.id as string);
      expect(new Set(ids).size).toBe(1);
      expect(await orders()).toBe(before + 1);
      expect(
        await count("SELECT count(*) AS n FROM fraiseql.tb_entity_change_log WHERE entity_type = 'Order' AND entity_id = $1", [ids[0]]),
      ).toBe(1);
      expect(await changeLog()).toBeGreaterThan(events);
    });

    it('refuses the same key with another mutation or other variables with 409 FRAISEQL_IDEMPOTENCY_KEY_REUSED', async () => {
      const headers = { 'idempotency-key': 'e2e-reused-1' };
      const first = await mutate(CREATE_ORDER, orderInput(), token.shopper, headers);
      const orderId = first.body.data.createOrder.order.id as string;
      await expectNothingWritten(async () => {
        const other = await graphql(
          gateway,
          { query: CANCEL, variables: { input: { id: orderId } } },
          { token: token.shopper, headers: { ...headers, accept: 'application/graphql-response+json' } },
        );
        expect(other.status).toBe(409);
        expect(other.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_IDEMPOTENCY_KEY_REUSED');
        const otherVariables = await mutate(CREATE_ORDER, orderInput({ notes: 'different' }), token.shopper, headers);
        expect(otherVariables.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_IDEMPOTENCY_KEY_REUSED');
      });
      expect(await sql(db.url, 'SELECT status FROM tb_order WHERE id = $1', [orderId])).toEqual([{ status: 'PENDING' }]);
    });

    it('refuses a malformed key with 400 before running anything', async () => {
      await expectNothingWritten(async () => {
        const result = await mutate(CREATE_ORDER, orderInput(), token.shopper, { 'idempotency-key': 'x'.repeat(201) });
        expect(result.status).toBe(400);
        expect(result.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_BAD_REQUEST');
      });
    });
  });

  it('runs several mutation fields of one operation one after the other, each on its own', async () => {
    const id = (await mutate(CREATE_ORDER, orderInput({ items: [{ productId: products[3]!.id, quantity: 1 }] }), token.shopper)).body.data
      .createOrder.order.id;
    const result = await graphql(
      gateway,
      {
        query: `mutation($id: ID!) {
        paid: updateOrderStatus(input: { id: $id, status: PAID }) { ... on UpdateOrderStatusSuccess { order { status } } }
        again: updateOrderStatus(input: { id: $id, status: PENDING }) { ... on MutationError { errorClass } }
        shipped: updateOrderStatus(input: { id: $id, status: SHIPPED }) { ... on UpdateOrderStatusSuccess { order { status } } }
      }`,
        variables: { id },
      },
      { token: token.admin },
    );
    expect(result.body).toEqual({
      data: { paid: { order: { status: 'PAID' } }, again: { errorClass: 'CONFLICT' }, shipped: { order: { status: 'SHIPPED' } } },
    });
  });

  it('still refuses a mutation over GET with 405, and a query still reads', async () => {
    const get = await graphql(
      gateway,
      { query: 'mutation { cancelOrder(input: { id: "x" }) { __typename } }' },
      { method: 'GET', token: token.shopper },
    );
    expect(get.status).toBe(405);
    const query = await graphql(gateway, { query: `{ product(id: "${products[0]!.id}") { id } }` }, { token: token.shopper });
    expect(query.body).toEqual({ data: { product: { id: products[0]!.id } } });
  });
});
