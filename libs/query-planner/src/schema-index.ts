import {
  SCALAR_SQL_TYPE,
  type CompiledField,
  type CompiledMutation,
  type CompiledQuery,
  type CompiledSchema,
  type CompiledType,
  type ScalarName,
} from '@fraiseql/schema';
import { jsonbAt, quoteIdent, quoteRelation, textAt } from './sql-text';

/** Where a value is read from: the row alias (root entity fields only) and the JSON it lives in. */
export interface ValueScope {
  /** Alias of the view row (`t`), or null inside a JSON array element. */
  row: string | null;
  /** The jsonb expression holding the object (`t.data`, `e1.v`). */
  data: string;
}

/** A filterable or sortable value of an entity: a typed view column or a path inside data. */
export interface ValueTarget {
  /** JSON path from the scope's data. */
  path: string[];
  /** Typed view column (root entity fields only). */
  column?: string;
  /** The entity's own id: read from the view's `id uuid` column. */
  entityId: boolean;
  /** The cast used for comparisons (`numeric`, `timestamptz`, `text` for enums, `uuid` for ids). */
  sqlType: string;
  /** Scalar name, or null for enums. */
  scalar: ScalarName | null;
  nullable: boolean;
}

function sqlTypeOf(field: CompiledField): string {
  return field.type.kind === 'enum' ? 'text' : (SCALAR_SQL_TYPE[field.type.name as ScalarName] ?? 'text');
}

/** The value as its SQL type (`t."total"`, `(t.data->>'stock')::bigint`). */
export function typedValue(target: ValueTarget, scope: ValueScope): string {
  if (scope.row !== null) {
    if (target.entityId) return `${scope.row}.id`;
    if (target.column !== undefined) return `${scope.row}.${quoteIdent(target.column)}`;
  }
  if (target.sqlType === 'jsonb') return `nullif(${jsonbAt(scope.data, target.path)}, 'null'::jsonb)`;
  const text = textAt(scope.data, target.path);
  return target.sqlType === 'text' ? `(${text})` : `(${text})::${target.sqlType}`;
}

/** The value as text, for LIKE and its friends. */
export function textValue(target: ValueTarget, scope: ValueScope): string {
  if (scope.row !== null && (target.entityId || target.column !== undefined)) {
    const typed = typedValue(target, scope);
    return target.sqlType === 'text' ? typed : `${typed}::text`;
  }
  return `(${textAt(scope.data, target.path)})`;
}

/** The raw jsonb (lists, objects). */
export function jsonbValue(target: ValueTarget, scope: ValueScope): string {
  return `nullif(${jsonbAt(scope.data, target.path)}, 'null'::jsonb)`;
}

export interface SortKeyTarget extends ValueTarget {
  /** The `<Type>SortField` value (`customer__email`). */
  name: string;
}

/** The compiled schema, indexed for the planner's lookups. */
export class SchemaIndex {
  private readonly types = new Map<string, CompiledType>();
  private readonly fields = new Map<string, Map<string, CompiledField>>();
  private readonly queries = new Map<string, CompiledQuery>();
  private readonly mutations = new Map<string, CompiledMutation>();
  private readonly sortKeys = new Map<string, SortKeyTarget | null>();
  private readonly views = new Map<string, string>();

  constructor(readonly compiled: CompiledSchema) {
    for (const type of compiled.types) {
      this.types.set(type.name, type);
      this.fields.set(type.name, new Map(type.fields.map((f) => [f.name, f])));
    }
    for (const query of compiled.queries) this.queries.set(query.name, query);
    // Schemas compiled before mutations existed have none (and, built by hand, may lack the member).
    for (const mutation of compiled.mutations ?? []) this.mutations.set(mutation.name, mutation);
  }

  mutation(name: string): CompiledMutation | undefined {
    return this.mutations.get(name);
  }

  type(name: string): CompiledType | undefined {
    return this.types.get(name);
  }

  field(typeName: string, fieldName: string): CompiledField | undefined {
    return this.fields.get(typeName)?.get(fieldName);
  }

  query(name: string): CompiledQuery | undefined {
    return this.queries.get(name);
  }

  /** The quoted view of a query. */
  view(query: CompiledQuery): string {
    let quoted = this.views.get(query.view);
    if (quoted === undefined) {
      quoted = quoteRelation(query.view);
      this.views.set(query.view, quoted);
    }
    return quoted;
  }

  isTenantScoped(entityName: string): boolean {
    return this.types.get(entityName)?.tenantScoped !== false;
  }

  /**
   * A value target for a field reached through `prefix` (nested objects). `entityName` is
   * the entity whose view row is in scope, or null inside a JSON array element.
   */
  target(entityName: string | null, prefix: readonly CompiledField[], field: CompiledField): ValueTarget {
    const atRoot = prefix.length === 0 && entityName !== null;
    const entityId = atRoot && field.name === 'id' && this.types.get(entityName)?.kind === 'entity';
    const path = [...prefix.flatMap((f) => f.path), ...field.path];
    const target: ValueTarget = {
      path,
      entityId,
      sqlType: entityId ? 'uuid' : sqlTypeOf(field),
      scalar: field.type.kind === 'scalar' ? (field.type.name as ScalarName) : null,
      nullable: field.type.nullable || prefix.some((f) => f.type.nullable),
    };
    if (atRoot && field.column !== undefined && !entityId) target.column = field.column;
    return target;
  }

  /** Resolves a `<Type>SortField` value (`customer__email`) to its value; null when unknown. */
  sortKey(entityName: string, name: string): SortKeyTarget | null {
    const cacheKey = `${entityName}.${name}`;
    const cached = this.sortKeys.get(cacheKey);
    if (cached !== undefined) return cached;
    let result: SortKeyTarget | null = null;
    const parts = name.split('__');
    const prefix: CompiledField[] = [];
    let typeName = entityName;
    for (let i = 0; i < parts.length; i++) {
      const f = this.field(typeName, parts[i]);
      if (!f || f.type.list) break;
      if (i === parts.length - 1) {
        if (f.type.kind !== 'object') result = { name, ...this.target(entityName, prefix, f) };
        break;
      }
      if (f.type.kind !== 'object') break;
      prefix.push(f);
      typeName = f.type.name;
    }
    this.sortKeys.set(cacheKey, result);
    return result;
  }
}

const sharedIndexes = new WeakMap<CompiledSchema, SchemaIndex>();

/** One SchemaIndex per compiled schema, shared by the per-subscription compilers. */
export function schemaIndexOf(compiled: CompiledSchema): SchemaIndex {
  let index = sharedIndexes.get(compiled);
  if (!index) {
    index = new SchemaIndex(compiled);
    sharedIndexes.set(compiled, index);
  }
  return index;
}
