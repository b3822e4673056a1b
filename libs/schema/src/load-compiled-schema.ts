import { FraiseqlError } from '@fraiseql/errors';
import { buildSchema } from 'graphql';
import { z } from 'zod';
import {
  COMPILED_SCHEMA_FORMAT_VERSION,
  DATASET_COLUMN_TYPES,
  SCALAR_NAMES,
  type CompiledSchema,
  type DatasetColumnType,
} from './compiled-schema';
import { compiledObserverProblems } from './compile-observers';
import { datasetProblems } from './dataset-rules';
import { computeSchemaHash } from './schema-hash';

const name = z.string().min(1);
const typeRef = z.object({
  kind: z.enum(['scalar', 'enum', 'object']),
  name,
  nullable: z.boolean(),
  list: z.object({ itemNullable: z.boolean() }).optional(),
});
const field = z.object({
  name,
  type: typeRef,
  path: z.array(name).min(1),
  column: name.optional(),
  description: z.string().optional(),
  deprecationReason: z.string().optional(),
  filterable: z.boolean(),
  sortable: z.boolean(),
  // Added with authorization in the plan (ADR 0136): absent = no field rule.
  roles: z.array(name).min(1).optional(),
  onDenied: z.literal('mask').optional(),
  // Added with query cost (ADR 0134): absent = 1.
  cost: z.number().int().nonnegative().optional(),
});
const compiledType = z.object({
  name,
  kind: z.enum(['entity', 'object', 'enum']),
  description: z.string().optional(),
  view: name.optional(),
  tenantScoped: z.boolean().optional(),
  fields: z.array(field),
  values: z.array(z.object({ name, description: z.string().optional(), deprecationReason: z.string().optional() })).optional(),
  capture: z
    .object({
      table: name,
      idColumn: name,
      orgColumn: name.optional(),
      preImages: z.boolean(),
      children: z.array(z.object({ table: name, parentIdColumn: name })),
    })
    .optional(),
  // Added with native fields (ADR 0105).
  native: z.literal(true).optional(),
  // Added with authorization in the plan (ADR 0136): absent = no type rule.
  roles: z.array(name).min(1).optional(),
});
const query = z.object({
  name,
  kind: z.enum(['list', 'connection', 'lookup']),
  type: name,
  view: name,
  description: z.string().optional(),
  deprecationReason: z.string().optional(),
  arguments: z.array(z.object({ name, type: name, description: z.string().optional() })),
  defaultOrderBy: z.array(z.object({ field: name, direction: z.enum(['ASC', 'DESC']) })),
  defaultLimit: z.number().int().positive(),
  maxLimit: z.number().int().positive(),
  // Added with the admin surface (ADR 0104): absent = any caller of the org.
  roles: z.array(name).min(1).optional(),
  // Added with query cost (ADR 0134): absent = 1.
  cost: z.number().int().nonnegative().optional(),
});
const inputType = z.object({
  name,
  description: z.string().optional(),
  fields: z.array(
    z.object({
      name,
      type: z.object({
        kind: z.enum(['scalar', 'enum', 'input']),
        name,
        nullable: z.boolean(),
        list: z.object({ itemNullable: z.boolean() }).optional(),
      }),
      description: z.string().optional(),
    }),
  ),
});
const mutation = z.object({
  name,
  function: name,
  inputType: name,
  entityType: name,
  entityField: name,
  successType: name,
  resultType: name,
  description: z.string().optional(),
  deprecationReason: z.string().optional(),
  // Added with authorization in the plan (ADR 0136).
  roles: z.array(name).min(1).optional(),
});
const subscription = z.object({
  name,
  entityType: name,
  changeType: name,
  entityField: name,
  description: z.string().optional(),
  deprecationReason: z.string().optional(),
  // Added with authorization in the plan (ADR 0136).
  roles: z.array(name).min(1).optional(),
});
const dataset = z.object({
  name,
  kind: z.enum(['view', 'table']),
  description: z.string().optional(),
  tenantScoped: z.boolean(),
  orgColumn: name.optional(),
  partitionColumn: name.optional(),
  refreshFrom: name.optional(),
  columns: z.array(
    z.object({
      name,
      type: z.enum(DATASET_COLUMN_TYPES as [DatasetColumnType, ...DatasetColumnType[]]),
      array: z.boolean(),
      nullable: z.boolean(),
      precision: z.number().int().optional(),
      scale: z.number().int().optional(),
      description: z.string().optional(),
      // Added with authorization in the plan (ADR 0136).
      roles: z.array(name).min(1).optional(),
      onDenied: z.literal('mask').optional(),
    }),
  ),
  roles: z.array(name).min(1).optional(),
});
const nativeField = z.object({
  name,
  operation: z.enum(['query', 'mutation', 'subscription']),
  resolver: name,
  arguments: z.array(z.object({ name, type: name, description: z.string().optional() })),
  type: name,
  roles: z.array(name).min(1).optional(),
  description: z.string().optional(),
});
const compiledSchema = z.object({
  formatVersion: z.literal(COMPILED_SCHEMA_FORMAT_VERSION),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  sdl: z.string().min(1),
  types: z.array(compiledType),
  queries: z.array(query),
  // Added with mutations (issue 3): schemas compiled before have neither.
  inputTypes: z.array(inputType).default([]),
  mutations: z.array(mutation).default([]),
  subscriptions: z.array(subscription).default([]),
  // Added with Arrow Flight (issue 4).
  datasets: z.array(dataset).default([]),
  // Added with observers (issue 9); each rule is checked by @fraiseql/observer-rules below.
  observers: z.array(z.record(z.unknown())).default([]),
  // Added with native fields (ADR 0105); their types are checked by the SDL below.
  nativeFields: z.array(nativeField).default([]),
});

const invalid = (message: string, details?: Record<string, unknown>, cause?: unknown): FraiseqlError =>
  new FraiseqlError('FRAISEQL_SCHEMA_INVALID', message, { ...(details ? { details } : {}), ...(cause ? { cause } : {}) });

/**
 * Validates a compiled schema read from a file or KV (JSON text, bytes or a parsed value):
 * format version, required members, references between types and queries, the dataset rules, SDL, and that
 * the hash matches the content. Throws FRAISEQL_SCHEMA_INVALID.
 */
export function loadCompiledSchema(json: string | Uint8Array | unknown): CompiledSchema {
  let value: unknown = json;
  if (typeof json === 'string' || json instanceof Uint8Array) {
    const text = typeof json === 'string' ? json : new TextDecoder().decode(json);
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw invalid(`The compiled schema is not JSON: ${(error as Error).message}`, undefined, error);
    }
  }
  const version = (value as { formatVersion?: unknown } | null)?.formatVersion;
  if (version !== COMPILED_SCHEMA_FORMAT_VERSION) {
    throw invalid(
      `Unsupported compiled schema format version ${JSON.stringify(version)} (this build reads ${COMPILED_SCHEMA_FORMAT_VERSION})`,
    );
  }
  const parsed = compiledSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw invalid(`The compiled schema is malformed: ${issues.slice(0, 5).join('; ')}`, { issues });
  }
  const schema = parsed.data as unknown as CompiledSchema;

  const expected = computeSchemaHash(schema);
  if (expected !== schema.hash) {
    throw invalid(`The compiled schema's hash ${schema.hash} does not match its content (${expected}): it was edited or truncated`);
  }

  const types = new Map(schema.types.map((t) => [t.name, t]));
  const scalars: ReadonlySet<string> = new Set(SCALAR_NAMES);
  const problems: string[] = [];
  for (const t of schema.types) {
    if (t.kind === 'entity' && (!t.view || t.tenantScoped === undefined)) problems.push(`entity ${t.name} has no view or tenantScoped`);
    for (const f of t.fields) {
      const target = types.get(f.type.name);
      const ok =
        f.type.kind === 'scalar'
          ? scalars.has(f.type.name)
          : f.type.kind === 'enum'
            ? target?.kind === 'enum'
            : target !== undefined && target.kind !== 'enum';
      if (!ok) problems.push(`${t.name}.${f.name} refers to unknown ${f.type.kind} "${f.type.name}"`);
    }
  }
  for (const q of schema.queries) {
    if (types.get(q.type)?.kind !== 'entity') problems.push(`query ${q.name} reads unknown entity "${q.type}"`);
  }
  const inputs = new Set(schema.inputTypes.map((i) => i.name));
  for (const i of schema.inputTypes) {
    for (const f of i.fields) {
      const ok =
        f.type.kind === 'scalar'
          ? scalars.has(f.type.name)
          : f.type.kind === 'enum'
            ? types.get(f.type.name)?.kind === 'enum'
            : inputs.has(f.type.name);
      if (!ok) problems.push(`input ${i.name}.${f.name} refers to unknown ${f.type.kind} "${f.type.name}"`);
    }
  }
  for (const m of schema.mutations) {
    if (types.get(m.entityType)?.kind !== 'entity') problems.push(`mutation ${m.name} returns unknown entity "${m.entityType}"`);
    if (!inputs.has(m.inputType)) problems.push(`mutation ${m.name} takes unknown input "${m.inputType}"`);
  }
  for (const s of schema.subscriptions) {
    if (types.get(s.entityType)?.kind !== 'entity') problems.push(`subscription ${s.name} delivers unknown entity "${s.entityType}"`);
  }
  problems.push(...datasetProblems(schema.datasets));
  problems.push(...compiledObserverProblems(schema.observers, schema.types));
  if (problems.length > 0) throw invalid(`The compiled schema is inconsistent: ${problems.join('; ')}`, { problems });

  try {
    buildSchema(schema.sdl);
  } catch (error) {
    throw invalid(`The compiled schema's SDL is not valid GraphQL: ${(error as Error).message}`, undefined, error);
  }
  return schema;
}
