import { buildSchema } from 'graphql';
import {
  compileSchema,
  computeSchemaHash,
  defineSchema,
  entity,
  enumType,
  field,
  listQuery,
  loadCompiledSchema,
  serializeCompiledSchema,
  subscription,
  type CompiledSchema,
} from '../src';

const Status = enumType('Status', ['OPEN', 'DONE']);
const Note = entity('Note', { view: 'v_note' }, { id: field.id(), title: field.string(), status: field.enum(Status) });
const queries = [listQuery('notes', Note)];
const compile = (subscriptions: ReturnType<typeof subscription>[], types = [Note]) =>
  compileSchema(defineSchema({ types, queries, subscriptions }));
const errorsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    return (error as { details?: { errors?: string[] } }).details?.errors ?? [String(error)];
  }
  return [];
};

describe('subscriptions in the compiled schema', () => {
  it('compiles a subscription into a Subscription root field, a change type per entity and the ChangeOperation enum', () => {
    const compiled = compile([subscription('noteChanged', Note, { description: 'Changes of notes.' }), subscription('noteEvents', Note)]);
    expect(compiled.subscriptions).toEqual([
      { name: 'noteChanged', entityType: 'Note', changeType: 'NoteChange', entityField: 'note', description: 'Changes of notes.' },
      { name: 'noteEvents', entityType: 'Note', changeType: 'NoteChange', entityField: 'note' },
    ]);
    const schema = buildSchema(compiled.sdl);
    const field = schema.getSubscriptionType()!.getFields().noteChanged!;
    expect(String(field.type)).toBe('NoteChange!');
    expect(field.args.map((a) => `${a.name}: ${String(a.type)}`)).toEqual(['where: NoteWhereInput', 'operations: [ChangeOperation!]']);
    expect(compiled.sdl).toContain('enum ChangeOperation {\n  INSERT\n  UPDATE\n  DELETE\n}');
    const change = schema.getType('NoteChange') as import('graphql').GraphQLObjectType;
    expect(Object.values(change.getFields()).map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      'operation: ChangeOperation!',
      'eventId: ID!',
      'timestamp: DateTime!',
      'changedFields: [String!]!',
      'note: Note!',
      'before: Note',
    ]);
    // One change type, however many subscriptions deliver the entity.
    expect(compiled.sdl.match(/type NoteChange \{/g)).toHaveLength(1);
  });

  it('reports bad subscriptions naming them', () => {
    const Before = entity('Before', { view: 'v_before' }, { id: field.id() });
    const errors = errorsOf(() =>
      compile(
        [
          subscription('bad name', Note),
          subscription('ofEnum', Status),
          subscription('dup', Note),
          subscription('dup', Note),
          subscription('ofBefore', Before),
        ],
        [Note, Before],
      ),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        'subscription "bad name": invalid GraphQL name "bad name"',
        'subscription "ofEnum": "Status" is an enum, not an entity (subscriptions deliver entity changes)',
        'subscription "dup": duplicate subscription name',
        'subscription "ofBefore": entity "Before" cannot be subscribed to: its change type field "before" collides with a field every change type has',
      ]),
    );
  });

  it('refuses an authored type named like a generated change type', () => {
    const Clash = entity('NoteChange', { view: 'v_x' }, { id: field.id() });
    expect(errorsOf(() => compile([subscription('noteChanged', Note)], [Note, Clash]))).toContain(
      'type "NoteChange": the name collides with a type generated for subscription noteChanged',
    );
  });

  it('keeps the hash and the file of a schema without subscriptions as they were before subscriptions existed', () => {
    const compiled = compile([]);
    expect(compiled.subscriptions).toEqual([]);
    const { subscriptions: _s, hash: _h, ...before } = compiled;
    expect(compiled.hash).toBe(computeSchemaHash(before as unknown as CompiledSchema));
    const file = serializeCompiledSchema(compiled);
    expect(Object.keys(JSON.parse(file))).toEqual(['formatVersion', 'hash', 'sdl', 'types', 'queries']);
    expect(loadCompiledSchema(file)).toMatchObject({ hash: compiled.hash, subscriptions: [] });
  });

  it('round-trips subscriptions through the file and checks their entity', () => {
    const compiled = compile([subscription('noteChanged', Note)]);
    expect(loadCompiledSchema(serializeCompiledSchema(compiled))).toEqual(compiled);
    const broken = { ...compiled, subscriptions: [{ ...compiled.subscriptions[0]!, entityType: 'Missing' }] };
    expect(() => loadCompiledSchema({ ...broken, hash: computeSchemaHash(broken) })).toThrow(
      /subscription noteChanged delivers unknown entity "Missing"/,
    );
  });
});
