import { FraiseqlError } from '@fraiseql/errors';
import { buildSchema } from 'graphql';
import {
  COMPILED_SCHEMA_FORMAT_VERSION,
  SCALAR_NAMES,
  type CompiledArgument,
  type CompiledEnumValue,
  type CompiledField,
  type CompiledOrderKey,
  type CompiledQuery,
  type CompiledSchema,
  type CompiledType,
  type ScalarName,
  type TypeRef,
} from './compiled-schema';
import { generateSdl } from './generate-sdl';
import type { EnumValueSpec, FieldSpec, QueryDefinition, SchemaDefinition, TypeDefinition, TypeReference } from './schema-definition';
import { computeSchemaHash } from './schema-hash';
import {
  SHARED_TYPE_NAMES,
  connectionTypeName,
  edgeTypeName,
  filterName,
  listFilterName,
  orderByInputName,
  sortFieldEnumName,
  whereInputName,
} from './sdl-names';
import { listSortFields } from './sort-fields';

export const DEFAULT_LIMIT = 20;
export const DEFAULT_MAX_LIMIT = 100;

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
/** Views may be schema-qualified; both parts are plain SQL identifiers (quoted by the planner). */
const SQL_RELATION = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
const SQL_COLUMN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SCALARS: ReadonlySet<string> = new Set(SCALAR_NAMES);

/** Removes undefined members so that the canonical JSON (and the hash) does not depend on them. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || !GRAPHQL_NAME.test(name)) return `invalid GraphQL name ${JSON.stringify(name)}`;
  if (name.startsWith('__')) return `name "${name}" is reserved (starts with "__")`;
  return undefined;
}

function isTypeDefinition(value: unknown): value is TypeDefinition {
  const kind = (value as TypeDefinition | undefined)?.kind;
  return typeof value === 'object' && value !== null && (kind === 'enum' || kind === 'object' || kind === 'entity');
}

/** Compile state: the errors found so far and the types by name. */
class SchemaCompilation {
  readonly errors: string[] = [];
  readonly definitions = new Map<string, TypeDefinition>();

  constructor(private readonly definition: SchemaDefinition) {}

  run(): CompiledSchema {
    if (!this.definition || this.definition.kind !== 'schema') {
      this.fail(['the entry is not a schema definition (use defineSchema({ types, queries }))']);
    }
    this.collectTypes();
    const types = [...this.definitions.values()].map((d) => this.compileType(d));
    this.checkGeneratedNames(types);
    const queries = this.compileQueries(types);
    if (queries.length === 0) this.errors.push('schema has no queries (GraphQL needs at least one root field)');
    if (this.errors.length > 0) this.fail(this.errors);

    const sdl = generateSdl(types, queries);
    try {
      buildSchema(sdl);
    } catch (error) {
      this.fail([`generated SDL is not valid GraphQL: ${(error as Error).message}`]);
    }
    const body = { formatVersion: COMPILED_SCHEMA_FORMAT_VERSION, sdl, types, queries };
    return { formatVersion: body.formatVersion, hash: computeSchemaHash(body), sdl, types, queries };
  }

  private fail(errors: string[]): never {
    const list = errors.map((e) => `  - ${e}`).join('\n');
    throw new FraiseqlError('FRAISEQL_SCHEMA_COMPILE_FAILED', `Schema compilation failed with ${errors.length} error(s):\n${list}`, {
      details: { errors },
    });
  }

  /** Resolves a thunk or definition; strings stay names. */
  private dereference(ref: TypeReference, where: string): TypeDefinition | string | undefined {
    if (typeof ref === 'string') return ref;
    if (typeof ref === 'function') {
      try {
        const resolved = ref();
        if (isTypeDefinition(resolved)) return resolved;
        this.errors.push(`${where}: the type thunk did not return a type definition`);
      } catch (error) {
        this.errors.push(`${where}: the type thunk threw: ${(error as Error).message}`);
      }
      return undefined;
    }
    if (isTypeDefinition(ref)) return ref;
    this.errors.push(`${where}: not a type reference (give a type definition, a thunk or a type name)`);
    return undefined;
  }

  /** The listed types in order, then every type reached from them or from queries. */
  private collectTypes(): void {
    const queue: Array<{ value: unknown; where: string }> = (this.definition.types ?? []).map((value, i) => ({ value, where: `types[${i}]` }));
    (this.definition.queries ?? []).forEach((q, i) => {
      if (q && typeof q === 'object' && q.entity !== undefined) queue.push({ value: q.entity, where: `query "${q.name ?? i}"` });
    });
    for (let i = 0; i < queue.length; i++) {
      const { value, where } = queue[i];
      if (typeof value === 'string') continue;
      const def = this.dereference(value as TypeReference, where);
      if (def === undefined || typeof def === 'string') continue;
      const known = this.definitions.get(def.name);
      if (known === def) continue;
      if (known) {
        this.errors.push(`duplicate type name "${def.name}" (two different definitions)`);
        continue;
      }
      const problem = nameProblem(def.name);
      if (problem) {
        this.errors.push(`type ${JSON.stringify(def.name)}: ${problem}`);
        continue;
      }
      if (SCALARS.has(def.name) || (SHARED_TYPE_NAMES as readonly string[]).includes(def.name)) {
        this.errors.push(`type "${def.name}": the name is reserved`);
        continue;
      }
      this.definitions.set(def.name, def);
      if (def.kind !== 'enum') {
        for (const [fieldName, spec] of Object.entries(def.fields ?? {})) {
          const target = (spec?.item ?? spec)?.type;
          if (target?.kind === 'ref' && typeof target.target !== 'string') queue.push({ value: target.target, where: `${def.name}.${fieldName}` });
        }
      }
    }
  }

  private compileType(def: TypeDefinition): CompiledType {
    if (def.kind === 'enum') return this.compileEnum(def.name, def.values, def.description);
    const fields = Object.entries(def.fields ?? {}).map(([name, spec]) => this.compileField(def, name, spec));
    if (fields.length === 0) this.errors.push(`${def.name}: ${def.kind === 'entity' ? 'entity' : 'object type'} has no fields`);
    if (def.kind === 'object') return compact({ name: def.name, kind: 'object', description: def.description, fields });

    const id = fields.find((f) => f.name === 'id');
    if (!id) this.errors.push(`${def.name}: entity has no "id" field (add id: field.id())`);
    else if (id.type.list || id.type.nullable || id.type.kind !== 'scalar' || (id.type.name !== 'ID' && id.type.name !== 'UUID')) {
      this.errors.push(`${def.name}.id: the id field of an entity must be a non-null ID or UUID`);
    }
    if (typeof def.view !== 'string' || !SQL_RELATION.test(def.view)) {
      this.errors.push(`${def.name}: invalid view name ${JSON.stringify(def.view)} (a SQL identifier, optionally schema-qualified)`);
    }
    return compact({
      name: def.name,
      kind: 'entity',
      description: def.description,
      view: def.view,
      tenantScoped: def.tenantScoped !== false,
      fields,
    });
  }

  private compileEnum(name: string, values: readonly EnumValueSpec[], description?: string): CompiledType {
    const seen = new Set<string>();
    const compiled: CompiledEnumValue[] = [];
    if (!Array.isArray(values) || values.length === 0) this.errors.push(`${name}: enum has no values`);
    for (const value of values ?? []) {
      const problem = nameProblem(value.name) ?? (['true', 'false', 'null'].includes(value.name) ? `"${value.name}" cannot be an enum value` : undefined);
      if (problem) this.errors.push(`${name}: enum value ${problem}`);
      else if (seen.has(value.name)) this.errors.push(`${name}: duplicate enum value "${value.name}"`);
      seen.add(value.name);
      compiled.push(compact({ name: value.name, description: value.description, deprecationReason: value.deprecated }));
    }
    return compact({ name, kind: 'enum', description, fields: [], values: compiled });
  }

  private compileField(owner: TypeDefinition, name: string, spec: FieldSpec): CompiledField {
    const at = `${owner.name}.${name}`;
    const problem = nameProblem(name);
    if (problem) this.errors.push(`${at}: ${problem}`);
    else if (name.includes('__')) this.errors.push(`${at}: field names may not contain "__" (it separates nested sort paths)`);

    const item = spec?.item;
    if (item?.item) this.errors.push(`${at}: lists of lists are not supported`);
    const base = item ?? spec;
    const resolved = this.resolveFieldType(at, base?.type);
    const type: TypeRef = compact({
      kind: resolved.kind,
      name: resolved.name,
      nullable: spec?.nullable === true,
      list: item ? { itemNullable: item.nullable === true } : undefined,
    });

    const path = spec?.path ? [...spec.path] : [name];
    if (path.length === 0 || path.some((segment) => typeof segment !== 'string' || segment.length === 0)) {
      this.errors.push(`${at}: path must be a non-empty list of non-empty keys`);
    }

    const isValue = resolved.kind !== 'object' && !item;
    const defaultSortable = isValue && resolved.name !== 'JSON';
    if (spec?.sortable === true && !isValue) {
      this.errors.push(`${at}: only scalar and enum fields can be sortable (lists and objects cannot)`);
    }
    if (spec?.column !== undefined) {
      if (owner.kind !== 'entity') this.errors.push(`${at}: column "${spec.column}" is only allowed on root fields of an entity, not on object type ${owner.name}`);
      else if (!isValue) this.errors.push(`${at}: column "${spec.column}" is only allowed on scalar and enum fields`);
      if (typeof spec.column !== 'string' || !SQL_COLUMN.test(spec.column)) this.errors.push(`${at}: invalid column name ${JSON.stringify(spec.column)}`);
    }

    return compact({
      name,
      type,
      path,
      column: spec?.column,
      description: spec?.description,
      deprecationReason: spec?.deprecationReason,
      filterable: spec?.filterable ?? true,
      sortable: isValue ? (spec?.sortable ?? defaultSortable) : false,
    });
  }

  private resolveFieldType(at: string, type: FieldSpec['type'] | undefined): { kind: TypeRef['kind']; name: string } {
    if (!type) {
      this.errors.push(`${at}: not a field (build fields with field.*)`);
      return { kind: 'scalar', name: 'String' };
    }
    if (type.kind === 'scalar') {
      if (!SCALARS.has(type.name)) this.errors.push(`${at}: unknown scalar "${type.name}"`);
      return { kind: 'scalar', name: type.name };
    }
    const target = this.dereference(type.target, at);
    if (target === undefined) return { kind: 'scalar', name: 'String' };
    const name = typeof target === 'string' ? target : target.name;
    if (typeof target === 'string' && SCALARS.has(name) && type.expect === undefined) return { kind: 'scalar', name: name as ScalarName };
    const def = this.definitions.get(name);
    if (!def) {
      this.errors.push(`${at}: unknown type "${name}"`);
      return { kind: 'scalar', name: 'String' };
    }
    const kind = def.kind === 'enum' ? 'enum' : 'object';
    if (type.expect && type.expect !== kind) {
      this.errors.push(`${at}: field.${type.expect} needs ${type.expect === 'enum' ? 'an enum' : 'an object or entity type'}, but "${name}" is ${def.kind === 'enum' ? 'an enum' : `an ${def.kind}`}`);
    }
    return { kind, name };
  }

  /** An authored type may not take a name the compiler generates for another one. */
  private checkGeneratedNames(types: CompiledType[]): void {
    const generated = new Map<string, string>();
    for (const scalar of SCALAR_NAMES) {
      generated.set(filterName(scalar), `scalar ${scalar}`);
      generated.set(listFilterName(scalar), `scalar ${scalar}`);
    }
    for (const t of types) {
      const names = t.kind === 'enum'
        ? [filterName(t.name), listFilterName(t.name)]
        : [whereInputName(t.name), listFilterName(t.name)];
      if (t.kind === 'entity') names.push(sortFieldEnumName(t.name), orderByInputName(t.name), connectionTypeName(t.name), edgeTypeName(t.name));
      for (const n of names) if (!generated.has(n)) generated.set(n, t.name);
    }
    for (const t of types) {
      const origin = generated.get(t.name);
      if (origin) this.errors.push(`type "${t.name}": the name collides with a type generated for ${origin}`);
    }
  }

  private compileQueries(types: CompiledType[]): CompiledQuery[] {
    const byName = new Map(types.map((t) => [t.name, t]));
    const seen = new Set<string>();
    const queries: CompiledQuery[] = [];
    for (const [index, q] of (this.definition.queries ?? []).entries()) {
      const at = `query "${q?.name ?? index}"`;
      if (!q || !['list', 'connection', 'lookup'].includes(q.kind)) {
        this.errors.push(`queries[${index}]: not a query definition (use listQuery, connectionQuery or lookupQuery)`);
        continue;
      }
      const problem = nameProblem(q.name);
      if (problem) this.errors.push(`${at}: ${problem}`);
      else if (seen.has(q.name)) this.errors.push(`${at}: duplicate query name`);
      seen.add(q.name);

      const target = q.entity === undefined ? undefined : this.dereference(q.entity, at);
      const typeName = typeof target === 'string' ? target : target?.name;
      const type = typeName === undefined ? undefined : byName.get(typeName);
      if (typeName === undefined) this.errors.push(`${at}: no entity given`);
      else if (!type) this.errors.push(`${at}: unknown type "${typeName}"`);
      else if (type.kind !== 'entity') this.errors.push(`${at}: "${typeName}" is ${type.kind === 'enum' ? 'an enum' : 'an object type'}, not an entity (queries read entities)`);
      if (!type || type.kind !== 'entity') continue;
      queries.push(this.compileQuery(q, type, byName, at));
    }
    return queries;
  }

  private compileQuery(q: QueryDefinition, entity: CompiledType, byName: Map<string, CompiledType>, at: string): CompiledQuery {
    const options = q.options ?? {};
    const common = { name: q.name, kind: q.kind, type: entity.name, view: entity.view as string, description: options.description, deprecationReason: options.deprecated };
    if (q.kind === 'lookup') {
      const id = entity.fields.find((f) => f.name === 'id');
      const idType = id?.type.kind === 'scalar' && id.type.name === 'UUID' ? 'UUID' : 'ID';
      return compact({ ...common, arguments: [{ name: 'id', type: `${idType}!`, description: `The ${entity.name}'s id.` }], defaultOrderBy: [], defaultLimit: 1, maxLimit: 1 });
    }
    const defaultLimit = options.defaultLimit ?? DEFAULT_LIMIT;
    const maxLimit = options.maxLimit ?? Math.max(DEFAULT_MAX_LIMIT, defaultLimit);
    if (!Number.isInteger(defaultLimit) || defaultLimit < 1) this.errors.push(`${at}: defaultLimit must be a positive integer (got ${defaultLimit})`);
    if (!Number.isInteger(maxLimit) || maxLimit < 1) this.errors.push(`${at}: maxLimit must be a positive integer (got ${maxLimit})`);
    else if (maxLimit < defaultLimit) this.errors.push(`${at}: maxLimit (${maxLimit}) is smaller than defaultLimit (${defaultLimit})`);

    const sortable = new Set(listSortFields(byName, entity.name).map((s) => s.name));
    const defaultOrderBy: CompiledOrderKey[] = [];
    for (const key of options.defaultOrderBy ?? []) {
      const { field, direction = 'ASC' } = typeof key === 'string' ? { field: key } : key;
      if (!sortable.has(field)) this.errors.push(`${at}: defaultOrderBy field "${field}" is not a sortable field of ${entity.name}`);
      if (direction !== 'ASC' && direction !== 'DESC') this.errors.push(`${at}: defaultOrderBy direction must be ASC or DESC (got ${JSON.stringify(direction)})`);
      defaultOrderBy.push({ field, direction });
    }

    const where: CompiledArgument = { name: 'where', type: whereInputName(entity.name), description: `Only ${entity.name} matching these conditions.` };
    const orderBy: CompiledArgument = { name: 'orderBy', type: `[${orderByInputName(entity.name)}!]`, description: 'Ordering keys, most significant first; id is always the final tie-breaker.' };
    const page = `default ${defaultLimit}, at most ${maxLimit}`;
    const args: CompiledArgument[] = q.kind === 'list'
      ? [where, orderBy,
        { name: 'limit', type: 'Int', description: `Maximum number of items (${page}).` },
        { name: 'offset', type: 'Int', description: 'Number of items to skip.' }]
      : [where, orderBy,
        { name: 'first', type: 'Int', description: `Items after the cursor \`after\` (${page}).` },
        { name: 'after', type: 'String', description: 'Cursor of the edge to start after.' },
        { name: 'last', type: 'Int', description: `Items before the cursor \`before\` (${page}).` },
        { name: 'before', type: 'String', description: 'Cursor of the edge to end before.' }];
    return compact({ ...common, arguments: args, defaultOrderBy, defaultLimit, maxLimit });
  }
}

/**
 * Compiles an authored schema into the format the services read. Deterministic: the same
 * definition gives byte-identical JSON. Throws FRAISEQL_SCHEMA_COMPILE_FAILED listing every
 * problem found (each names the type and field), not just the first.
 */
export function compileSchema(definition: SchemaDefinition): CompiledSchema {
  return new SchemaCompilation(definition).run();
}
