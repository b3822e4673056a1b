import type { DatasetColumnType, ScalarName, SchemaAdminOptions } from './compiled-schema';
import type { ObserverAction } from '@fraiseql/observer-rules';
import type { RetryPolicy } from '@fraiseql/service-kit';

/**
 * The authoring model: plain data produced by the builder functions (`field`, `enumType`,
 * `objectType`, `entity`, the query builders and `defineSchema`) and read only by
 * `compileSchema`. Nothing here runs at service time.
 */

/** A type named by its definition, by a thunk (for cycles and forward references) or by name. */
export type TypeReference = TypeDefinition | InputTypeDefinition | (() => TypeDefinition | InputTypeDefinition) | string;

export type FieldTypeSpec =
  | { kind: 'scalar'; name: ScalarName }
  /** `expect` is set by `field.enum` / `field.object` so that a reference to the wrong kind is reported. */
  | { kind: 'ref'; target: TypeReference; expect?: 'enum' | 'object' };

/**
 * Who may read a type, field, query, mutation, subscription or dataset (docs/adr/0136-authorization-in-the-plan.md):
 * a caller holding ANY of the listed roles, or ANY of the listed OAuth scopes (a scope `s` is the role `scope:s`).
 * Rules on different levels (a query and its entity type, a field and the type it reaches) all apply.
 */
export interface AccessOptions {
  requiresRole?: readonly string[];
  requiresScope?: readonly string[];
}

/** What a caller lacking a field's rule gets: `refuse` (FRAISEQL_FORBIDDEN naming the field path) or `mask` (the value is null). */
export type OnDenied = 'refuse' | 'mask';

export interface FieldOptions extends AccessOptions {
  /**
   * A caller lacking the field's rule (or the rule of the type the field reaches): `refuse` (default) fails the
   * field with FRAISEQL_FORBIDDEN before any SQL runs; `mask` selects NULL in its place (the field must be nullable).
   */
  onDenied?: OnDenied;
  /** Whether the field may be null (default false: fields are non-null). */
  nullable?: boolean;
  description?: string;
  /** Marks the field `@deprecated(reason: ...)`. */
  deprecated?: string;
  /** JSON path of the value inside the parent's JSON (default `[fieldName]`). */
  path?: string[];
  /** A typed column of the entity's view with the same value (root entity scalar/enum fields only). */
  column?: string;
  /** Appears in `<Type>WhereInput` (default true). */
  filterable?: boolean;
  /** Appears in `<Type>SortField` (default true for scalars and enums; never for lists and objects). */
  sortable?: boolean;
  /** Cost weight of one selection of the field (default 1), multiplied by enclosing list sizes (docs/adr/0134-*.md). */
  cost?: number;
}

export interface FieldSpec {
  readonly type: FieldTypeSpec;
  readonly nullable: boolean;
  /** Present on list fields: the item's spec (its `nullable` is the item nullability). */
  readonly item?: FieldSpec;
  readonly description?: string;
  readonly deprecationReason?: string;
  readonly path?: readonly string[];
  readonly column?: string;
  readonly filterable?: boolean;
  readonly sortable?: boolean;
  readonly cost?: number;
  readonly requiresRole?: readonly string[];
  readonly requiresScope?: readonly string[];
  readonly onDenied?: OnDenied;
}

export type FieldMap = Readonly<Record<string, FieldSpec>>;

export interface EnumValueSpec {
  name: string;
  description?: string;
  deprecated?: string;
}

export interface EnumTypeDefinition {
  readonly kind: 'enum';
  readonly name: string;
  readonly description?: string;
  readonly values: readonly EnumValueSpec[];
}

export interface ObjectTypeDefinition {
  readonly kind: 'object';
  readonly name: string;
  readonly description?: string;
  readonly fields: FieldMap;
  /** A result of native fields only (the admin surfaces set it): no `<Type>WhereInput`. */
  readonly native?: true;
  readonly requiresRole?: readonly string[];
  readonly requiresScope?: readonly string[];
}

/** Change capture of an entity, as authored; unset members take the defaults of `entity()`'s `capture` option. */
export interface CaptureSpec {
  /** Base table (default `tb_<snake_case name>`). */
  table?: string;
  /** Column holding the entity id (default `id`). */
  idColumn?: string;
  /** Column holding the tenant (default `org_id` for tenant-scoped entities; none otherwise). */
  orgColumn?: string;
  /** Tables whose rows belong to one entity (`{ table: 'tb_order_item', parentIdColumn: 'order_id' }`). */
  children?: ReadonlyArray<{ table: string; parentIdColumn: string }>;
  /** Whether UPDATE events carry the entity as it was before (default false). */
  preImages?: boolean;
}

export interface EntityDefinition {
  readonly kind: 'entity';
  readonly name: string;
  readonly description?: string;
  readonly view: string;
  readonly tenantScoped: boolean;
  readonly fields: FieldMap;
  /** Present when writes to the entity's tables are captured into the change log. */
  readonly capture?: CaptureSpec;
  /** Type-level rule: applies to every query, relation, subscription, event history and mutation result reaching the entity. */
  readonly requiresRole?: readonly string[];
  readonly requiresScope?: readonly string[];
}

export type TypeDefinition = EnumTypeDefinition | ObjectTypeDefinition | EntityDefinition;

/**
 * A GraphQL input object type. Its fields are built with `field.*` (`field.object` names another
 * input type, `field.enum` an enum); `path`, `column`, `filterable` and `sortable` do not apply.
 */
export interface InputTypeDefinition {
  readonly kind: 'input';
  readonly name: string;
  readonly description?: string;
  readonly fields: FieldMap;
}

/** An input type by definition, by thunk (for recursive inputs) or by name. */
export type InputTypeReference = InputTypeDefinition | (() => InputTypeDefinition) | string;

export interface MutationOptions extends AccessOptions {
  /** The PostgreSQL function run (default `fn_<snake_case name>`), optionally schema-qualified. */
  function?: string;
  /**
   * The `input` argument's type: an input type, or its fields (the type is then named
   * `<PascalCase name>Input`, e.g. `CreateOrderInput`).
   */
  input: InputTypeReference | FieldMap;
  /** The entity the mutation returns on success. */
  entity: TypeReference;
  /** Name of the success type's field holding the entity (default: the entity name in camelCase, `order`). */
  entityField?: string;
  description?: string;
  deprecated?: string;
}

export interface MutationDefinition {
  readonly kind: 'mutation';
  readonly name: string;
  readonly options: MutationOptions;
}

export interface SubscriptionOptions extends AccessOptions {
  description?: string;
  deprecated?: string;
}

export interface SubscriptionDefinition {
  readonly kind: 'subscription';
  readonly name: string;
  /** The entity whose change events the subscription delivers. */
  readonly entity: TypeReference;
  readonly options: SubscriptionOptions;
}

export type OrderKeySpec = string | { field: string; direction?: 'ASC' | 'DESC' };

export interface QueryOptions extends AccessOptions {
  description?: string;
  deprecated?: string;
  /** Order used when the caller gives none; field names are sort-field names (`customer__email`). */
  defaultOrderBy?: OrderKeySpec[];
  /** Page size when the caller gives none (default 20). */
  defaultLimit?: number;
  /** Largest page a caller may ask for (default 100). */
  maxLimit?: number;
  /** Cost weight of the root field itself (default 1): raise it for expensive views (docs/adr/0134-trusted-documents-and-limits.md). */
  cost?: number;
  /**
   * Only callers holding one of these roles may read the query (others get FRAISEQL_FORBIDDEN); default: any caller.
   * The same as `requiresRole` (kept for schemas written before it; both lists are merged).
   */
  roles?: readonly string[];
}

export interface QueryDefinition {
  readonly kind: 'list' | 'connection' | 'lookup';
  readonly name: string;
  readonly entity: TypeReference;
  readonly options: QueryOptions;
}

export interface ColumnOptions extends AccessOptions {
  /** A caller lacking the column's rule: `refuse` (default, FRAISEQL_FORBIDDEN) or `mask` (NULL; the column must be nullable). */
  onDenied?: OnDenied;
  /** Whether the column may hold NULL (default true, as in SQL). */
  nullable?: boolean;
  description?: string;
}

/** A dataset column as built by `column.*`; `list` items keep their type, precision and scale. */
export interface DatasetColumnSpec {
  readonly kind: 'datasetColumn';
  readonly type: DatasetColumnType;
  readonly array: boolean;
  readonly nullable: boolean;
  readonly precision?: number;
  readonly scale?: number;
  readonly description?: string;
  /** list columns: the item as built (the compiler refuses an item that is itself a list). */
  readonly item?: DatasetColumnSpec;
  readonly requiresRole?: readonly string[];
  readonly requiresScope?: readonly string[];
  readonly onDenied?: OnDenied;
}

export type DatasetColumnMap = Readonly<Record<string, DatasetColumnSpec>>;

export interface DatasetDefinition {
  readonly kind: 'dataset';
  /** `va_*` (a view) or `ta_*` (a table). */
  readonly name: string;
  readonly description?: string;
  readonly tenantScoped: boolean;
  /** As authored; the compiler defaults it to `org_id` for tenant-scoped datasets. */
  readonly orgColumn?: string;
  /** As authored; the compiler defaults it to `id` when such a column is declared. */
  readonly partitionColumn?: string;
  readonly refreshFrom?: string;
  /** In declared order: the relation's column order and the Arrow schema's field order. */
  readonly columns: DatasetColumnMap;
  readonly requiresRole?: readonly string[];
  readonly requiresScope?: readonly string[];
}

export interface ObserverOptions {
  /** The entity watched: its definition, a thunk or its name. */
  entity: TypeReference;
  /** Event types: `INSERT`, `UPDATE`, `DELETE` (or custom names the entity emits). */
  on: readonly string[];
  /** A CEL condition over the event (docs/observers.md): `"changed_to('status', 'SHIPPED')"`. */
  when?: string;
  /** What to do when the rule fires; templates and references are checked at compile time. */
  actions: readonly ObserverAction[];
  description?: string;
  retryPolicy?: RetryPolicy;
  timeoutMs?: number;
  /** Default true. */
  enabled?: boolean;
}

export interface ObserverDefinition {
  readonly kind: 'observer';
  readonly name: string;
  readonly options: ObserverOptions;
}

export interface SchemaDefinition {
  readonly kind: 'schema';
  /** Types to compile; types reachable from these (by definition or thunk) are added automatically. */
  readonly types: readonly TypeDefinition[];
  readonly queries: readonly QueryDefinition[];
  /** Mutations (absent in definitions made before issue 3). */
  readonly mutations?: readonly MutationDefinition[];
  /** Subscriptions to entity changes (absent in definitions made before them). */
  readonly subscriptions?: readonly SubscriptionDefinition[];
  /** Arrow Flight datasets (absent in definitions made before issue 4). */
  readonly datasets?: readonly DatasetDefinition[];
  /** Observer rules (absent in definitions made before issue 9). */
  readonly observers?: readonly ObserverDefinition[];
  /** Framework surfaces added by the compiler (docs/adr/0104-admin-observer-api.md); absent: none. */
  readonly admin?: SchemaAdminOptions;
}
