import {
  connectionQuery,
  defineSchema,
  entity,
  enumType,
  field,
  listQuery,
  lookupQuery,
  objectType,
} from '@fraiseql/schema';

/**
 * The demo shop's GraphQL schema (docs/dev/build-plan.md, "The demo shop data model").
 * Views and their typed columns are created by examples/shop/migrations; `column` names a
 * typed view column so that filters and ordering on it use the index.
 */

export const OrderStatus = enumType('OrderStatus', ['PENDING', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED'], {
  description: 'Where an order is in its life cycle.',
});

export const Address = objectType('Address', {
  street: field.string(),
  city: field.string(),
  postalCode: field.string(),
  country: field.string({ description: 'ISO 3166-1 alpha-2 country code.' }),
}, { description: 'A postal address.' });

export const ProductSummary = objectType('ProductSummary', {
  id: field.id(),
  sku: field.string(),
  name: field.string(),
}, { description: 'The identifying part of a product, embedded where a product is referenced.' });

export const OrderItem = objectType('OrderItem', {
  id: field.id(),
  quantity: field.int(),
  unitPrice: field.decimal({ description: 'Price of one unit when the order was placed.' }),
  product: field.object(ProductSummary),
}, { description: 'One line of an order.' });

export const User = entity('User', { view: 'v_user', tenantScoped: true, description: 'A customer account.' }, {
  id: field.id(),
  email: field.string({ column: 'email' }),
  name: field.string({ nullable: true }),
  isActive: field.boolean(),
  tags: field.list(field.string()),
  createdAt: field.dateTime({ column: 'created_at' }),
});

export const Category = entity('Category', { view: 'v_category', tenantScoped: true, description: 'A product category.' }, {
  id: field.id(),
  name: field.string(),
  slug: field.string({ column: 'slug', description: 'URL-safe unique name.' }),
  createdAt: field.dateTime(),
});

export const Product = entity('Product', { view: 'v_product', tenantScoped: true, description: 'Something the shop sells.' }, {
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
});

export const Order = entity('Order', { view: 'v_order', tenantScoped: true, description: 'A customer order.' }, {
  id: field.id(),
  status: field.enum(OrderStatus, { column: 'status' }),
  total: field.decimal({ column: 'total', description: 'Sum of quantity × unit price of the items.' }),
  currency: field.string({ description: 'ISO 4217 currency code.' }),
  notes: field.string({ nullable: true }),
  placedAt: field.dateTime({ column: 'placed_at' }),
  createdAt: field.dateTime(),
  updatedAt: field.dateTime(),
  itemCount: field.int({ description: 'Number of lines in the order.' }),
  shippingAddress: field.object(Address),
  customer: field.object(User),
  items: field.list(field.object(OrderItem)),
});

export const Review = entity('Review', { view: 'v_review', tenantScoped: true, description: 'A customer review of a product.' }, {
  id: field.id(),
  rating: field.int({ column: 'rating', description: 'From 1 to 5.' }),
  title: field.string(),
  body: field.string({ nullable: true }),
  createdAt: field.dateTime({ column: 'created_at' }),
  product: field.object(ProductSummary),
  author: field.object(User),
});

export const schema = defineSchema({
  types: [OrderStatus, Address, ProductSummary, OrderItem, User, Category, Product, Order, Review],
  queries: [
    listQuery('users', User, { description: 'Users of the caller\'s organization.', defaultOrderBy: [{ field: 'createdAt', direction: 'DESC' }], maxLimit: 500 }),
    listQuery('products', Product, { description: 'Products of the caller\'s organization.', defaultOrderBy: ['sku'], maxLimit: 500 }),
    listQuery('orders', Order, { description: 'Orders of the caller\'s organization.', defaultOrderBy: [{ field: 'placedAt', direction: 'DESC' }], maxLimit: 500 }),
    connectionQuery('ordersConnection', Order, { description: 'Orders as a Relay connection (keyset pagination).', defaultOrderBy: [{ field: 'placedAt', direction: 'DESC' }], maxLimit: 500 }),
    lookupQuery('user', User, { description: 'One user by id.' }),
    lookupQuery('product', Product, { description: 'One product by id.' }),
    lookupQuery('order', Order, { description: 'One order by id.' }),
  ],
});

export default schema;
