import { buildSchema, isUnionType, parse, validate } from 'graphql';
import {
  compileSchema,
  computeSchemaHash,
  defineSchema,
  entity,
  enumType,
  field,
  inputType,
  listQuery,
  loadCompiledSchema,
  mutation,
  serializeCompiledSchema,
  type CompiledSchema,
} from '../src';

const Status = enumType('Status', ['OPEN', 'DONE']);
const Note = entity('Note', { view: 'v_note' }, { id: field.id(), title: field.string(), status: field.enum(Status) });
const Tag = inputType('TagInput', { name: field.string({ description: 'Tag text.' }) });
const CreateNote = inputType(
  'CreateNoteInput',
  {
    title: field.string(),
    status: field.enum(Status, { nullable: true }),
    tags: field.list(field.object(Tag), { nullable: true }),
    weight: field.decimal({ nullable: true }),
  },
  { description: 'A new note.' },
);
const queries = [listQuery('notes', Note)];

const compile = (mutations: ReturnType<typeof mutation>[], types = [Note]) => compileSchema(defineSchema({ types, queries, mutations }));
const errorsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    return (error as { details?: { errors?: string[] } }).details?.errors ?? [String(error)];
  }
  return [];
};

describe('mutations in the compiled schema', () => {
  it('compiles a mutation with its input types, defaults for function and entity field, and the result union in the SDL', () => {
    const compiled = compile([mutation('createNote', { input: CreateNote, entity: Note, description: 'Adds a note.' })]);
    expect(compiled.mutations).toEqual([
      {
        name: 'createNote',
        function: 'fn_create_note',
        inputType: 'CreateNoteInput',
        entityType: 'Note',
        entityField: 'note',
        successType: 'CreateNoteSuccess',
        resultType: 'CreateNoteResult',
        description: 'Adds a note.',
      },
    ]);
    expect(compiled.inputTypes.map((i) => i.name)).toEqual(['CreateNoteInput', 'TagInput']);
    expect(compiled.inputTypes[0]!.fields.find((f) => f.name === 'tags')).toEqual({
      name: 'tags',
      type: { kind: 'input', name: 'TagInput', nullable: true, list: { itemNullable: false } },
    });
    const schema = buildSchema(compiled.sdl);
    expect(String(schema.getMutationType()!.getFields().createNote!.type)).toBe('CreateNoteResult!');
    expect(String(schema.getMutationType()!.getFields().createNote!.args[0]!.type)).toBe('CreateNoteInput!');
    const union = schema.getType('CreateNoteResult');
    expect(isUnionType(union) && union.getTypes().map(String)).toEqual(['CreateNoteSuccess', 'MutationError']);
    expect(compiled.sdl).toContain(
      'type CreateNoteSuccess {\n  note: Note!\n  "What the mutation did, as its function put it; empty when the function returned no message."\n  message: String!\n}',
    );
    expect(compiled.sdl).toContain(
      'type MutationError {\n  errorClass: MutationErrorClass!\n  message: String!\n  fieldErrors: [FieldError!]!\n}',
    );
    expect(compiled.sdl).toContain(
      'enum MutationErrorClass {\n  VALIDATION\n  CONFLICT\n  NOT_FOUND\n  UNAUTHORIZED\n  FORBIDDEN\n  RATE_LIMITED\n  TIMEOUT\n  INTERNAL\n}',
    );
    expect(compiled.sdl).toContain(
      'input CreateNoteInput {\n  title: String!\n  status: Status\n  tags: [TagInput!]\n  weight: Decimal\n}',
    );
  });

  it('gives message the same type (String!) on the success type and MutationError, so both branches select it without an alias', () => {
    const schema = buildSchema(compile([mutation('createNote', { input: CreateNote, entity: Note })]).sdl);
    const document = parse(`mutation { createNote(input: { title: "t" }) {
      ... on CreateNoteSuccess { message note { id } }
      ... on MutationError { message errorClass }
    } }`);
    expect(validate(schema, document)).toEqual([]);
  });

  it('names the input type of inline input fields after the mutation, and takes an explicit function and entity field', () => {
    const compiled = compile([
      mutation('archiveNote', { input: { id: field.id() }, entity: Note, function: 'app.fn_archive', entityField: 'archived' }),
    ]);
    expect(compiled.mutations[0]).toMatchObject({ inputType: 'ArchiveNoteInput', function: 'app.fn_archive', entityField: 'archived' });
    expect(compiled.sdl).toContain('archiveNote(input: ArchiveNoteInput!): ArchiveNoteResult!');
  });

  it('reports every problem naming the mutation, input and field', () => {
    const Other = entity('Other', { view: 'v_other' }, { id: field.id(), note: field.object(Tag) });
    const errors = errorsOf(() =>
      compile(
        [
          mutation('bad name', { input: CreateNote, entity: Note }),
          mutation('noEntity', { input: CreateNote, entity: Status }),
          mutation('badFunction', { input: CreateNote, entity: Note, function: 'fn; drop' }),
          mutation('outputInInput', { input: { note: field.object(Note) }, entity: Note }),
          mutation('dup', { input: { a: field.string({ path: ['x'] }) }, entity: Note }),
          mutation('dup', { input: CreateNote, entity: Note }),
        ],
        [Note, Other],
      ),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        'Other.note: "TagInput" is an input type; output fields need an object, entity or enum',
        'input OutputInInputInput.note: "Note" is an output type; input fields take scalars, enums and input types (declare an inputType)',
        'input DupInput.a: "path" does not apply to input fields',
        'mutation "bad name": invalid GraphQL name "bad name"',
        'mutation "noEntity": "Status" is an enum, not an entity (mutations return entities)',
        'mutation "badFunction": invalid function name "fn; drop" (a SQL identifier, optionally schema-qualified)',
        'mutation "dup": duplicate mutation name',
      ]),
    );
  });

  it('refuses an authored type named like a generated mutation type', () => {
    const Clash = entity('CreateNoteSuccess', { view: 'v_x' }, { id: field.id() });
    expect(errorsOf(() => compile([mutation('createNote', { input: CreateNote, entity: Note })], [Note, Clash]))).toContain(
      'type "CreateNoteSuccess": the name collides with a type generated for mutation createNote',
    );
  });

  it('keeps the hash and the file of a schema without mutations as they were before mutations existed', () => {
    const compiled = compile([]);
    expect(compiled.mutations).toEqual([]);
    const { inputTypes: _i, mutations: _m, hash: _h, ...before } = compiled;
    expect(compiled.hash).toBe(computeSchemaHash(before as unknown as CompiledSchema));
    const file = serializeCompiledSchema(compiled);
    expect(Object.keys(JSON.parse(file))).toEqual(['formatVersion', 'hash', 'sdl', 'types', 'queries']);
    // A file written before issue 3 loads, with no mutations.
    expect(loadCompiledSchema(file)).toMatchObject({ hash: compiled.hash, inputTypes: [], mutations: [] });
  });

  it('round-trips mutations through the file and checks their references', () => {
    const compiled = compile([mutation('createNote', { input: CreateNote, entity: Note })]);
    expect(loadCompiledSchema(serializeCompiledSchema(compiled))).toEqual(compiled);
    const broken = { ...compiled, mutations: [{ ...compiled.mutations[0]!, inputType: 'Missing' }] };
    expect(() => loadCompiledSchema({ ...broken, hash: computeSchemaHash(broken) })).toThrow(
      /mutation createNote takes unknown input "Missing"/,
    );
  });
});

describe('entity capture', () => {
  it('compiles the defaults: tb_<snake> table, id, org_id when tenant-scoped, no pre-images, no children', () => {
    const LineItem = entity('LineItem', { view: 'v_line_item', capture: true }, { id: field.id() });
    const Global = entity(
      'Country',
      {
        view: 'v_country',
        tenantScoped: false,
        capture: { preImages: true, children: [{ table: 'tb_region', parentIdColumn: 'country_id' }] },
      },
      { id: field.id() },
    );
    const compiled = compileSchema(defineSchema({ types: [LineItem, Global], queries: [listQuery('items', LineItem)] }));
    expect(compiled.types.map((t) => t.capture)).toEqual([
      { table: 'tb_line_item', idColumn: 'id', orgColumn: 'org_id', preImages: false, children: [] },
      { table: 'tb_country', idColumn: 'id', preImages: true, children: [{ table: 'tb_region', parentIdColumn: 'country_id' }] },
    ]);
  });

  it('refuses invalid capture identifiers, naming the entity', () => {
    const Bad = entity(
      'Bad',
      { view: 'v_bad', capture: { table: 'tb bad', children: [{ table: 'tb_bad', parentIdColumn: 'x;' }] } },
      { id: field.id() },
    );
    expect(errorsOf(() => compileSchema(defineSchema({ types: [Bad], queries: [listQuery('bads', Bad)] })))).toEqual(
      expect.arrayContaining(['Bad.capture: invalid table name "tb bad"', 'Bad.capture.children[0]: invalid parentIdColumn "x;"']),
    );
  });
});
