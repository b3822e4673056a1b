import { FraiseqlError } from '@fraiseql/errors';
import {
  compileSchema,
  connectionQuery,
  defineSchema,
  entity,
  enumType,
  field,
  listQuery,
  listSortFields,
  lookupQuery,
  objectType,
  serializeCompiledSchema,
  type QueryDefinition,
  type TypeDefinition,
} from '../src';
import { buildSchema, isEnumType, isInputObjectType, isObjectType, type GraphQLSchema } from 'graphql';

function shopLikeSchema(options: { totalDescription?: string } = {}) {
  const Status = enumType('OrderStatus', [
    'PENDING',
    { name: 'PAID', description: 'Paid in full.' },
    { name: 'LOST', deprecated: 'Use CANCELLED.' },
    'CANCELLED',
  ]);
  const Address = objectType('Address', { street: field.string(), city: field.string() });
  const Item = objectType('OrderItem', { quantity: field.int(), sku: field.string() });
  const User = entity(
    'User',
    { view: 'v_user', description: 'A customer.' },
    {
      id: field.id(),
      email: field.string({ column: 'email', description: 'Login e-mail.' }),
      name: field.string({ nullable: true }),
      tags: field.list(field.string()),
      createdAt: field.dateTime({ column: 'created_at' }),
    },
  );
  const Order = entity(
    'Order',
    { view: 'v_order' },
    {
      id: field.id(),
      status: field.enum(Status, { column: 'status' }),
      total: field.decimal({ description: options.totalDescription }),
      attributes: field.json({ nullable: true }),
      legacyCode: field.string({ nullable: true, deprecated: 'No longer filled.', filterable: false }),
      placedOn: field.date(),
      externalId: field.uuid({ nullable: true, path: ['ext', 'id'] }),
      rate: field.float(),
      paid: field.boolean(),
      shippingAddress: field.object(Address),
      customer: field.object(() => User),
      items: field.list(field.object(Item)),
      statuses: field.list(field.enum('OrderStatus')),
    },
  );
  return defineSchema({
    types: [Status, Address, Item, User, Order],
    queries: [
      listQuery('users', User, { defaultOrderBy: [{ field: 'createdAt', direction: 'DESC' }], maxLimit: 500 }),
      listQuery('orders', Order, { defaultOrderBy: ['customer__email'], defaultLimit: 10, maxLimit: 50 }),
      connectionQuery('ordersConnection', Order, { description: 'Relay pages.' }),
      lookupQuery('order', Order, { deprecated: 'Use orders(where: { id: { eq } }).' }),
    ],
  });
}

/** The printed definition of one type in the SDL (a whole `input X { ... }` block). */
function sdlBlock(sdl: string, keyword: string, name: string): string {
  const match = new RegExp(`(^|\\n)${keyword} ${name} \\{\\n[\\s\\S]*?\\n\\}`).exec(sdl);
  if (!match) throw new Error(`no ${keyword} ${name} in SDL`);
  return match[0].trim();
}

const fieldsOf = (schema: GraphQLSchema, name: string): Record<string, string> => {
  const type = schema.getType(name);
  if (!isInputObjectType(type) && !isObjectType(type)) throw new Error(`${name} is not an object/input type`);
  return Object.fromEntries(Object.values(type.getFields()).map((f) => [f.name, String(f.type)]));
};

function compileErrors(types: TypeDefinition[], queries: QueryDefinition[]): string[] {
  try {
    compileSchema(defineSchema({ types, queries }));
  } catch (error) {
    expect(error).toBeInstanceOf(FraiseqlError);
    expect((error as FraiseqlError).code).toBe('FRAISEQL_SCHEMA_COMPILE_FAILED');
    return (error as FraiseqlError).details?.errors as string[];
  }
  throw new Error('compileSchema did not fail');
}

describe('compileSchema: generated SDL', () => {
  const compiled = compileSchema(shopLikeSchema());
  const graphql = buildSchema(compiled.sdl);

  it('declares the custom scalars', () => {
    for (const scalar of ['DateTime', 'Date', 'UUID', 'JSON', 'Decimal']) expect(compiled.sdl).toContain(`scalar ${scalar}\n`);
  });

  it('gives each entity a WhereInput with one filter per filterable field plus and/or/not', () => {
    expect(fieldsOf(graphql, 'OrderWhereInput')).toEqual({
      id: 'IDFilter',
      status: 'OrderStatusFilter',
      total: 'DecimalFilter',
      attributes: 'JSONFilter',
      placedOn: 'DateFilter',
      externalId: 'UUIDFilter',
      rate: 'FloatFilter',
      paid: 'BooleanFilter',
      shippingAddress: 'AddressWhereInput',
      customer: 'UserWhereInput',
      items: 'OrderItemListFilter',
      statuses: 'OrderStatusListFilter',
      and: '[OrderWhereInput!]',
      or: '[OrderWhereInput!]',
      not: 'OrderWhereInput',
    });
    expect(fieldsOf(graphql, 'UserWhereInput')).toMatchObject({
      tags: 'StringListFilter',
      createdAt: 'DateTimeFilter',
      email: 'StringFilter',
    });
  });

  it('gives every scalar filter the operators of its kind', () => {
    const textOps = ['like', 'ilike', 'contains', 'startsWith', 'endsWith', 'icontains', 'istartsWith', 'iendsWith'];
    expect(Object.keys(fieldsOf(graphql, 'StringFilter'))).toEqual([
      'eq',
      'neq',
      'in',
      'nin',
      'isNull',
      'gt',
      'gte',
      'lt',
      'lte',
      ...textOps,
    ]);
    expect(Object.keys(fieldsOf(graphql, 'IDFilter'))).toEqual(['eq', 'neq', 'in', 'nin', 'isNull', 'gt', 'gte', 'lt', 'lte', ...textOps]);
    for (const ordered of ['Decimal', 'DateTime', 'Date', 'UUID', 'Float']) {
      expect(fieldsOf(graphql, `${ordered}Filter`)).toEqual({
        eq: ordered,
        neq: ordered,
        in: `[${ordered}!]`,
        nin: `[${ordered}!]`,
        isNull: 'Boolean',
        gt: ordered,
        gte: ordered,
        lt: ordered,
        lte: ordered,
      });
    }
    expect(Object.keys(fieldsOf(graphql, 'BooleanFilter'))).toEqual(['eq', 'neq', 'in', 'nin', 'isNull']);
    expect(fieldsOf(graphql, 'JSONFilter')).toEqual({
      eq: 'JSON',
      isNull: 'Boolean',
      contains: 'JSON',
      containedBy: 'JSON',
      hasKey: 'String',
    });
    expect(fieldsOf(graphql, 'OrderStatusFilter')).toEqual({
      eq: 'OrderStatus',
      neq: 'OrderStatus',
      in: '[OrderStatus!]',
      nin: '[OrderStatus!]',
      isNull: 'Boolean',
    });
    expect(fieldsOf(graphql, 'StringListFilter')).toEqual({ contains: '[String!]', overlaps: '[String!]', isNull: 'Boolean' });
    expect(fieldsOf(graphql, 'OrderItemListFilter')).toEqual({
      some: 'OrderItemWhereInput',
      none: 'OrderItemWhereInput',
      every: 'OrderItemWhereInput',
    });
  });

  it('emits filter inputs only for scalars a field uses', () => {
    expect(graphql.getType('IntFilter')).toBeDefined(); // OrderItem.quantity
    expect(graphql.getType('IntListFilter')).toBeUndefined();
  });

  it('leaves non-filterable fields out of the WhereInput', () => {
    expect(fieldsOf(graphql, 'OrderWhereInput')).not.toHaveProperty('legacyCode');
  });

  it('lists sortable scalars and enums in the SortField enum, nested paths joined with __', () => {
    const sortField = graphql.getType('OrderSortField');
    if (!isEnumType(sortField)) throw new Error('OrderSortField is not an enum');
    expect(sortField.getValues().map((v) => v.name)).toEqual([
      'id',
      'status',
      'total',
      'legacyCode',
      'placedOn',
      'externalId',
      'rate',
      'paid',
      'shippingAddress__street',
      'shippingAddress__city',
      'customer__id',
      'customer__email',
      'customer__name',
      'customer__createdAt',
    ]);
    expect(sdlBlock(compiled.sdl, 'input', 'OrderOrderBy')).toBe(
      'input OrderOrderBy {\n  field: OrderSortField!\n  direction: SortDirection = ASC\n  nulls: NullsOrder\n}',
    );
    expect(sdlBlock(compiled.sdl, 'enum', 'SortDirection')).toBe('enum SortDirection {\n  ASC\n  DESC\n}');
    expect(sdlBlock(compiled.sdl, 'enum', 'NullsOrder')).toBe('enum NullsOrder {\n  FIRST\n  LAST\n}');
  });

  it('generates Relay connection types for entities with a connection query', () => {
    expect(fieldsOf(graphql, 'OrderConnection')).toEqual({ edges: '[OrderEdge!]!', pageInfo: 'PageInfo!', totalCount: 'Int!' });
    expect(fieldsOf(graphql, 'OrderEdge')).toEqual({ cursor: 'String!', node: 'Order!' });
    expect(fieldsOf(graphql, 'PageInfo')).toEqual({
      hasNextPage: 'Boolean!',
      hasPreviousPage: 'Boolean!',
      startCursor: 'String',
      endCursor: 'String',
    });
    expect(graphql.getType('UserConnection')).toBeUndefined();
  });

  it('generates list, connection and lookup root fields with their arguments', () => {
    const query = graphql.getQueryType()!.getFields();
    const signature = (name: string) =>
      `${query[name].args.map((a) => `${a.name}: ${String(a.type)}`).join(', ')} -> ${String(query[name].type)}`;
    expect(signature('orders')).toBe('where: OrderWhereInput, orderBy: [OrderOrderBy!], limit: Int, offset: Int -> [Order!]!');
    expect(signature('ordersConnection')).toBe(
      'where: OrderWhereInput, orderBy: [OrderOrderBy!], first: Int, after: String, last: Int, before: String -> OrderConnection!',
    );
    expect(signature('order')).toBe('id: ID! -> Order');
    expect(query.order.deprecationReason).toBe('Use orders(where: { id: { eq } }).');
    expect(query.ordersConnection.description).toBe('Relay pages.');
  });

  it('records the SDL argument types, limits and default order in each compiled query', () => {
    const orders = compiled.queries.find((q) => q.name === 'orders')!;
    expect(orders).toMatchObject({
      kind: 'list',
      type: 'Order',
      view: 'v_order',
      defaultLimit: 10,
      maxLimit: 50,
      defaultOrderBy: [{ field: 'customer__email', direction: 'ASC' }],
    });
    expect(orders.arguments.map((a) => [a.name, a.type])).toEqual([
      ['where', 'OrderWhereInput'],
      ['orderBy', '[OrderOrderBy!]'],
      ['limit', 'Int'],
      ['offset', 'Int'],
    ]);
    const connection = compiled.queries.find((q) => q.name === 'ordersConnection')!;
    expect(connection.arguments.map((a) => a.type)).toEqual(['OrderWhereInput', '[OrderOrderBy!]', 'Int', 'String', 'Int', 'String']);
    expect(connection).toMatchObject({ defaultLimit: 20, maxLimit: 100, defaultOrderBy: [] });
    expect(compiled.queries.find((q) => q.name === 'order')!.arguments).toEqual([
      { name: 'id', type: 'ID!', description: "The Order's id." },
    ]);
  });

  it('keeps descriptions and deprecations of types, fields and enum values', () => {
    const user = graphql.getType('User');
    if (!isObjectType(user)) throw new Error('User is not an object type');
    expect(user.description).toBe('A customer.');
    expect(user.getFields().email.description).toBe('Login e-mail.');
    const order = graphql.getType('Order');
    if (!isObjectType(order)) throw new Error('Order is not an object type');
    expect(order.getFields().legacyCode.deprecationReason).toBe('No longer filled.');
    const status = graphql.getType('OrderStatus');
    if (!isEnumType(status)) throw new Error('OrderStatus is not an enum');
    expect(status.getValue('PAID')!.description).toBe('Paid in full.');
    expect(status.getValue('LOST')!.deprecationReason).toBe('Use CANCELLED.');
  });

  it('records fields with type, path, column and filter/sort flags', () => {
    const order = compiled.types.find((t) => t.name === 'Order')!;
    expect(order).toMatchObject({ kind: 'entity', view: 'v_order', tenantScoped: true });
    const byName = Object.fromEntries(order.fields.map((f) => [f.name, f]));
    expect(byName.status).toEqual({
      name: 'status',
      type: { kind: 'enum', name: 'OrderStatus', nullable: false },
      path: ['status'],
      column: 'status',
      filterable: true,
      sortable: true,
    });
    expect(byName.externalId).toMatchObject({ path: ['ext', 'id'], type: { kind: 'scalar', name: 'UUID', nullable: true } });
    expect(byName.items).toMatchObject({
      type: { kind: 'object', name: 'OrderItem', nullable: false, list: { itemNullable: false } },
      filterable: true,
      sortable: false,
    });
    expect(byName.customer).toMatchObject({ type: { kind: 'object', name: 'User' }, filterable: true, sortable: false });
    expect(byName.attributes).toMatchObject({ filterable: true, sortable: false }); // JSON is not ordered by default
    expect(byName.legacyCode).toMatchObject({ filterable: false, sortable: true, deprecationReason: 'No longer filled.' });
    expect(compiled.types.find((t) => t.name === 'Address')).toMatchObject({ kind: 'object' });
  });

  it('resolves sort-field names back to the fields walked', () => {
    const sortFields = listSortFields(compiled.types, 'Order');
    const email = sortFields.find((s) => s.name === 'customer__email')!;
    expect(email.fields.map((f) => f.name)).toEqual(['customer', 'email']);
    expect(email.fields[1].column).toBe('email');
  });
});

describe('compileSchema: determinism and hash', () => {
  it('gives byte-identical output for the same definition', () => {
    expect(serializeCompiledSchema(compileSchema(shopLikeSchema()))).toBe(serializeCompiledSchema(compileSchema(shopLikeSchema())));
  });

  it('changes the hash when and only when the content changes', () => {
    const base = compileSchema(shopLikeSchema());
    expect(compileSchema(shopLikeSchema()).hash).toBe(base.hash);
    expect(compileSchema(shopLikeSchema({ totalDescription: undefined })).hash).toBe(base.hash);
    const described = compileSchema(shopLikeSchema({ totalDescription: 'Sum of the items.' }));
    expect(described.hash).not.toBe(base.hash);
    expect(described.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('compileSchema: errors', () => {
  const User = entity('User', { view: 'v_user' }, { id: field.id(), email: field.string() });

  it('names the type and field of an unknown type reference', () => {
    const Order = entity('Order', {}, { id: field.id(), customer: field.object('Usr') });
    expect(compileErrors([User, Order], [listQuery('orders', Order)])).toEqual(['Order.customer: unknown type "Usr"']);
  });

  it('collects every error instead of stopping at the first', () => {
    const Order = entity('Order', {}, { id: field.id(), customer: field.object('Usr'), status: field.enum('Stat') });
    const errors = compileErrors([User, Order], [listQuery('orders', Order, { maxLimit: 5, defaultLimit: 10 })]);
    expect(errors).toEqual([
      'Order.customer: unknown type "Usr"',
      'Order.status: unknown type "Stat"',
      'query "orders": maxLimit (5) is smaller than defaultLimit (10)',
    ]);
    expect(() => compileSchema(defineSchema({ types: [User, Order], queries: [listQuery('orders', Order)] }))).toThrow(
      'Schema compilation failed with 2 error(s):\n  - Order.customer: unknown type "Usr"\n  - Order.status: unknown type "Stat"',
    );
  });

  it('rejects two different types with the same name', () => {
    const Other = entity('User', {}, { id: field.id() });
    expect(compileErrors([User, Other], [listQuery('users', User)])).toEqual(['duplicate type name "User" (two different definitions)']);
  });

  it('accepts the same definition listed twice', () => {
    expect(() => compileSchema(defineSchema({ types: [User, User], queries: [listQuery('users', User)] }))).not.toThrow();
  });

  it('rejects duplicate query names and enum values', () => {
    const Color = enumType('Color', ['RED', 'RED']);
    expect(compileErrors([User, Color], [listQuery('users', User), lookupQuery('users', User)])).toEqual([
      'Color: duplicate enum value "RED"',
      'query "users": duplicate query name',
    ]);
  });

  it('rejects invalid GraphQL names of types, fields, enum values and queries', () => {
    const Bad = objectType('Bad-Type', { x: field.string() });
    const Thing = entity('Thing', {}, { id: field.id(), 'first-name': field.string(), __secret: field.string(), a__b: field.string() });
    const Mood = enumType('Mood', ['happy', '1SAD', 'null']);
    expect(compileErrors([Bad, Thing, Mood], [listQuery('all things', Thing)])).toEqual([
      'type "Bad-Type": invalid GraphQL name "Bad-Type"',
      'Thing.first-name: invalid GraphQL name "first-name"',
      'Thing.__secret: name "__secret" is reserved (starts with "__")',
      'Thing.a__b: field names may not contain "__" (it separates nested sort paths)',
      'Mood: enum value invalid GraphQL name "1SAD"',
      'Mood: enum value "null" cannot be an enum value',
      'query "all things": invalid GraphQL name "all things"',
    ]);
  });

  it('rejects a column on a field of an object type and on non-scalar fields', () => {
    const Address = objectType('Address', { street: field.string({ column: 'street' }) });
    const Order = entity(
      'Order',
      {},
      {
        id: field.id(),
        address: field.object(Address, { column: 'address' }),
        tags: field.list(field.string(), { column: 'tags' }),
        code: field.string({ column: 'bad column' }),
      },
    );
    expect(compileErrors([Address, Order], [listQuery('orders', Order)])).toEqual([
      'Address.street: column "street" is only allowed on root fields of an entity, not on object type Address',
      'Order.address: column "address" is only allowed on scalar and enum fields',
      'Order.tags: column "tags" is only allowed on scalar and enum fields',
      'Order.code: invalid column name "bad column"',
    ]);
  });

  it('requires an entity to have a non-null ID or UUID id field', () => {
    const NoId = entity('NoId', {}, { name: field.string() });
    const BadId = entity('BadId', {}, { id: field.int() });
    expect(compileErrors([NoId, BadId], [listQuery('a', NoId), listQuery('b', BadId)])).toEqual([
      'NoId: entity has no "id" field (add id: field.id())',
      'BadId.id: the id field of an entity must be a non-null ID or UUID',
    ]);
  });

  it('rejects queries over non-entities and unknown types', () => {
    const Address = objectType('Address', { street: field.string() });
    const Color = enumType('Color', ['RED']);
    expect(
      compileErrors(
        [User, Address, Color],
        [listQuery('addresses', Address), listQuery('colors', Color), listQuery('ghosts', 'Ghost'), listQuery('users', User)],
      ),
    ).toEqual([
      'query "addresses": "Address" is an object type, not an entity (queries read entities)',
      'query "colors": "Color" is an enum, not an entity (queries read entities)',
      'query "ghosts": unknown type "Ghost"',
    ]);
  });

  it('checks limits and default order', () => {
    expect(
      compileErrors(
        [User],
        [
          listQuery('a', User, { maxLimit: 10, defaultLimit: 20 }),
          listQuery('b', User, { defaultLimit: 0 }),
          listQuery('c', User, { defaultLimit: 5, maxLimit: 2.5 }),
          listQuery('d', User, { defaultOrderBy: ['nope', { field: 'email', direction: 'UP' as 'ASC' }] }),
        ],
      ),
    ).toEqual([
      'query "a": maxLimit (10) is smaller than defaultLimit (20)',
      'query "b": defaultLimit must be a positive integer (got 0)',
      'query "c": maxLimit must be a positive integer (got 2.5)',
      'query "d": defaultOrderBy field "nope" is not a sortable field of User',
      'query "d": defaultOrderBy direction must be ASC or DESC (got "UP")',
    ]);
  });

  it('rejects a field.enum that names an object, sortable lists, nested lists, bad views and empty types', () => {
    const Address = objectType('Address', { street: field.string() });
    const Empty = objectType('Empty', {});
    const Order = entity(
      'Order',
      { view: 'v order' },
      {
        id: field.id(),
        kind: field.enum(Address),
        tags: field.list(field.string(), { sortable: true }),
        matrix: field.list(field.list(field.int())),
        empty: field.object(Empty),
      },
    );
    expect(compileErrors([Address, Empty, Order], [listQuery('orders', Order)])).toEqual([
      'Empty: object type has no fields',
      'Order.kind: field.enum needs an enum, but "Address" is an object',
      'Order.tags: only scalar and enum fields can be sortable (lists and objects cannot)',
      'Order.matrix: lists of lists are not supported',
      'Order: invalid view name "v order" (a SQL identifier, optionally schema-qualified)',
    ]);
  });

  it('rejects type names that are reserved or collide with generated types', () => {
    const PageInfo = objectType('PageInfo', { x: field.string() });
    const Clash = objectType('UserWhereInput', { x: field.string() });
    expect(compileErrors([User, PageInfo, Clash], [listQuery('users', User)])).toEqual([
      'type "PageInfo": the name is reserved',
      'type "UserWhereInput": the name collides with a type generated for User',
    ]);
  });

  it('requires at least one query', () => {
    expect(compileErrors([User], [])).toEqual(['schema has no queries (GraphQL needs at least one root field)']);
  });
});
