import { FraiseqlError } from '@fraiseql/errors';
import {
  arrowDataset,
  column,
  compileSchema,
  computeSchemaHash,
  datasetColumnSqlType,
  defineSchema,
  entity,
  field,
  listQuery,
  loadCompiledSchema,
  serializeCompiledSchema,
  type CompiledSchema,
  type DatasetDefinition,
} from '../src';

const Note = entity('Note', { view: 'v_note' }, { id: field.id(), title: field.string() });
const queries = [listQuery('notes', Note)];
const compile = (datasets: DatasetDefinition[]) => compileSchema(defineSchema({ types: [Note], queries, datasets }));
const errorsOf = (datasets: DatasetDefinition[]): string[] => {
  try {
    compile(datasets);
  } catch (error) {
    expect((error as FraiseqlError).code).toBe('FRAISEQL_SCHEMA_COMPILE_FAILED');
    return (error as { details?: { errors?: string[] } }).details?.errors ?? [String(error)];
  }
  throw new Error('the schema compiled');
};

const vaOrder = arrowDataset('va_order', {
  description: 'Orders with typed columns, for analytics.',
  columns: {
    id: column.uuid({ nullable: false }),
    org_id: column.uuid({ nullable: false }),
    status: column.text({ description: 'PENDING … CANCELLED' }),
    total: column.numeric(12, 2),
    units: column.int8(),
    tags: column.list(column.text()),
  },
});
const taOrderFact = arrowDataset('ta_order_fact', {
  refreshFrom: 'va_order',
  columns: { org_id: column.uuid({ nullable: false }), id: column.uuid({ nullable: false }), total: column.numeric(12, 2) },
});

describe('datasets in the compiled schema', () => {
  it('compiles datasets in declared order, columns in declared order, with the defaults filled in', () => {
    const global = arrowDataset('va_rate', {
      tenantScoped: false,
      columns: { code: column.text(), rate: column.numeric(8), raw: column.numeric() },
    });
    const compiled = compile([vaOrder, taOrderFact, global]);
    expect(compiled.datasets).toEqual([
      {
        name: 'va_order',
        kind: 'view',
        description: 'Orders with typed columns, for analytics.',
        tenantScoped: true,
        orgColumn: 'org_id',
        partitionColumn: 'id',
        columns: [
          { name: 'id', type: 'uuid', array: false, nullable: false },
          { name: 'org_id', type: 'uuid', array: false, nullable: false },
          { name: 'status', type: 'text', array: false, nullable: true, description: 'PENDING … CANCELLED' },
          { name: 'total', type: 'numeric', array: false, nullable: true, precision: 12, scale: 2 },
          { name: 'units', type: 'int8', array: false, nullable: true },
          { name: 'tags', type: 'text', array: true, nullable: true },
        ],
      },
      {
        name: 'ta_order_fact',
        kind: 'table',
        tenantScoped: true,
        orgColumn: 'org_id',
        partitionColumn: 'id',
        refreshFrom: 'va_order',
        columns: [
          { name: 'org_id', type: 'uuid', array: false, nullable: false },
          { name: 'id', type: 'uuid', array: false, nullable: false },
          { name: 'total', type: 'numeric', array: false, nullable: true, precision: 12, scale: 2 },
        ],
      },
      // Not tenant-scoped: no org column; no id: no partition column; numeric(8) is numeric(8,0) as in PostgreSQL.
      {
        name: 'va_rate',
        kind: 'view',
        tenantScoped: false,
        columns: [
          { name: 'code', type: 'text', array: false, nullable: true },
          { name: 'rate', type: 'numeric', array: false, nullable: true, precision: 8, scale: 0 },
          { name: 'raw', type: 'numeric', array: false, nullable: true },
        ],
      },
    ]);
    expect(compiled.datasets[0]!.columns.map(datasetColumnSqlType)).toEqual(['uuid', 'uuid', 'text', 'numeric(12,2)', 'int8', 'text[]']);
  });

  it('offers one builder per column type of the brief, each nullable unless told otherwise', () => {
    const types = [
      'int2',
      'int4',
      'int8',
      'float4',
      'float8',
      'numeric',
      'text',
      'varchar',
      'bool',
      'date',
      'timestamp',
      'timestamptz',
      'uuid',
      'jsonb',
      'json',
      'bytea',
    ] as const;
    const columns = Object.fromEntries(types.map((t) => [`c_${t}`, t === 'numeric' ? column.numeric() : column[t]()]));
    const compiled = compile([
      arrowDataset('va_all', {
        tenantScoped: false,
        columns: { ...columns, c_list: column.list(column.numeric(10, 3), { nullable: false }) },
      }),
    ]);
    expect(compiled.datasets[0]!.columns.map((c) => `${c.name} ${datasetColumnSqlType(c)}${c.nullable ? '' : ' not null'}`)).toEqual([
      ...types.map((t) => `c_${t} ${t}`),
      'c_list numeric(10,3)[] not null',
    ]);
  });

  it('leaves the SDL as it is without datasets', () => {
    expect(compile([vaOrder, taOrderFact]).sdl).toBe(compile([]).sdl);
  });

  it('is deterministic: the same declarations give byte-identical files', () => {
    const again = arrowDataset('va_order', { ...vaOrder, columns: { ...vaOrder.columns } });
    expect(serializeCompiledSchema(compile([again, taOrderFact]))).toBe(serializeCompiledSchema(compile([vaOrder, taOrderFact])));
  });

  it('keeps the hash and the file of a schema without datasets as they were before datasets existed', () => {
    const compiled = compile([]);
    expect(compiled.datasets).toEqual([]);
    const { datasets: _d, hash: _h, ...before } = compiled;
    expect(compiled.hash).toBe(computeSchemaHash(before as unknown as CompiledSchema));
    const file = serializeCompiledSchema(compiled);
    expect(Object.keys(JSON.parse(file))).not.toContain('datasets');
    expect(loadCompiledSchema(file)).toMatchObject({ hash: compiled.hash, datasets: [] });
  });

  it('writes datasets last in the file, changes the hash with them and round-trips through loadCompiledSchema', () => {
    const compiled = compile([vaOrder, taOrderFact]);
    expect(compiled.hash).not.toBe(compile([]).hash);
    const file = serializeCompiledSchema(compiled);
    expect(Object.keys(JSON.parse(file))).toEqual(['formatVersion', 'hash', 'sdl', 'types', 'queries', 'datasets']);
    expect(loadCompiledSchema(file)).toEqual(compiled);
  });
});

describe('dataset compile errors', () => {
  it('refuses a bad dataset name', () => {
    const columns = { code: column.text() };
    expect(
      errorsOf([
        arrowDataset('orders', { tenantScoped: false, columns }),
        arrowDataset('v_order', { tenantScoped: false, columns }),
        arrowDataset('va_Order', { tenantScoped: false, columns }),
        arrowDataset('va_', { tenantScoped: false, columns }),
        arrowDataset(`va_${'x'.repeat(61)}`, { tenantScoped: false, columns }),
      ]),
    ).toEqual([
      'dataset "orders": invalid name (va_<name> for a view or ta_<name> for a table: lower-case letters, digits and _, at most 63 characters)',
      'dataset "v_order": invalid name (va_<name> for a view or ta_<name> for a table: lower-case letters, digits and _, at most 63 characters)',
      'dataset "va_Order": invalid name (va_<name> for a view or ta_<name> for a table: lower-case letters, digits and _, at most 63 characters)',
      'dataset "va_": invalid name (va_<name> for a view or ta_<name> for a table: lower-case letters, digits and _, at most 63 characters)',
      `dataset "va_${'x'.repeat(61)}": invalid name (va_<name> for a view or ta_<name> for a table: lower-case letters, digits and _, at most 63 characters)`,
    ]);
    // 63 characters is the most PostgreSQL keeps.
    expect(compile([arrowDataset(`va_${'x'.repeat(60)}`, { tenantScoped: false, columns })]).datasets).toHaveLength(1);
  });

  it('refuses a duplicate dataset', () => {
    expect(errorsOf([vaOrder, vaOrder])).toEqual(['dataset "va_order": duplicate dataset name']);
  });

  it('refuses a bad column identifier', () => {
    expect(
      errorsOf([
        arrowDataset('va_cols', {
          tenantScoped: false,
          columns: {
            Total: column.int4(),
            '1st': column.int4(),
            'a-b': column.int4(),
            [`c${'x'.repeat(63)}`]: column.int4(),
            ok_1: column.int4(),
          },
        }),
      ]),
    ).toEqual(
      ['Total', '1st', 'a-b', `c${'x'.repeat(63)}`].map(
        (name) =>
          `dataset "va_cols": invalid column name ${JSON.stringify(name)} (lower-case letters, digits and _, not starting with a digit, at most 63 characters)`,
      ),
    );
  });

  it('refuses a dataset without columns, and something that is not a column', () => {
    expect(
      errorsOf([
        arrowDataset('va_empty', { tenantScoped: false, columns: {} }),
        arrowDataset('va_odd', { tenantScoped: false, columns: { n: field.int() as never, m: column.list(column.list(column.int4())) } }),
      ]),
    ).toEqual([
      'dataset "va_odd".n: not a column (build columns with column.*)',
      'dataset "va_odd".m: lists of lists are not supported (one-dimensional arrays only)',
      'dataset "va_empty": no columns',
    ]);
  });

  it('refuses a tenant-scoped dataset without a uuid org column, and an org column on a dataset that is not tenant-scoped', () => {
    expect(
      errorsOf([
        arrowDataset('va_a', { columns: { id: column.uuid() } }),
        arrowDataset('va_b', { orgColumn: 'tenant', columns: { id: column.uuid(), tenant: column.text() } }),
        arrowDataset('va_c', { columns: { org_id: column.list(column.uuid()) } }),
        arrowDataset('va_d', { tenantScoped: false, orgColumn: 'org_id', columns: { org_id: column.uuid() } }),
      ]),
    ).toEqual([
      'dataset "va_a": tenant-scoped, but its orgColumn "org_id" is not a declared column (declare it as column.uuid(), or set tenantScoped: false)',
      'dataset "va_b": tenant-scoped, but its orgColumn "tenant" is text, not uuid',
      'dataset "va_c": tenant-scoped, but its orgColumn "org_id" is uuid[], not uuid',
      'dataset "va_d": orgColumn "org_id" is set, but the dataset is not tenant-scoped',
    ]);
    expect(compile([arrowDataset('va_e', { orgColumn: 'tenant', columns: { tenant: column.uuid() } })]).datasets[0]).toMatchObject({
      orgColumn: 'tenant',
    });
  });

  it('refuses a partition column that is not declared or cannot be hashed', () => {
    expect(
      errorsOf([
        arrowDataset('va_a', { tenantScoped: false, partitionColumn: 'nope', columns: { id: column.uuid() } }),
        arrowDataset('va_b', { tenantScoped: false, partitionColumn: 'doc', columns: { doc: column.json() } }),
      ]),
    ).toEqual([
      'dataset "va_a": partitionColumn "nope" is not a declared column',
      'dataset "va_b": partitionColumn "doc" is json, which cannot be hashed into partitions',
    ]);
  });

  it('refuses refreshFrom on a view, naming an unknown dataset or a table', () => {
    const columns = { org_id: column.uuid(), id: column.uuid() };
    expect(
      errorsOf([
        vaOrder,
        arrowDataset('va_copy', { refreshFrom: 'va_order', columns }),
        arrowDataset('ta_a', { refreshFrom: 'va_missing', columns }),
        arrowDataset('ta_b', { refreshFrom: 'ta_a', columns }),
      ]),
    ).toEqual([
      'dataset "va_copy": refreshFrom applies to tables (ta_*) only',
      'dataset "ta_a": refreshFrom names unknown dataset "va_missing"',
      'dataset "ta_b": refreshFrom must name a view dataset (va_*), not "ta_a"',
    ]);
  });

  it('refuses refreshFrom from a view missing a column of the table or typing it differently', () => {
    expect(
      errorsOf([
        vaOrder,
        arrowDataset('ta_fact', {
          refreshFrom: 'va_order',
          columns: {
            org_id: column.uuid({ nullable: false }),
            id: column.uuid({ nullable: false }),
            total: column.numeric(14, 2),
            units: column.int4(),
            tags: column.text(),
            status: column.text({ nullable: false }),
            extra: column.bool(),
          },
        }),
        arrowDataset('ta_global', { tenantScoped: false, refreshFrom: 'va_order', columns: { id: column.uuid() } }),
        arrowDataset('ta_other_org', { orgColumn: 'id', refreshFrom: 'va_order', columns: { id: column.uuid() } }),
      ]),
    ).toEqual([
      'dataset "ta_fact".total: numeric(14,2), but va_order.total is numeric(12,2)',
      'dataset "ta_fact".units: int4, but va_order.units is int8',
      'dataset "ta_fact".tags: text, but va_order.tags is text[]',
      'dataset "ta_fact".status: not nullable, but va_order.status is nullable',
      'dataset "ta_fact".extra: refreshFrom va_order has no column "extra"',
      'dataset "ta_other_org": a tenant-scoped table must be refreshed from a tenant-scoped view with the same orgColumn ("id")',
    ]);
  });

  it('refuses numeric scale without precision, scale above precision, precision above 1000', () => {
    expect(
      errorsOf([
        arrowDataset('va_n', {
          tenantScoped: false,
          columns: {
            a: column.numeric(undefined, 2),
            b: column.numeric(4, 5),
            c: column.numeric(1001, 2),
            d: column.numeric(0),
            e: column.numeric(10, -1),
            f: column.numeric(10.5, 2),
            g: column.list(column.numeric(undefined, 1)),
            ok: column.numeric(1000, 1000),
          },
        }),
      ]),
    ).toEqual([
      'dataset "va_n".a: numeric scale needs a precision (numeric(precision, scale))',
      'dataset "va_n".b: numeric scale must be an integer from 0 to the precision 4 (got 5)',
      'dataset "va_n".c: numeric precision must be an integer from 1 to 1000 (got 1001)',
      'dataset "va_n".d: numeric precision must be an integer from 1 to 1000 (got 0)',
      'dataset "va_n".e: numeric scale must be an integer from 0 to the precision 10 (got -1)',
      'dataset "va_n".f: numeric precision must be an integer from 1 to 1000 (got 10.5)',
      'dataset "va_n".g: numeric scale needs a precision (numeric(precision, scale))',
    ]);
  });

  it('reports dataset problems together with the other schema problems', () => {
    const errors = (() => {
      try {
        compileSchema(defineSchema({ types: [Note], queries: [], datasets: [vaOrder, vaOrder] }));
      } catch (error) {
        return (error as FraiseqlError).details?.errors;
      }
      return undefined;
    })();
    expect(errors).toEqual(['dataset "va_order": duplicate dataset name', 'schema has no queries (GraphQL needs at least one root field)']);
  });
});

describe('loading datasets', () => {
  const compiled = compile([vaOrder, taOrderFact]);
  const rehash = (schema: Omit<CompiledSchema, 'hash'> & { hash?: string }) => ({ ...schema, hash: computeSchemaHash(schema) });
  const loadError = (value: unknown): string => {
    try {
      loadCompiledSchema(value);
    } catch (error) {
      expect((error as FraiseqlError).code).toBe('FRAISEQL_SCHEMA_INVALID');
      return (error as FraiseqlError).message;
    }
    throw new Error('loadCompiledSchema accepted the value');
  };
  const withDatasets = (datasets: unknown[]) => rehash({ ...compiled, datasets: datasets as CompiledSchema['datasets'] });

  it('refuses a file whose datasets break a rule the compiler enforces', () => {
    const [view, table] = compiled.datasets as [CompiledSchema['datasets'][number], CompiledSchema['datasets'][number]];
    expect(loadError(withDatasets([{ ...view, kind: 'table' }, table]))).toContain(
      'dataset "va_order": kind "table" does not match the name (va_* is a view, ta_* a table)',
    );
    expect(loadError(withDatasets([view, { ...table, refreshFrom: 'va_gone' }]))).toContain(
      'dataset "ta_order_fact": refreshFrom names unknown dataset "va_gone"',
    );
    expect(loadError(withDatasets([{ ...view, orgColumn: undefined }, table]))).toContain(
      'dataset "va_order": tenant-scoped, but no orgColumn',
    );
    const precisionOnly = { ...view, columns: view.columns.map((c) => (c.name === 'total' ? { ...c, scale: undefined } : c)) };
    expect(loadError(withDatasets([precisionOnly]))).toContain('dataset "va_order".total: numeric precision without scale');
  });

  it('refuses a column type the compiler does not know', () => {
    const [view] = compiled.datasets;
    expect(loadError(withDatasets([{ ...view, columns: [{ name: 'id', type: 'money', array: false, nullable: true }] }]))).toMatch(
      /^The compiled schema is malformed: datasets\.0\.columns\.0\.type/,
    );
  });
});
