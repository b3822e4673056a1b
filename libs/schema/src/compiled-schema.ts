import type { ObserverRule } from '@fraiseql/observer-rules';

/**
 * The shape of `schema.compiled.json` (format version 1): everything the services need
 * at run time, planned ahead by `fraiseql compile`. The query planner, gateway and
 * executor read only this; none of them reads the authoring API.
 *
 * Conventions the planner relies on:
 * - An entity is read from its view (`v_<entity>`), which exposes `id uuid`, `org_id uuid`
 *   (when tenant-scoped) and `data jsonb`, plus optional typed columns named by
 *   `CompiledField.column` (used for filters and ordering so that indexes apply).
 * - A field's value lives at `path` inside its parent object's JSON (for root entity
 *   fields, inside `data`).
 */

export const COMPILED_SCHEMA_FORMAT_VERSION = 1 as const;

/** Built-in and custom scalars the compiler knows; each maps to one SQL cast. */
export type ScalarName = 'ID' | 'String' | 'Int' | 'Float' | 'Boolean' | 'DateTime' | 'Date' | 'UUID' | 'JSON' | 'Decimal';

export const SCALAR_NAMES: readonly ScalarName[] = [
  'ID',
  'String',
  'Int',
  'Float',
  'Boolean',
  'DateTime',
  'Date',
  'UUID',
  'JSON',
  'Decimal',
];

/** The PostgreSQL type a scalar is cast to when it is filtered or ordered on. */
export const SCALAR_SQL_TYPE: Readonly<Record<ScalarName, string>> = {
  ID: 'text',
  String: 'text',
  Int: 'bigint',
  Float: 'double precision',
  Boolean: 'boolean',
  DateTime: 'timestamptz',
  Date: 'date',
  UUID: 'uuid',
  JSON: 'jsonb',
  Decimal: 'numeric',
};

export interface TypeRef {
  /** `scalar`, `enum` (values are strings in JSON) or `object` (a CompiledType of kind object or entity). */
  kind: 'scalar' | 'enum' | 'object';
  /** Scalar name, enum type name or object type name. */
  name: string;
  /** Whether the field itself may be null. */
  nullable: boolean;
  /** Present when the field is a list; describes the list's items. */
  list?: { itemNullable: boolean };
}

export interface CompiledField {
  name: string;
  type: TypeRef;
  /** JSON path of the value inside the parent object (for entity fields: inside `data`). */
  path: string[];
  /** A typed column of the entity's view holding the same value (root entity fields only). */
  column?: string;
  description?: string;
  deprecationReason?: string;
  /** Whether the field appears in `<Type>WhereInput`. */
  filterable: boolean;
  /** Whether the field appears in `<Type>SortField` (scalars and enums only). */
  sortable: boolean;
  /** Cost weight of one selection (query cost, docs/adr/0134-trusted-documents-and-limits.md); absent = 1. */
  cost?: number;
  /**
   * Present: only a caller holding one of these roles may read the field (scopes as `scope:<s>`,
   * docs/adr/0136-authorization-in-the-plan.md), filter or order by it. Absent (and out of the hash): no field-level rule.
   */
  roles?: string[];
  /**
   * `mask`: a caller lacking the field's rule, or the rule of the type it reaches, reads null (the planned SQL selects NULL
   * in its place; the field is nullable). Absent: such a caller is refused with FRAISEQL_FORBIDDEN naming the field path.
   */
  onDenied?: 'mask';
}

export interface CompiledEnumValue {
  name: string;
  description?: string;
  deprecationReason?: string;
}

export interface CompiledType {
  name: string;
  /** `entity`: has a view and an id; `object`: a shape nested in an entity's data; `enum`. */
  kind: 'entity' | 'object' | 'enum';
  description?: string;
  /** entity only: the view read for GraphQL (`v_<entity>`). */
  view?: string;
  /** entity only: when true, every read is filtered by `org_id` = the caller's org. */
  tenantScoped?: boolean;
  /** entity and object: fields in declaration order (the GraphQL field order). */
  fields: CompiledField[];
  /** enum only. */
  values?: CompiledEnumValue[];
  /** entity only: how writes to its base tables are captured into the change log (issue 3). */
  capture?: CompiledCapture;
  /**
   * object only: a result of native fields (`CompiledNativeField`), built by a service resolver, never read from SQL,
   * so it has no `<Type>WhereInput`. Absent (and out of the hash) otherwise.
   */
  native?: true;
  /**
   * entity and object: a type-level rule (docs/adr/0136-authorization-in-the-plan.md): only a caller holding one of these
   * roles reads the type, through any query, relation, mutation result, subscription or event history. Absent: no rule.
   */
  roles?: string[];
}

/**
 * Change capture of an entity: triggers on `table` (and on each child table, whose rows belong
 * to one parent entity) record one change-log event per entity per transaction.
 */
export interface CompiledCapture {
  /** Base table holding the entity's rows (`tb_order`). */
  table: string;
  /** Column of `table` holding the entity id (`id`). */
  idColumn: string;
  /** Column of `table` holding the tenant (`org_id`); absent for entities that are not tenant-scoped. */
  orgColumn?: string;
  /** Whether UPDATE events carry the entity as it was before (`before`). */
  preImages: boolean;
  /** Tables whose rows are part of the entity (`tb_order_item` via `order_id`): a change there is an UPDATE of the parent. */
  children: Array<{ table: string; parentIdColumn: string }>;
}

export type CompiledQueryKind = 'list' | 'connection' | 'lookup';

export interface CompiledArgument {
  name: string;
  /** The GraphQL type of the argument, as SDL (`OrderWhereInput`, `[OrderOrderBy!]`, `ID!`). */
  type: string;
  description?: string;
}

export interface CompiledOrderKey {
  field: string;
  direction: 'ASC' | 'DESC';
}

export interface CompiledQuery {
  /** Root field name (`orders`, `ordersConnection`, `order`). */
  name: string;
  kind: CompiledQueryKind;
  /** Entity type name. */
  type: string;
  /** View read (copied from the entity, so the planner needs no lookup). */
  view: string;
  description?: string;
  deprecationReason?: string;
  arguments: CompiledArgument[];
  /** Order used when the caller gives none (the planner always appends `id` as tie-breaker). */
  defaultOrderBy: CompiledOrderKey[];
  /** Page size used when the caller gives no limit/first/last. */
  defaultLimit: number;
  /** Largest page a caller may ask for; larger requests are refused with FRAISEQL_PAGE_TOO_LARGE. */
  maxLimit: number;
  /** Cost weight of the root field (query cost, docs/adr/0134-trusted-documents-and-limits.md); absent = 1. */
  cost?: number;
  /**
   * Present: only a caller holding one of these roles may read the query (others get FRAISEQL_FORBIDDEN
   * for the field). Absent: any caller of the org (the view and row-level security decide).
   */
  roles?: string[];
}

/** The type of an input field: a scalar, an enum or another input type. */
export interface InputTypeRef {
  kind: 'scalar' | 'enum' | 'input';
  /** Scalar name, enum type name or input type name. */
  name: string;
  /** Whether the field may be null or left out. */
  nullable: boolean;
  /** Present when the field is a list; describes the list's items. */
  list?: { itemNullable: boolean };
}

export interface CompiledInputField {
  /** The JSON key of the value in the mutation function's `input` (the GraphQL field name). */
  name: string;
  type: InputTypeRef;
  description?: string;
}

/** A GraphQL input object type (`input CreateOrderInput { ... }`), validated by graphql-js before any SQL runs. */
export interface CompiledInputType {
  name: string;
  description?: string;
  fields: CompiledInputField[];
}

/**
 * A mutation root field: `<name>(input: <inputType>!): <resultType>!`, with
 * `union <resultType> = <successType> | MutationError` and
 * `type <successType> { <entityField>: <entityType>!, message: String! }`.
 * It runs `<function>(input jsonb, ctx jsonb)`, which returns one `fraiseql.mutation_response`
 * row (docs/architecture.md, "PostgreSQL conventions"; docs/adr/0082-mutations.md).
 */
export interface CompiledMutation {
  /** Root field name (`createOrder`). */
  name: string;
  /** The PostgreSQL function, optionally schema-qualified (`fn_create_order`). */
  function: string;
  /** The input type of the `input` argument (`CreateOrderInput`). */
  inputType: string;
  /** The entity the mutation returns (`Order`). */
  entityType: string;
  /** The field of the success type holding the entity (`order`). */
  entityField: string;
  /** `CreateOrderSuccess`. */
  successType: string;
  /** `CreateOrderResult`. */
  resultType: string;
  description?: string;
  deprecationReason?: string;
  /** Present: only a caller holding one of these roles may run it (others get FRAISEQL_FORBIDDEN before the function runs). */
  roles?: string[];
}

/**
 * A subscription root field over an entity's change events (docs/adr/0083-subscriptions.md):
 * `<name>(where: <Entity>WhereInput, operations: [ChangeOperation!]): <changeType>!`, with
 * `type <changeType> { operation: ChangeOperation!, eventId: ID!, timestamp: DateTime!,
 * changedFields: [String!]!, <entityField>: <Entity>!, before: <Entity> }`.
 */
export interface CompiledSubscription {
  /** Root field name (`orderChanged`). */
  name: string;
  /** The entity whose events are delivered (`Order`). */
  entityType: string;
  /** The generated change type (`OrderChange`), one per entity. */
  changeType: string;
  /** The change type's field holding the entity (`order`): the event's `data`. */
  entityField: string;
  description?: string;
  deprecationReason?: string;
  /** Present: only a caller holding one of these roles may subscribe (the entity's type rule applies too). */
  roles?: string[];
}

/**
 * A root field the query-executor resolves itself instead of planning it into SQL, because its data does
 * not live in PostgreSQL (docs/adr/0105-admin-dead-letters-native-fields.md): the planner checks the caller
 * (an org, and one of `roles`) and coerces the arguments; the executor calls the resolver named `resolver`
 * with them and the caller, and the value is shaped to the selection set by graphql-js.
 */
export interface CompiledNativeField {
  /** Root field name (`deadLetters`). */
  name: string;
  /**
   * The root type it belongs to. A `subscription` field is served by the gateway (it opens the feed), the others by the
   * query-executor.
   */
  operation: 'query' | 'mutation' | 'subscription';
  /** The resolver the query-executor dispatches to (`deadLetters.list`); without it: FRAISEQL_OPERATION_NOT_SUPPORTED. */
  resolver: string;
  arguments: CompiledArgument[];
  /** The result type, as SDL (`[DeadLetter!]!`). */
  type: string;
  /** Present: only a caller holding one of these roles (others get FRAISEQL_FORBIDDEN for the field). */
  roles?: string[];
  description?: string;
}

/** The operations a subscription can deliver (events of custom types are not delivered). */
export const CHANGE_OPERATIONS = ['INSERT', 'UPDATE', 'DELETE'] as const;
export type ChangeOperation = (typeof CHANGE_OPERATIONS)[number];

/** The error classes of `fraiseql.mutation_response.error_class`, as GraphQL enum values (`validation` → `VALIDATION`). */
export const MUTATION_ERROR_CLASSES = [
  'VALIDATION',
  'CONFLICT',
  'NOT_FOUND',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'TIMEOUT',
  'INTERNAL',
] as const;
export type MutationErrorClass = (typeof MUTATION_ERROR_CLASSES)[number];

/** PostgreSQL types a dataset column may have (`column.*`); arrays are `array: true` of one of them. */
export type DatasetColumnType =
  | 'int2'
  | 'int4'
  | 'int8'
  | 'float4'
  | 'float8'
  | 'numeric'
  | 'text'
  | 'varchar'
  | 'bool'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'uuid'
  | 'jsonb'
  | 'json'
  | 'bytea';

export const DATASET_COLUMN_TYPES: readonly DatasetColumnType[] = [
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
];

/** Largest precision PostgreSQL accepts in `numeric(p, s)`. */
export const NUMERIC_MAX_PRECISION = 1000;

/** One column of a dataset, in the relation's column order (= the Arrow schema's field order). */
export interface CompiledDatasetColumn {
  /** The column name, also the Arrow field name (`^[a-z_][a-z0-9_]{0,62}$`). */
  name: string;
  type: DatasetColumnType;
  /** A one-dimensional array of `type` (`text[]`). */
  array: boolean;
  nullable: boolean;
  /** numeric only, both or neither: `numeric(precision, scale)`; neither = unconstrained numeric. */
  precision?: number;
  scale?: number;
  description?: string;
  /** Present: only a caller holding one of these roles reads, filters or orders by the column (ADR 0136). */
  roles?: string[];
  /** `mask`: a caller lacking `roles` reads NULL in its place (the column is nullable); absent: refused (FRAISEQL_FORBIDDEN). */
  onDenied?: 'mask';
}

/**
 * A relation served over Arrow Flight with typed columns (issue 4, docs/flight.md): a view
 * `va_<name>` read as it is, or a table `ta_<name>` that Flight writes (DoPut) or refreshes
 * from a view (`refreshFrom`). The relation lives in the database's default schema.
 */
export interface CompiledDataset {
  /** `va_*` (kind view) or `ta_*` (kind table). */
  name: string;
  kind: 'view' | 'table';
  description?: string;
  /** When true, every read and write is restricted to the caller's org through `orgColumn`. */
  tenantScoped: boolean;
  /** A declared uuid column; present iff tenantScoped. */
  orgColumn?: string;
  /** A declared column that export partitions hash (default `id` when declared). */
  partitionColumn?: string;
  /** Tables only: the `va_*` dataset the table is refreshed from; it has every column of this one, same types. */
  refreshFrom?: string;
  columns: CompiledDatasetColumn[];
  /** Present: only a caller holding one of these roles lists, describes or reads the dataset (others do not see it). */
  roles?: string[];
}

export interface CompiledSchema {
  formatVersion: typeof COMPILED_SCHEMA_FORMAT_VERSION;
  /** sha256 (hex) of the canonical JSON of every other member: the schema version. */
  hash: string;
  /** The GraphQL SDL generated from types, queries and mutations (where/orderBy inputs, connections, results, scalars). */
  sdl: string;
  types: CompiledType[];
  queries: CompiledQuery[];
  /**
   * Input types of the mutations (issue 3). Additive: a schema compiled before has none, and the
   * file and the hash leave the member out while it is empty, so such a schema keeps its hash.
   */
  inputTypes: CompiledInputType[];
  /** Mutation root fields (issue 3); empty when the schema declares none (same rule as inputTypes). */
  mutations: CompiledMutation[];
  /** Subscription root fields (issue 3); empty when the schema declares none (same rule as inputTypes). */
  subscriptions: CompiledSubscription[];
  /** Arrow Flight datasets (issue 4), in declared order; not part of the SDL (same additive rule as inputTypes). */
  datasets: CompiledDataset[];
  /**
   * Observer rules declared with the schema (issue 9, docs/observers.md), in declared order, each a
   * valid `ObserverRule` with `orgId: null`; not part of the SDL (same additive rule as inputTypes).
   */
  observers: ObserverRule[];
  /** Root fields resolved by the query-executor itself, in declared order (same additive rule as inputTypes). */
  nativeFields: CompiledNativeField[];
}

/** Framework surfaces a schema may opt into (docs/adr/0104-admin-observer-api.md, docs/adr/0105-admin-dead-letters-native-fields.md). */
export interface SchemaAdminOptions {
  /** Adds the `Observer` type, the `observers` query and `createObserver` / `updateObserver` / `deleteObserver`. */
  observers?: boolean;
  /**
   * Adds the `DeadLetter` type, the queries `deadLetters` and `deadLetter` and the mutations `replayDeadLetters` and
   * `purgeDeadLetters` over the JetStream stream FRAISEQL_DLQ (native fields, docs/adr/0105-admin-dead-letters-native-fields.md).
   */
  deadLetters?: boolean;
  /**
   * Adds the job API (`Job`, `job`, `jobs`, `deadJobs`, `exportDownload`, `enqueueExport`, `cancelJob`, `retryJob`,
   * `purgeDeadJobs`): native fields the query-executor answers through the job-runner (docs/jobs.md).
   */
  jobs?: boolean;
  /**
   * Adds operational search (`searchEvents`, `searchEntities`): native fields the query-executor answers through the
   * sink's search API (docs/search.md).
   */
  search?: boolean;
  /** Adds API key administration (`apiKeys`, `createApiKey`, `rotateApiKey`, `revokeApiKey`; docs/security.md). */
  apiKeys?: boolean;
  /** Adds the audit log query (`auditLog`; docs/security.md "Audit log", ADR 0137). */
  audit?: boolean;
}
