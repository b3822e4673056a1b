import {
  arrowDataset,
  column,
  connectionQuery,
  defineSchema,
  entity,
  enumType,
  field,
  inputType,
  listQuery,
  lookupQuery,
  mutation,
  objectType,
  observer,
  subscription,
} from '@fraiseql/schema';

/**
 * The demo shop's GraphQL schema (docs/dev/build-plan.md, "The demo shop data model").
 * Views and their typed columns are created by examples/shop/migrations; `column` names a
 * typed view column so that filters and ordering on it use the index.
 */

export const OrderStatus = enumType('OrderStatus', ['PENDING', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED'], {
  description: 'Where an order is in its life cycle.',
});

export const Address = objectType(
  'Address',
  {
    street: field.string(),
    city: field.string(),
    postalCode: field.string(),
    country: field.string({ description: 'ISO 3166-1 alpha-2 country code.' }),
  },
  { description: 'A postal address.' },
);

export const ProductSummary = objectType(
  'ProductSummary',
  {
    id: field.id(),
    sku: field.string(),
    name: field.string(),
  },
  { description: 'The identifying part of a product, embedded where a product is referenced.' },
);

export const OrderItem = objectType(
  'OrderItem',
  {
    id: field.id(),
    quantity: field.int(),
    unitPrice: field.decimal({ description: 'Price of one unit when the order was placed.' }),
    product: field.object(ProductSummary),
  },
  { description: 'One line of an order.' },
);

// Change capture (migration 0005 is `fraiseql generate triggers` of these): every entity keeps
// pre-images, so UPDATE events carry `before`; order items are part of their order.
export const User = entity(
  'User',
  { view: 'v_user', tenantScoped: true, description: 'A customer account.', capture: { preImages: true } },
  {
    id: field.id(),
    email: field.string({ column: 'email' }),
    name: field.string({ nullable: true }),
    isActive: field.boolean(),
    tags: field.list(field.string()),
    createdAt: field.dateTime({ column: 'created_at' }),
  },
);

export const Category = entity(
  'Category',
  { view: 'v_category', tenantScoped: true, description: 'A product category.', capture: { preImages: true } },
  {
    id: field.id(),
    name: field.string(),
    slug: field.string({ column: 'slug', description: 'URL-safe unique name.' }),
    createdAt: field.dateTime(),
  },
);

export const Product = entity(
  'Product',
  { view: 'v_product', tenantScoped: true, description: 'Something the shop sells.', capture: { preImages: true } },
  {
    id: field.id(),
    sku: field.string({ column: 'sku', description: 'Stock keeping unit, unique per organization.' }),
    name: field.string(),
    description: field.string({ nullable: true }),
    price: field.decimal({ column: 'price' }),
    stock: field.int({ description: 'Units in stock.' }),
    isActive: field.boolean(),
    tags: field.list(field.string()),
    attributes: field.json({ nullable: true, description: 'Free-form attributes (colour, size, ...).' }),
    category: field.object(Category, { nullable: true }),
    createdAt: field.dateTime({ column: 'created_at' }),
    updatedAt: field.dateTime(),
  },
);

export const Order = entity(
  'Order',
  {
    view: 'v_order',
    tenantScoped: true,
    description: 'A customer order.',
    capture: { children: [{ table: 'tb_order_item', parentIdColumn: 'order_id' }], preImages: true },
  },
  {
    id: field.id(),
    status: field.enum(OrderStatus, { column: 'status' }),
    total: field.decimal({ column: 'total', description: 'Sum of quantity × unit price of the items.' }),
    currency: field.string({ description: 'ISO 4217 currency code.' }),
    // Read rules (docs/adr/0136-authorization-in-the-plan.md): notes are for the shop's staff; other callers read null.
    notes: field.string({ nullable: true, requiresRole: ['support', 'staff', 'admin'], onDenied: 'mask' }),
    placedAt: field.dateTime({ column: 'placed_at' }),
    createdAt: field.dateTime(),
    updatedAt: field.dateTime(),
    itemCount: field.int({ description: 'Number of lines in the order.' }),
    shippingAddress: field.object(Address),
    customer: field.object(User),
    items: field.list(field.object(OrderItem)),
  },
);

export const Review = entity(
  'Review',
  { view: 'v_review', tenantScoped: true, description: 'A customer review of a product.', capture: { preImages: true } },
  {
    id: field.id(),
    rating: field.int({ column: 'rating', description: 'From 1 to 5.' }),
    title: field.string(),
    body: field.string({ nullable: true }),
    createdAt: field.dateTime({ column: 'created_at' }),
    product: field.object(ProductSummary),
    author: field.object(User),
  },
);

// Mutations: each runs fn_<snake_case name>(input, ctx) of migration 0006 (docs/adr/0082-mutations.md).

export const AddressInput = inputType(
  'AddressInput',
  {
    street: field.string(),
    city: field.string(),
    postalCode: field.string(),
    country: field.string({ description: 'ISO 3166-1 alpha-2 country code (two capital letters).' }),
  },
  { description: 'A postal address.' },
);

export const OrderItemInput = inputType(
  'OrderItemInput',
  {
    productId: field.id(),
    quantity: field.int({ description: 'Units ordered; at least 1.' }),
  },
  { description: "One line of a new order; the unit price is the product's current price." },
);

export const CreateOrderInput = inputType('CreateOrderInput', {
  customerId: field.id({ description: "A user of the caller's organization." }),
  items: field.list(field.object(OrderItemInput), { description: 'At least one line.' }),
  shippingAddress: field.object(AddressInput),
  currency: field.string({ nullable: true, description: 'ISO 4217 code; default EUR.' }),
  notes: field.string({ nullable: true }),
});

export const UpdateOrderStatusInput = inputType('UpdateOrderStatusInput', {
  id: field.id(),
  status: field.enum(OrderStatus, { description: 'PENDING → PAID → SHIPPED → DELIVERED; PENDING or PAID → CANCELLED (use cancelOrder).' }),
});

export const CancelOrderInput = inputType('CancelOrderInput', {
  id: field.id(),
  reason: field.string({ nullable: true, description: 'Appended to the order notes.' }),
});

export const CreateReviewInput = inputType('CreateReviewInput', {
  productId: field.id(),
  authorId: field.id({ description: "A user of the caller's organization." }),
  rating: field.int({ description: 'From 1 to 5.' }),
  title: field.string(),
  body: field.string({ nullable: true }),
});

export const UpdateProductInput = inputType(
  'UpdateProductInput',
  {
    id: field.id(),
    sku: field.string({ nullable: true, description: 'Unique per organization.' }),
    name: field.string({ nullable: true }),
    description: field.string({ nullable: true }),
    price: field.decimal({ nullable: true, description: 'Not negative.' }),
    stock: field.int({ nullable: true, description: 'Not negative.' }),
    isActive: field.boolean({ nullable: true }),
    tags: field.list(field.string(), { nullable: true }),
  },
  { description: 'The product fields to change; fields left out keep their value.' },
);

// Arrow Flight datasets (issue 4, docs/flight.md): the relations of migration 0007, column for
// column (names, order, types, nullability); test/analytics.test.ts compares them with PostgreSQL.

const orderColumns = {
  id: column.uuid({ nullable: false }),
  org_id: column.uuid({ nullable: false }),
  status: column.text({ nullable: false, description: 'PENDING, PAID, SHIPPED, DELIVERED or CANCELLED.' }),
  total: column.numeric(12, 2, { nullable: false }),
  currency: column.text({ nullable: false, description: 'ISO 4217 currency code.' }),
  item_count: column.int4({ nullable: false, description: 'Number of item lines.' }),
  units: column.int8({ nullable: false, description: 'Sum of the item quantities.' }),
  placed_at: column.timestamptz({ nullable: false }),
  placed_on: column.date({ nullable: false, description: 'The UTC date of placed_at.' }),
  customer_id: column.uuid({ nullable: false }),
  // Without one of these roles a caller is refused the column (and reads the dataset without it).
  customer_email: column.text({ nullable: false, requiresRole: ['analyst', 'support'] }),
  is_cancelled: column.bool({ nullable: false }),
  avg_unit_price: column.float8({
    description: 'Price per unit over the items (sum of quantity × unit price / units); null without items.',
  }),
  product_skus: column.list(column.text(), { nullable: false, description: 'The sku of each item line, in item order.' }),
  shipping_address: column.jsonb({ nullable: false, description: 'As stored: {street, city, postal_code, country}.' }),
  notes: column.text(),
};

export const VaOrder = arrowDataset('va_order', { description: 'Orders with typed columns, for analytics.', columns: orderColumns });

export const VaProduct = arrowDataset('va_product', {
  description: 'Products with typed columns, for analytics.',
  columns: {
    id: column.uuid({ nullable: false }),
    org_id: column.uuid({ nullable: false }),
    sku: column.text({ nullable: false }),
    name: column.text({ nullable: false }),
    price: column.numeric(12, 2, { nullable: false }),
    stock: column.int4({ nullable: false }),
    is_active: column.bool({ nullable: false }),
    tags: column.list(column.text(), { nullable: false }),
    category: column.text({ description: "The category's name; null without a category." }),
    attributes: column.jsonb(),
    created_at: column.timestamptz({ nullable: false }),
  },
});

export const TaOrderFact = arrowDataset('ta_order_fact', {
  description: "va_order's rows as of the last refresh of each org (Flight action refresh).",
  refreshFrom: 'va_order',
  columns: orderColumns,
});

export const TaSalesTarget = arrowDataset('ta_sales_target', {
  description: 'Sales targets per org, month and region, uploaded with DoPut.',
  requiresRole: ['finance', 'analyst'],
  columns: {
    org_id: column.uuid({ nullable: false }),
    month: column.date({ nullable: false, description: 'The first day of the month.' }),
    region: column.text({ nullable: false }),
    target: column.numeric(14, 2, { nullable: false }),
    note: column.text(),
  },
});

/** Where the shop's observers deliver by default under `npm start` (a local inbox; override with the env variables). */
export const DEV_INBOX_WEBHOOK_URL = 'http://127.0.0.1:8025/webhooks/order-shipped';
export const DEV_INBOX_EMAIL = 'orders@shop.test';

export const schema = defineSchema({
  types: [OrderStatus, Address, ProductSummary, OrderItem, User, Category, Product, Order, Review],
  queries: [
    listQuery('users', User, {
      description: "Users of the caller's organization.",
      defaultOrderBy: [{ field: 'createdAt', direction: 'DESC' }],
      maxLimit: 500,
    }),
    listQuery('products', Product, { description: "Products of the caller's organization.", defaultOrderBy: ['sku'], maxLimit: 500 }),
    listQuery('orders', Order, {
      description: "Orders of the caller's organization.",
      defaultOrderBy: [{ field: 'placedAt', direction: 'DESC' }],
      maxLimit: 500,
    }),
    connectionQuery('ordersConnection', Order, {
      description: 'Orders as a Relay connection (keyset pagination).',
      defaultOrderBy: [{ field: 'placedAt', direction: 'DESC' }],
      maxLimit: 500,
    }),
    lookupQuery('user', User, { description: 'One user by id.' }),
    lookupQuery('product', Product, { description: 'One product by id.' }),
    lookupQuery('order', Order, { description: 'One order by id.' }),
  ],
  mutations: [
    mutation('createOrder', {
      input: CreateOrderInput,
      entity: Order,
      description: 'Places an order: prices come from the products, stock is reserved.',
    }),
    mutation('updateOrderStatus', {
      input: UpdateOrderStatusInput,
      entity: Order,
      description: 'Moves an order along its life cycle (roles admin or staff).',
    }),
    mutation('cancelOrder', {
      input: CancelOrderInput,
      entity: Order,
      description: 'Cancels a PENDING or PAID order and puts its items back in stock.',
    }),
    mutation('createReview', { input: CreateReviewInput, entity: Review, description: 'Adds a review of a product.' }),
    mutation('updateProduct', { input: UpdateProductInput, entity: Product, description: 'Changes a product (roles admin or catalog).' }),
  ],
  // Over WebSocket (graphql-transport-ws): the caller's org's change events (docs/adr/0083-subscriptions.md).
  subscriptions: [
    subscription('orderChanged', Order, { description: "Orders of the caller's organization as they are inserted, updated and deleted." }),
    subscription('productChanged', Product, {
      description: "Products of the caller's organization as they are inserted, updated and deleted.",
    }),
  ],
  datasets: [VaOrder, VaProduct, TaOrderFact, TaSalesTarget],
  // observers(where) and createObserver / updateObserver / deleteObserver over the run-time rules (docs/adr/0104-admin-observer-api.md);
  // deadLetters / deadLetter / replayDeadLetters / purgeDeadLetters over FRAISEQL_DLQ (docs/adr/0105-admin-dead-letters-native-fields.md).
  // job / jobs / deadJobs / exportDownload / enqueueExport / cancelJob / retryJob / purgeDeadJobs through the job-runner (docs/jobs.md).
  // apiKeys / createApiKey / rotateApiKey / revokeApiKey for machine credentials (docs/security.md, "API keys").
  admin: { observers: true, deadLetters: true, jobs: true, search: true, apiKeys: true, audit: true },
  // Observer rules (docs/observers.md): targets by environment reference, defaulting to the dev inbox of `npm start`.
  observers: [
    observer('orderShippedWebhook', {
      entity: Order,
      on: ['UPDATE'],
      when: "changed_to('status', 'SHIPPED')",
      description: 'Tells the fulfilment system that an order left the warehouse.',
      actions: [
        {
          type: 'webhook',
          url: { env: 'FRAISEQL_DEV_INBOX_URL', default: DEV_INBOX_WEBHOOK_URL },
          headers: { 'X-Fraiseql-Rule': 'orderShippedWebhook' },
          bodyTemplate:
            '{"orderId": {{ entity_id }}, "status": {{ data.status }}, "total": {{ data.total }}, "shippedAt": {{ timestamp }}}',
          signingSecret: { env: 'FRAISEQL_DEV_WEBHOOK_SECRET', default: 'dev-only-signing-key' },
        },
      ],
    }),
    observer('orderShippedEmail', {
      entity: Order,
      on: ['UPDATE'],
      when: "changed_to('status', 'SHIPPED')",
      description: 'Tells the customer their order is on its way.',
      actions: [
        {
          type: 'email',
          to: ['{{ data.customer.email }}'],
          bcc: [{ env: 'FRAISEQL_DEV_INBOX_EMAIL', default: DEV_INBOX_EMAIL }],
          subject: 'Your order {{ entity_id }} has shipped',
          text: 'Hello {{ data.customer.name | default: "there" }},\n\nyour order of {{ data.itemCount }} item(s), {{ data.total }} {{ data.currency }}, is on its way to {{ data.shippingAddress.city }}.',
          html: '<p>Hello {{ data.customer.name | default: "there" }},</p><p>your order of {{ data.itemCount }} item(s), {{ data.total }} {{ data.currency }}, is on its way to {{ data.shippingAddress.city }}.</p>',
        },
      ],
    }),
  ],
});

export default schema;
