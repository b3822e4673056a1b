import { FraiseqlError } from '@fraiseql/errors';
import { isInputObjectType, isObjectType } from 'graphql';
import {
  buildGraphQLSchema,
  compileSchema,
  DEAD_LETTER_ADMIN,
  defineSchema,
  entity,
  field,
  listQuery,
  loadCompiledSchema,
  serializeCompiledSchema,
  type SchemaDefinitionInput,
} from '../src';

// The admin surface of the dead-letter queue (docs/adr/0105-admin-dead-letters-native-fields.md): what
// `admin: { deadLetters: true }` adds to a compiled schema: native root fields and their types, no SQL.

const Ticket = entity('Ticket', { view: 'v_ticket' }, { id: field.id(), title: field.string() });
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

describe('admin: { deadLetters: true }', () => {
  it('adds four role-gated native fields, their result types without where inputs, and their input types', () => {
    const compiled = compileSchema(defineSchema({ ...base, admin: { deadLetters: true } }));
    expect(compiled.nativeFields.map((f) => [f.operation, f.name, f.resolver, f.type])).toEqual([
      ['query', 'deadLetters', 'deadLetters.list', '[DeadLetter!]!'],
      ['query', 'deadLetter', 'deadLetters.get', 'DeadLetter'],
      ['mutation', 'replayDeadLetters', 'deadLetters.replay', 'ReplayDeadLettersResult!'],
      ['mutation', 'purgeDeadLetters', 'deadLetters.purge', 'PurgeDeadLettersResult!'],
    ]);
    for (const f of compiled.nativeFields) expect(f.roles).toEqual([...DEAD_LETTER_ADMIN.roles]);
    // Native fields are not planned into SQL: nothing is added to queries or mutations.
    expect(compiled.queries.map((q) => q.name)).toEqual(['tickets']);
    expect(compiled.mutations).toEqual([]);
    expect(compiled.types.find((t) => t.name === 'DeadLetter')).toMatchObject({ kind: 'object', native: true });

    const graphql = buildGraphQLSchema(compiled);
    expect(String(graphql.getQueryType()!.getFields().deadLetters!.type)).toBe('[DeadLetter!]!');
    expect(
      graphql
        .getQueryType()!
        .getFields()
        .deadLetters!.args.map((a) => `${a.name}: ${String(a.type)}`),
    ).toEqual(['filter: DeadLetterFilter', 'limit: Int']);
    // A schema with no mutation of its own still gets a Mutation type for the two native ones.
    expect(Object.keys(graphql.getMutationType()!.getFields())).toEqual(['replayDeadLetters', 'purgeDeadLetters']);
    expect(graphql.getType('DeadLetterWhereInput')).toBeUndefined();
    const filter = graphql.getType('DeadLetterFilter');
    expect(isInputObjectType(filter) && Object.keys(filter.getFields())).toEqual(['source', 'entityType', 'rule', 'since', 'until']);
    const result = graphql.getType('ReplayDeadLettersResult');
    expect(isObjectType(result) && Object.keys(result.getFields())).toEqual(['replayed', 'skipped']);

    // They survive the file and its hash check.
    const loaded = loadCompiledSchema(serializeCompiledSchema(compiled));
    expect(loaded.nativeFields).toEqual(compiled.nativeFields);
    expect(loaded.types.find((t) => t.name === 'DeadLetter')?.native).toBe(true);
  });

  it('leaves a schema without the option as it was (same hash, no nativeFields in the file)', () => {
    const plain = compileSchema(defineSchema(base));
    expect(compileSchema(defineSchema({ ...base, admin: { deadLetters: false } })).hash).toBe(plain.hash);
    expect(plain.nativeFields).toEqual([]);
    expect(serializeCompiledSchema(plain)).not.toContain('nativeFields');
    expect(loadCompiledSchema(serializeCompiledSchema(plain)).nativeFields).toEqual([]);
  });

  it('is refused for a bad value, and where the schema already uses its names', () => {
    expect(errorsOf({ ...base, admin: { deadLetters: 1 } as never })).toEqual(['admin.deadLetters must be true or false']);
    expect(errorsOf({ ...base, queries: [listQuery('deadLetters', Ticket)], admin: { deadLetters: true } })).toContain(
      'query "deadLetters": the name is taken by a field the admin surface adds',
    );
    const DeadLetter = entity('DeadLetter', { view: 'v_dead_letter' }, { id: field.id() });
    expect(errorsOf({ ...base, types: [Ticket, DeadLetter], admin: { deadLetters: true } })).toContain(
      'duplicate type name "DeadLetter" (two different definitions)',
    );
  });
});
