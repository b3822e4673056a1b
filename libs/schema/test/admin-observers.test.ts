import { FraiseqlError } from '@fraiseql/errors';
import { isObjectType } from 'graphql';
import {
  buildGraphQLSchema,
  compileSchema,
  defineSchema,
  entity,
  field,
  listQuery,
  loadCompiledSchema,
  OBSERVER_ADMIN,
  serializeCompiledSchema,
  type SchemaDefinitionInput,
} from '../src';

// The admin surface of run-time observer rules (docs/adr/0104-admin-observer-api.md): what
// `admin: { observers: true }` adds to a compiled schema, and what it refuses.

const Ticket = entity('Ticket', { view: 'v_ticket', capture: true }, { id: field.id(), title: field.string() });
const Draft = entity('Draft', { view: 'v_draft' }, { id: field.id(), title: field.string() });
const base: SchemaDefinitionInput = { types: [Ticket], queries: [listQuery('tickets', Ticket)] };
const errorsOf = (input: SchemaDefinitionInput): string[] => {
  try {
    compileSchema(defineSchema(input));
  } catch (error) {
    expect((error as FraiseqlError).code).toBe('FRAISEQL_SCHEMA_COMPILE_FAILED');
    return (error as FraiseqlError).details?.errors as string[];
  }
  throw new Error('the schema compiled');
};

describe('admin: { observers: true }', () => {
  it('adds the Observer type over fraiseql.v_observer, the role-gated observers query and three mutations over the framework functions', () => {
    const compiled = compileSchema(defineSchema({ ...base, admin: { observers: true } }));
    const observer = compiled.types.find((t) => t.name === 'Observer');
    expect(observer).toMatchObject({ kind: 'entity', view: 'fraiseql.v_observer', tenantScoped: true });
    expect(observer?.capture).toBeUndefined();
    expect(observer?.fields.find((f) => f.name === 'entityType')?.path).toEqual(['rule', 'entityType']);
    expect(observer?.fields.filter((f) => f.filterable).map((f) => f.name)).toEqual(['id', 'name', 'enabled', 'entityType', 'updatedAt']);
    expect(compiled.queries.map((q) => q.name)).toEqual(['tickets', 'observers']);
    expect(compiled.queries[1]).toMatchObject({ kind: 'list', type: 'Observer', roles: ['admin', 'observers:admin'] });
    expect(compiled.queries[0]?.roles).toBeUndefined();
    expect(compiled.mutations.map((m) => [m.name, m.function, m.inputType, m.entityField])).toEqual([
      ['createObserver', OBSERVER_ADMIN.functions.create, 'CreateObserverInput', 'observer'],
      ['updateObserver', OBSERVER_ADMIN.functions.update, 'UpdateObserverInput', 'observer'],
      ['deleteObserver', OBSERVER_ADMIN.functions.delete, 'DeleteObserverInput', 'observer'],
    ]);
    const graphql = buildGraphQLSchema(compiled);
    const input = graphql.getType('CreateObserverInput');
    expect(input && 'getFields' in input && Object.values(input.getFields()).map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      'name: String!',
      'rule: JSON!',
      'enabled: Boolean',
    ]);
    const type = graphql.getType('Observer');
    expect(isObjectType(type) && Object.keys(type.getFields())).toEqual([
      'id',
      'name',
      'enabled',
      'version',
      'entityType',
      'eventTypes',
      'description',
      'rule',
      'createdAt',
      'createdBy',
      'updatedAt',
      'updatedBy',
    ]);
    // The roles survive the file (and its hash check).
    expect(loadCompiledSchema(serializeCompiledSchema(compiled)).queries[1]?.roles).toEqual(['admin', 'observers:admin']);
  });

  it('leaves a schema without the option as it was (same hash), and observers: false is the same as leaving it out', () => {
    const plain = compileSchema(defineSchema(base));
    expect(compileSchema(defineSchema({ ...base, admin: { observers: false } })).hash).toBe(plain.hash);
    expect(plain.types.map((t) => t.name)).toEqual(['Ticket']);
    expect(plain.mutations).toEqual([]);
  });

  it('is refused where no rule could fire, for unknown options, and where the schema already uses its names', () => {
    expect(errorsOf({ types: [Draft], queries: [listQuery('drafts', Draft)], admin: { observers: true } })).toEqual([
      'admin.observers: no entity has change capture, so no observer rule could ever fire (declare one with capture: true)',
    ]);
    expect(errorsOf({ ...base, admin: { observers: 'yes', webhooks: true } as never })).toEqual([
      'admin.observers must be true or false',
      'admin.webhooks: unknown option (known: observers, deadLetters, jobs, search, apiKeys, audit)',
    ]);
    const Observer = entity('Observer', { view: 'v_my_observer' }, { id: field.id() });
    expect(errorsOf({ ...base, types: [Ticket, Observer], admin: { observers: true } })).toContain(
      'duplicate type name "Observer" (two different definitions)',
    );
  });

  it('checks the roles of any query', () => {
    expect(errorsOf({ ...base, queries: [listQuery('tickets', Ticket, { roles: [] })] })).toEqual([
      'query "tickets": roles must be a non-empty list of role names',
    ]);
    expect(errorsOf({ ...base, queries: [listQuery('tickets', Ticket, { roles: ['ok', 'not ok'] })] })).toEqual([
      'query "tickets": roles: "not ok" is not a role name ([A-Za-z0-9_.:-])',
    ]);
  });
});
