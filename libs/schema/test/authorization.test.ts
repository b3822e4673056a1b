import {
  arrowDataset,
  column,
  compileSchema,
  defineSchema,
  entity,
  field,
  listQuery,
  loadCompiledSchema,
  lookupQuery,
  mutation,
  objectType,
  serializeCompiledSchema,
  subscription,
  type SchemaDefinitionInput,
} from '../src';

// Read rules declared in the schema (docs/adr/0136-authorization-in-the-plan.md): authoring, validation, compiled form.

const Address = objectType('Address', { city: field.string(), street: field.string({ nullable: true }) });
const Customer = entity(
  'Customer',
  { view: 'v_customer' },
  { id: field.id(), name: field.string(), email: field.string({ nullable: true }) },
);
const Order = entity(
  'Order',
  { view: 'v_order', capture: true },
  {
    id: field.id(),
    total: field.decimal({ column: 'total' }),
    customer: field.object(Customer, { nullable: true }),
    shipTo: field.object(Address),
  },
);

/** The shape every hash test below starts from; its hash is pinned. */
function baseSchema(): SchemaDefinitionInput {
  return {
    types: [Order],
    queries: [listQuery('orders', Order, { roles: ['staff'] }), lookupQuery('customer', Customer)],
    mutations: [mutation('closeOrder', { input: { id: field.id() }, entity: Order })],
    subscriptions: [subscription('orderChanged', Order)],
    datasets: [arrowDataset('va_order', { columns: { id: column.uuid(), org_id: column.uuid(), total: column.numeric(12, 2) } })],
  };
}

const errorsOf = (input: SchemaDefinitionInput): string[] => {
  try {
    compileSchema(defineSchema(input));
  } catch (error) {
    return (error as { details: { errors: string[] } }).details.errors;
  }
  return [];
};

describe('hash stability', () => {
  it('compiles a schema without rules to the hash the compiler gave before rules existed', () => {
    // Computed by the compiler of the commit before ADR 0136 for baseSchema(): cursors and KV entries stay valid.
    const compiled = compileSchema(defineSchema(baseSchema()));
    expect(compiled.hash).toBe('c99f731497844d48c3f41c59db020b40882e56db9306dbec2c67d056bcf2f98c');
    expect(serializeCompiledSchema(compiled)).not.toMatch(/"onDenied"/);
  });

  it("compiles a query's older `roles` and `requiresRole` to the same rule", () => {
    const withRequires = baseSchema();
    withRequires.queries = [listQuery('orders', Order, { requiresRole: ['staff'] }), lookupQuery('customer', Customer)];
    expect(compileSchema(defineSchema(withRequires)).hash).toBe('c99f731497844d48c3f41c59db020b40882e56db9306dbec2c67d056bcf2f98c');
  });
});

describe('compiled rules', () => {
  const Secret = entity(
    'Secret',
    { view: 'v_secret', requiresRole: ['auditor'], requiresScope: ['secrets:read'] },
    {
      id: field.id(),
      label: field.string(),
      note: field.string({ nullable: true, requiresRole: ['support'], requiresScope: ['notes:read'], onDenied: 'mask' }),
      pin: field.int({ requiresRole: ['security'] }),
    },
  );
  const Ledger = entity(
    'Ledger',
    { view: 'v_ledger' },
    { id: field.id(), secret: field.object(Secret, { nullable: true, onDenied: 'mask' }) },
  );
  const compiled = compileSchema(
    defineSchema({
      types: [Ledger],
      queries: [listQuery('secrets', Secret, { requiresScope: ['secrets:list'], roles: ['root'] }), listQuery('ledgers', Ledger)],
      mutations: [
        mutation('burn', { input: { id: field.id() }, entity: Secret, requiresRole: ['admin'], requiresScope: ['secrets:write'] }),
      ],
      subscriptions: [subscription('secretChanged', Secret, { requiresRole: ['watcher'] })],
      datasets: [
        arrowDataset('va_secret', {
          requiresRole: ['analyst'],
          columns: {
            id: column.uuid(),
            org_id: column.uuid(),
            pin: column.int4({ requiresRole: ['security'] }),
            note: column.text({ requiresScope: ['notes:read'], onDenied: 'mask' }),
          },
        }),
      ],
    }),
  );
  const type = (name: string) => compiled.types.find((t) => t.name === name)!;
  const fieldOf = (typeName: string, name: string) => type(typeName).fields.find((f) => f.name === name)!;

  it('puts scopes in the role list as scope:<scope>, on types, fields, queries, mutations, subscriptions and datasets', () => {
    expect(type('Secret').roles).toEqual(['auditor', 'scope:secrets:read']);
    expect(fieldOf('Secret', 'note')).toMatchObject({ roles: ['support', 'scope:notes:read'], onDenied: 'mask' });
    expect(fieldOf('Secret', 'pin').roles).toEqual(['security']);
    expect(fieldOf('Secret', 'pin').onDenied).toBeUndefined();
    expect(fieldOf('Ledger', 'secret')).toMatchObject({ onDenied: 'mask' });
    expect(fieldOf('Ledger', 'secret').roles).toBeUndefined();
    expect(compiled.queries.find((q) => q.name === 'secrets')!.roles).toEqual(['root', 'scope:secrets:list']);
    expect(compiled.mutations[0]!.roles).toEqual(['admin', 'scope:secrets:write']);
    expect(compiled.subscriptions[0]!.roles).toEqual(['watcher']);
    expect(compiled.datasets[0]).toMatchObject({ roles: ['analyst'] });
    expect(compiled.datasets[0]!.columns.find((c) => c.name === 'pin')).toMatchObject({ roles: ['security'] });
    expect(compiled.datasets[0]!.columns.find((c) => c.name === 'note')).toMatchObject({ roles: ['scope:notes:read'], onDenied: 'mask' });
  });

  it('keeps the rules through the file form and loadCompiledSchema (whose hash check would catch a dropped rule)', () => {
    const loaded = loadCompiledSchema(serializeCompiledSchema(compiled));
    expect(loaded.hash).toBe(compiled.hash);
    expect(loaded.types.find((t) => t.name === 'Secret')!.fields.find((f) => f.name === 'note')).toMatchObject({ onDenied: 'mask' });
    expect(loaded.datasets[0]!.roles).toEqual(['analyst']);
  });

  it('changes the hash when a rule is added', () => {
    const withRule = baseSchema();
    const Guarded = entity('Order', { view: 'v_order', capture: true, requiresRole: ['staff'] }, { ...Order.fields });
    withRule.types = [Guarded];
    withRule.queries = [listQuery('orders', Guarded, { roles: ['staff'] })];
    withRule.mutations = [];
    withRule.subscriptions = [];
    const plain = { ...withRule, types: [Order], queries: [listQuery('orders', Order, { roles: ['staff'] })] };
    expect(compileSchema(defineSchema(withRule)).hash).not.toBe(compileSchema(defineSchema(plain)).hash);
  });
});

describe('validation', () => {
  const one = (fields: Record<string, ReturnType<typeof field.string>>, options: Parameters<typeof entity>[1] = {}) => {
    const Thing = entity('Thing', { view: 'v_thing', ...options }, { id: field.id(), ...fields });
    return { types: [Thing], queries: [listQuery('things', Thing)] };
  };

  it("refuses onDenied: 'mask' on a non-nullable field, with a message saying how to fix it", () => {
    expect(errorsOf(one({ secret: field.string({ requiresRole: ['a'], onDenied: 'mask' }) }))).toEqual([
      "Thing.secret: onDenied: 'mask' needs a nullable field (a caller lacking the role reads null): declare it with { nullable: true }, or use onDenied: 'refuse'",
    ]);
  });

  it('refuses empty lists, bad role and scope names, a scope written as a role, and onDenied without a rule', () => {
    expect(
      errorsOf(
        one({
          a: field.string({ requiresRole: [] }),
          b: field.string({ requiresRole: ['has space'] }),
          c: field.string({ requiresScope: ['ok', ''] }),
          d: field.string({ requiresRole: ['scope:orders:read'] }),
          e: field.string({ nullable: true, onDenied: 'mask' }),
          f: field.string({ requiresRole: ['a'], onDenied: 'hide' as never }),
        }),
      ),
    ).toEqual([
      'Thing.a: requiresRole must be a non-empty list of role names',
      'Thing.b: requiresRole: "has space" is not a role name ([A-Za-z0-9_.:-])',
      'Thing.c: requiresScope: "" is not a scope ([A-Za-z0-9_.:-])',
      'Thing.d: requiresRole: "scope:orders:read" names a scope; write requiresScope: ["orders:read"]',
      'Thing.e: onDenied is set but neither the field nor the type it reaches has requiresRole or requiresScope',
      "Thing.f: onDenied must be 'refuse' or 'mask' (got \"hide\")",
    ]);
  });

  it('refuses a rule on an entity id, and type, query, mutation and dataset rules that are not lists of names', () => {
    const Thing = entity('Thing', { view: 'v_thing', requiresRole: 'admin' as never }, { id: field.id({ requiresRole: ['a'] }) });
    expect(
      errorsOf({
        types: [Thing],
        queries: [listQuery('things', Thing, { requiresScope: [] })],
        mutations: [mutation('zap', { input: { id: field.id() }, entity: Thing, requiresRole: ['bad role'] })],
        datasets: [
          arrowDataset('va_thing', {
            requiresRole: [],
            tenantScoped: false,
            columns: { id: column.uuid(), pin: column.int4({ nullable: false, requiresRole: ['s'], onDenied: 'mask' }) },
          }),
        ],
      }),
    ).toEqual(
      expect.arrayContaining([
        'Thing: requiresRole must be a non-empty list of role names',
        'Thing.id: the id of an entity cannot have a rule (it keys lookups, cursors and events; put the rule on the type)',
        'query "things": requiresScope must be a non-empty list of scopes',
        'mutation "zap": requiresRole: "bad role" is not a role name ([A-Za-z0-9_.:-])',
        'dataset "va_thing": requiresRole must be a non-empty list of role names',
        `dataset "va_thing".pin: onDenied: 'mask' needs a nullable column (a caller lacking the role reads NULL); drop nullable: false or use 'refuse'`,
      ]),
    );
  });

  it('refuses a default order over a field or type with a rule (a cursor would carry its value)', () => {
    const Guarded = entity('Guarded', { view: 'v_guarded', requiresRole: ['x'] }, { id: field.id(), name: field.string() });
    const Thing = entity(
      'Thing',
      { view: 'v_thing' },
      { id: field.id(), rank: field.int({ requiresRole: ['a'] }), guarded: field.object(Guarded, { nullable: true }) },
    );
    expect(errorsOf({ types: [Thing], queries: [listQuery('things', Thing, { defaultOrderBy: ['rank', 'guarded__name'] })] })).toEqual([
      'query "things": defaultOrderBy field "rank" has a read rule (requiresRole/requiresScope on the field or a type on its path): ordering by it would reveal it to callers who may not read it',
      'query "things": defaultOrderBy field "guarded__name" has a read rule (requiresRole/requiresScope on the field or a type on its path): ordering by it would reveal it to callers who may not read it',
    ]);
  });
});
