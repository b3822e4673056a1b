import { FraiseqlError } from '@fraiseql/errors';
import { buildSchema } from 'graphql';
import {
  COMPILED_SCHEMA_FORMAT_VERSION,
  SCALAR_NAMES,
  type CompiledArgument,
  type CompiledCapture,
  type CompiledEnumValue,
  type CompiledField,
  type CompiledInputField,
  type CompiledInputType,
  type CompiledMutation,
  type CompiledNativeField,
  type CompiledOrderKey,
  type CompiledQuery,
  type CompiledSchema,
  type CompiledSubscription,
  type CompiledType,
  type InputTypeRef,
  type SchemaAdminOptions,
  type ScalarName,
  type TypeRef,
} from './compiled-schema';
import { deadLetterAdminDefinitions } from './admin-dead-letters';
import { apiKeyAdminDefinitions } from './admin-api-keys';
import { jobApiDefinitions } from './admin-jobs';
import { searchApiDefinitions } from './admin-search';
import { observerAdminDefinitions } from './admin-observers';
import { auditAdminDefinitions } from './admin-audit';
import { accessRoles } from './access-rules';
import { compileDatasets } from './compile-datasets';
import { compileObservers } from './compile-observers';
import { generateSdl } from './generate-sdl';
import type {
  EntityDefinition,
  EnumValueSpec,
  FieldMap,
  FieldSpec,
  InputTypeDefinition,
  MutationDefinition,
  QueryDefinition,
  SchemaDefinition,
  SubscriptionDefinition,
  TypeDefinition,
  TypeReference,
} from './schema-definition';
import { computeSchemaHash } from './schema-hash';
import {
  CHANGE_OPERATION_ENUM,
  CHANGE_TYPE_FIELDS,
  SHARED_TYPE_NAMES,
  changeTypeName,
  connectionTypeName,
  edgeTypeName,
  filterName,
  listFilterName,
  mutationInputTypeName,
  mutationResultTypeName,
  mutationSuccessTypeName,
  orderByInputName,
  sortFieldEnumName,
  whereInputName,
} from './sdl-names';
import { listSortFields } from './sort-fields';
import { snakeCase } from './type-builders';

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

type AnyDefinition = TypeDefinition | InputTypeDefinition;

function isTypeDefinition(value: unknown): value is AnyDefinition {
  const kind = (value as AnyDefinition | undefined)?.kind;
  return typeof value === 'object' && value !== null && (kind === 'enum' || kind === 'object' || kind === 'entity' || kind === 'input');
}

/** Whether a mutation's `input` option is an input type (definition, thunk or name) rather than inline fields. */
function isInputReference(value: unknown): value is TypeReference {
  return typeof value === 'string' || typeof value === 'function' || (isTypeDefinition(value) && value.kind === 'input');
}

/** Compile state: the errors found so far and the types by name. */
class SchemaCompilation {
  readonly errors: string[] = [];
  readonly definitions = new Map<string, TypeDefinition>();
  readonly inputDefinitions = new Map<string, InputTypeDefinition>();
  /** The input type made for each mutation declared with inline input fields. */
  private readonly inlineInputs = new Map<MutationDefinition, InputTypeDefinition>();

  private readonly definition: SchemaDefinition;
  /** Root fields the query-executor resolves itself (ADR 0105), added by the admin surfaces. */
  private readonly nativeFields: CompiledNativeField[] = [];

  constructor(private readonly authored: SchemaDefinition) {
    this.definition = this.withAdminSurface(authored);
  }

  /** The definition with the framework surfaces it opts into appended (ADR 0104, ADR 0105). */
  private withAdminSurface(definition: SchemaDefinition): SchemaDefinition {
    const admin: unknown = definition?.admin;
    if (admin === undefined) return definition;
    if (admin === null || typeof admin !== 'object' || Array.isArray(admin)) {
      this.errors.push(
        'admin must be an object ({ observers: true, deadLetters: true, jobs: true, search: true, apiKeys: true, audit: true })',
      );
      return definition;
    }
    for (const [key, value] of Object.entries(admin)) {
      if (key !== 'observers' && key !== 'deadLetters' && key !== 'jobs' && key !== 'search' && key !== 'apiKeys' && key !== 'audit')
        this.errors.push(`admin.${key}: unknown option (known: observers, deadLetters, jobs, search, apiKeys, audit)`);
      else if (typeof value !== 'boolean') this.errors.push(`admin.${key} must be true or false`);
    }
    let result = definition;
    if ((admin as SchemaAdminOptions).observers === true) {
      const surface = observerAdminDefinitions();
      result = {
        ...result,
        types: [...(result.types ?? []), ...surface.types],
        queries: [...(result.queries ?? []), ...surface.queries],
        mutations: [...(result.mutations ?? []), ...surface.mutations],
      };
    }
    if ((admin as SchemaAdminOptions).deadLetters === true) {
      const surface = deadLetterAdminDefinitions();
      // Input types reach the compiler through `types` like any definition it collects.
      result = { ...result, types: [...(result.types ?? []), ...(surface.types as TypeDefinition[])] };
      this.nativeFields.push(...surface.nativeFields);
    }
    for (const [enabled, surface] of [
      [(admin as SchemaAdminOptions).jobs, jobApiDefinitions],
      [(admin as SchemaAdminOptions).search, searchApiDefinitions],
      [(admin as SchemaAdminOptions).apiKeys, apiKeyAdminDefinitions],
      [(admin as SchemaAdminOptions).audit, auditAdminDefinitions],
    ] as const) {
      if (enabled !== true) continue;
      const { types, nativeFields } = surface();
      result = { ...result, types: [...(result.types ?? []), ...(types as TypeDefinition[])] };
      this.nativeFields.push(...nativeFields);
    }
    return result;
  }

  run(): CompiledSchema {
    if (!this.definition || this.definition.kind !== 'schema') {
      this.fail(['the entry is not a schema definition (use defineSchema({ types, queries }))']);
    }
    this.collectTypes();
    const types = [...this.definitions.values()].map((d) => this.compileType(d));
    const inputTypes = [...this.inputDefinitions.values()].map((d) => this.compileInputType(d));
    const queries = this.compileQueries(types);
    const mutations = this.compileMutations(types);
    const subscriptions = this.compileSubscriptions(types);
    // Datasets are served over Arrow Flight only: they do not reach the SDL.
    const datasets = compileDatasets(this.definition.datasets, this.errors);
    // Observers are validated with @fraiseql/observer-rules against the compiled entities; not in the SDL either.
    const observers = compileObservers(
      this.definition.observers,
      types,
      (def, at) => this.entityName(def.options?.entity, at),
      this.errors,
    );
    this.checkGeneratedNames(types, inputTypes, mutations, subscriptions);
    const nativeFields = this.checkNativeFields(queries, mutations);
    if (this.authored?.admin?.observers === true && !types.some((t) => t.kind === 'entity' && t.capture !== undefined)) {
      this.errors.push(
        'admin.observers: no entity has change capture, so no observer rule could ever fire (declare one with capture: true)',
      );
    }
    if (queries.length === 0) this.errors.push('schema has no queries (GraphQL needs at least one root field)');
    if (this.errors.length > 0) this.fail(this.errors);

    const sdl = generateSdl(types, queries, { inputTypes, mutations, subscriptions, nativeFields });
    try {
      buildSchema(sdl);
    } catch (error) {
      this.fail([`generated SDL is not valid GraphQL: ${(error as Error).message}`]);
    }
    const body = {
      formatVersion: COMPILED_SCHEMA_FORMAT_VERSION,
      sdl,
      types,
      queries,
      inputTypes,
      mutations,
      subscriptions,
      datasets,
      observers,
      nativeFields,
    };
    const { formatVersion, ...members } = body;
    return { formatVersion, hash: computeSchemaHash(body), ...members };
  }

  /** Native fields may not take the name of a query or mutation of their root type. */
  private checkNativeFields(queries: CompiledQuery[], mutations: CompiledMutation[]): CompiledNativeField[] {
    const taken = new Set([...queries.map((q) => `query:${q.name}`), ...mutations.map((m) => `mutation:${m.name}`)]);
    for (const f of this.nativeFields) {
      const key = `${f.operation}:${f.name}`;
      if (taken.has(key)) this.errors.push(`${f.operation} "${f.name}": the name is taken by a field the admin surface adds`);
      taken.add(key);
    }
    return this.nativeFields.map((f) => compact({ ...f, arguments: f.arguments.map((a) => compact({ ...a })) }));
  }

  /** The entity an observer watches, by name; undefined (with an error) when it names no entity. */
  private entityName(ref: TypeReference | undefined, at: string): string | undefined {
    if (ref === undefined) {
      this.errors.push(`${at}: entity: no entity given`);
      return undefined;
    }
    const target = this.dereference(ref, at);
    const name = typeof target === 'string' ? target : target?.name;
    if (name === undefined) return undefined;
    const def = this.definitions.get(name);
    if (def && def.kind !== 'entity') {
      this.errors.push(
        `${at}: entity: "${name}" is ${def.kind === 'enum' ? 'an enum' : 'an object type'}, not an entity (observers watch entity events)`,
      );
      return undefined;
    }
    return name;
  }

  private fail(errors: string[]): never {
    const list = errors.map((e) => `  - ${e}`).join('\n');
    throw new FraiseqlError('FRAISEQL_SCHEMA_COMPILE_FAILED', `Schema compilation failed with ${errors.length} error(s):\n${list}`, {
      details: { errors },
    });
  }

  /** Resolves a thunk or definition; strings stay names. */
  private dereference(ref: TypeReference, where: string): AnyDefinition | string | undefined {
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
    const queue: Array<{ value: unknown; where: string }> = (this.definition.types ?? []).map((value, i) => ({
      value,
      where: `types[${i}]`,
    }));
    (this.definition.queries ?? []).forEach((q, i) => {
      if (q && typeof q === 'object' && q.entity !== undefined) queue.push({ value: q.entity, where: `query "${q.name ?? i}"` });
    });
    (this.definition.observers ?? []).forEach((o, i) => {
      const entity = o && typeof o === 'object' ? o.options?.entity : undefined;
      if (entity !== undefined) queue.push({ value: entity, where: `observer "${o.name ?? i}"` });
    });
    (this.definition.subscriptions ?? []).forEach((s, i) => {
      if (s && typeof s === 'object' && s.entity !== undefined) queue.push({ value: s.entity, where: `subscription "${s.name ?? i}"` });
    });
    (this.definition.mutations ?? []).forEach((m, i) => {
      if (!m || typeof m !== 'object' || !m.options) return;
      const where = `mutation "${m.name ?? i}"`;
      if (m.options.entity !== undefined) queue.push({ value: m.options.entity, where });
      const input = m.options.input;
      if (isInputReference(input)) {
        queue.push({ value: input, where: `${where} input` });
      } else if (input && typeof input === 'object' && typeof m.name === 'string') {
        const inline: InputTypeDefinition = { kind: 'input', name: mutationInputTypeName(m.name), fields: input as FieldMap };
        this.inlineInputs.set(m, inline);
        queue.push({ value: inline, where: `${where} input` });
      }
    });
    for (let i = 0; i < queue.length; i++) {
      const { value, where } = queue[i];
      if (typeof value === 'string') continue;
      const def = this.dereference(value as TypeReference, where);
      if (def === undefined || typeof def === 'string') continue;
      const known = this.definitions.get(def.name) ?? this.inputDefinitions.get(def.name);
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
      if (def.kind === 'input') this.inputDefinitions.set(def.name, def);
      else this.definitions.set(def.name, def);
      if (def.kind !== 'enum') {
        for (const [fieldName, spec] of Object.entries(def.fields ?? {})) {
          const target = (spec?.item ?? spec)?.type;
          if (target?.kind === 'ref' && typeof target.target !== 'string')
            queue.push({ value: target.target, where: `${def.name}.${fieldName}` });
        }
      }
    }
  }

  private compileType(def: TypeDefinition): CompiledType {
    if (def.kind === 'enum') return this.compileEnum(def.name, def.values, def.description);
    const fields = Object.entries(def.fields ?? {}).map(([name, spec]) => this.compileField(def, name, spec));
    if (fields.length === 0) this.errors.push(`${def.name}: ${def.kind === 'entity' ? 'entity' : 'object type'} has no fields`);
    if (def.kind === 'object')
      return compact({
        name: def.name,
        kind: 'object',
        description: def.description,
        fields,
        native: def.native === true ? true : undefined,
        roles: accessRoles(def, def.name, this.errors),
      });

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
      capture: def.capture === undefined ? undefined : this.compileCapture(def),
      roles: accessRoles(def, def.name, this.errors),
    });
  }

  /** `capture` with its defaults: table tb_<snake>, id column id, org column org_id when tenant-scoped. */
  private compileCapture(def: EntityDefinition): CompiledCapture {
    const at = `${def.name}.capture`;
    const spec = def.capture ?? {};
    const table = spec.table ?? `tb_${snakeCase(def.name)}`;
    const idColumn = spec.idColumn ?? 'id';
    const orgColumn = spec.orgColumn ?? (def.tenantScoped !== false ? 'org_id' : undefined);
    if (typeof table !== 'string' || !SQL_RELATION.test(table)) this.errors.push(`${at}: invalid table name ${JSON.stringify(table)}`);
    if (typeof idColumn !== 'string' || !SQL_COLUMN.test(idColumn)) this.errors.push(`${at}: invalid idColumn ${JSON.stringify(idColumn)}`);
    if (orgColumn !== undefined && (typeof orgColumn !== 'string' || !SQL_COLUMN.test(orgColumn)))
      this.errors.push(`${at}: invalid orgColumn ${JSON.stringify(orgColumn)}`);
    if (spec.preImages !== undefined && typeof spec.preImages !== 'boolean') this.errors.push(`${at}: preImages must be true or false`);
    const children: CompiledCapture['children'] = [];
    if (spec.children !== undefined && !Array.isArray(spec.children))
      this.errors.push(`${at}: children must be a list of { table, parentIdColumn }`);
    for (const [i, child] of (Array.isArray(spec.children) ? spec.children : []).entries()) {
      if (typeof child?.table !== 'string' || !SQL_RELATION.test(child.table))
        this.errors.push(`${at}.children[${i}]: invalid table name ${JSON.stringify(child?.table)}`);
      if (typeof child?.parentIdColumn !== 'string' || !SQL_COLUMN.test(child.parentIdColumn)) {
        this.errors.push(`${at}.children[${i}]: invalid parentIdColumn ${JSON.stringify(child?.parentIdColumn)}`);
      }
      children.push({ table: child?.table, parentIdColumn: child?.parentIdColumn });
    }
    const tables = [table, ...children.map((c) => c.table)];
    const repeated = tables.find((t, i) => tables.indexOf(t) !== i);
    if (repeated !== undefined) this.errors.push(`${at}: table ${repeated} is listed twice`);
    return compact({ table, idColumn, orgColumn, preImages: spec.preImages === true, children });
  }

  private compileInputType(def: InputTypeDefinition): CompiledInputType {
    const fields = Object.entries(def.fields ?? {}).map(([name, spec]) => this.compileInputField(def, name, spec));
    if (fields.length === 0) this.errors.push(`input ${def.name}: input type has no fields`);
    return compact({ name: def.name, description: def.description, fields });
  }

  private compileInputField(owner: InputTypeDefinition, name: string, spec: FieldSpec): CompiledInputField {
    const at = `input ${owner.name}.${name}`;
    const problem = nameProblem(name);
    if (problem) this.errors.push(`${at}: ${problem}`);
    for (const option of ['path', 'column', 'deprecationReason'] as const) {
      if (spec?.[option] !== undefined)
        this.errors.push(`${at}: "${option === 'deprecationReason' ? 'deprecated' : option}" does not apply to input fields`);
    }
    const item = spec?.item;
    if (item?.item) this.errors.push(`${at}: lists of lists are not supported`);
    const base = (item ?? spec)?.type;
    let resolved: { kind: InputTypeRef['kind']; name: string } = { kind: 'scalar', name: 'String' };
    if (!base) {
      this.errors.push(`${at}: not a field (build input fields with field.*)`);
    } else if (base.kind === 'scalar') {
      if (!SCALARS.has(base.name)) this.errors.push(`${at}: unknown scalar "${base.name}"`);
      resolved = { kind: 'scalar', name: base.name };
    } else {
      const target = this.dereference(base.target, at);
      const typeName = typeof target === 'string' ? target : target?.name;
      if (typeName !== undefined) {
        if (typeof target === 'string' && SCALARS.has(typeName) && base.expect === undefined) {
          resolved = { kind: 'scalar', name: typeName };
        } else if (this.inputDefinitions.has(typeName)) {
          if (base.expect === 'enum') this.errors.push(`${at}: field.enum needs an enum, but "${typeName}" is an input type`);
          resolved = { kind: 'input', name: typeName };
        } else if (this.definitions.get(typeName)?.kind === 'enum') {
          if (base.expect === 'object') this.errors.push(`${at}: field.object needs an input type, but "${typeName}" is an enum`);
          resolved = { kind: 'enum', name: typeName };
        } else if (this.definitions.has(typeName)) {
          this.errors.push(
            `${at}: "${typeName}" is an output type; input fields take scalars, enums and input types (declare an inputType)`,
          );
        } else {
          this.errors.push(`${at}: unknown type "${typeName}"`);
        }
      }
    }
    const type: InputTypeRef = compact({
      kind: resolved.kind,
      name: resolved.name,
      nullable: spec?.nullable === true,
      list: item ? { itemNullable: item.nullable === true } : undefined,
    });
    return compact({ name, type, description: spec?.description });
  }

  private compileMutations(types: CompiledType[]): CompiledMutation[] {
    const byName = new Map(types.map((t) => [t.name, t]));
    const seen = new Set<string>();
    const mutations: CompiledMutation[] = [];
    for (const [index, m] of (this.definition.mutations ?? []).entries()) {
      const at = `mutation "${m?.name ?? index}"`;
      if (!m || m.kind !== 'mutation' || !m.options) {
        this.errors.push(`mutations[${index}]: not a mutation definition (use mutation(name, { input, entity }))`);
        continue;
      }
      const problem = nameProblem(m.name);
      if (problem) {
        this.errors.push(`${at}: ${problem}`);
        continue;
      }
      if (seen.has(m.name)) this.errors.push(`${at}: duplicate mutation name`);
      seen.add(m.name);
      const options = m.options;

      const fn = options.function ?? `fn_${snakeCase(m.name)}`;
      if (typeof fn !== 'string' || !SQL_RELATION.test(fn))
        this.errors.push(`${at}: invalid function name ${JSON.stringify(fn)} (a SQL identifier, optionally schema-qualified)`);

      const target = options.entity === undefined ? undefined : this.dereference(options.entity, at);
      const entityName = typeof target === 'string' ? target : target?.name;
      const entity = entityName === undefined ? undefined : byName.get(entityName);
      if (entityName === undefined) this.errors.push(`${at}: no entity given (mutations return an entity)`);
      else if (!entity) this.errors.push(`${at}: unknown entity "${entityName}"`);
      else if (entity.kind !== 'entity')
        this.errors.push(
          `${at}: "${entityName}" is ${entity.kind === 'enum' ? 'an enum' : 'an object type'}, not an entity (mutations return entities)`,
        );

      let inputName: string | undefined;
      const inline = this.inlineInputs.get(m);
      if (inline) {
        inputName = inline.name;
      } else if (options.input === undefined || options.input === null) {
        this.errors.push(`${at}: no input given (an inputType or its fields)`);
      } else {
        const input = this.dereference(options.input as TypeReference, `${at} input`);
        inputName = typeof input === 'string' ? input : input?.name;
        if (inputName !== undefined && !this.inputDefinitions.has(inputName)) {
          this.errors.push(`${at}: input "${inputName}" is not an input type (declare it with inputType)`);
        }
      }

      const entityField = options.entityField ?? (entityName ? entityName.charAt(0).toLowerCase() + entityName.slice(1) : 'entity');
      const fieldProblem = nameProblem(entityField);
      if (fieldProblem) this.errors.push(`${at}: entityField: ${fieldProblem}`);
      else if (entityField === 'message')
        this.errors.push(`${at}: entityField may not be "message" (the success type has a message field)`);
      if (!entity || entity.kind !== 'entity' || inputName === undefined) continue;
      mutations.push(
        compact({
          name: m.name,
          function: fn,
          inputType: inputName,
          entityType: entity.name,
          entityField,
          successType: mutationSuccessTypeName(m.name),
          resultType: mutationResultTypeName(m.name),
          description: options.description,
          deprecationReason: options.deprecated,
          roles: accessRoles(options, at, this.errors),
        }),
      );
    }
    return mutations;
  }

  private compileSubscriptions(types: CompiledType[]): CompiledSubscription[] {
    const byName = new Map(types.map((t) => [t.name, t]));
    const seen = new Set<string>();
    const subscriptions: CompiledSubscription[] = [];
    for (const [index, s] of (this.definition.subscriptions ?? []).entries()) {
      const at = `subscription "${(s as SubscriptionDefinition | undefined)?.name ?? index}"`;
      if (!s || s.kind !== 'subscription') {
        this.errors.push(`subscriptions[${index}]: not a subscription definition (use subscription(name, entity))`);
        continue;
      }
      const problem = nameProblem(s.name);
      if (problem) {
        this.errors.push(`${at}: ${problem}`);
        continue;
      }
      if (seen.has(s.name)) this.errors.push(`${at}: duplicate subscription name`);
      seen.add(s.name);
      const target = s.entity === undefined ? undefined : this.dereference(s.entity, at);
      const entityName = typeof target === 'string' ? target : target?.name;
      const entity = entityName === undefined ? undefined : byName.get(entityName);
      if (entityName === undefined) this.errors.push(`${at}: no entity given`);
      else if (!entity) this.errors.push(`${at}: unknown entity "${entityName}"`);
      else if (entity.kind !== 'entity')
        this.errors.push(
          `${at}: "${entityName}" is ${entity.kind === 'enum' ? 'an enum' : 'an object type'}, not an entity (subscriptions deliver entity changes)`,
        );
      if (!entity || entity.kind !== 'entity') continue;
      const entityField = entity.name.charAt(0).toLowerCase() + entity.name.slice(1);
      if ((CHANGE_TYPE_FIELDS as readonly string[]).includes(entityField)) {
        this.errors.push(
          `${at}: entity "${entity.name}" cannot be subscribed to: its change type field "${entityField}" collides with a field every change type has`,
        );
        continue;
      }
      const options = s.options ?? {};
      subscriptions.push(
        compact({
          name: s.name,
          entityType: entity.name,
          changeType: changeTypeName(entity.name),
          entityField,
          description: options.description,
          deprecationReason: options.deprecated,
          roles: accessRoles(options, at, this.errors),
        }),
      );
    }
    return subscriptions;
  }

  private compileEnum(name: string, values: readonly EnumValueSpec[], description?: string): CompiledType {
    const seen = new Set<string>();
    const compiled: CompiledEnumValue[] = [];
    if (!Array.isArray(values) || values.length === 0) this.errors.push(`${name}: enum has no values`);
    for (const value of values ?? []) {
      const problem =
        nameProblem(value.name) ?? (['true', 'false', 'null'].includes(value.name) ? `"${value.name}" cannot be an enum value` : undefined);
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
      if (owner.kind !== 'entity')
        this.errors.push(`${at}: column "${spec.column}" is only allowed on root fields of an entity, not on object type ${owner.name}`);
      else if (!isValue) this.errors.push(`${at}: column "${spec.column}" is only allowed on scalar and enum fields`);
      if (typeof spec.column !== 'string' || !SQL_COLUMN.test(spec.column))
        this.errors.push(`${at}: invalid column name ${JSON.stringify(spec.column)}`);
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
      ...this.fieldAccess(owner, name, spec, resolved, at),
      cost: this.costWeight(spec?.cost, at),
    });
  }

  /** A `cost` option: a non-negative integer weight (docs/adr/0134-trusted-documents-and-limits.md); absent stays absent (weight 1). */
  private costWeight(cost: unknown, at: string): number | undefined {
    if (cost === undefined) return undefined;
    if (typeof cost !== 'number' || !Number.isInteger(cost) || cost < 0) {
      this.errors.push(`${at}: cost must be a non-negative integer (got ${JSON.stringify(cost)})`);
      return undefined;
    }
    return cost;
  }

  /**
   * A field's rule and what a caller lacking it gets (ADR 0136). `onDenied` also covers the rule of the type the field
   * reaches, so it is allowed when either has one; `mask` needs a nullable field (the caller reads null).
   */
  private fieldAccess(
    owner: TypeDefinition,
    name: string,
    spec: FieldSpec,
    resolved: { kind: TypeRef['kind']; name: string },
    at: string,
  ): Pick<CompiledField, 'roles' | 'onDenied'> {
    const roles = accessRoles(spec ?? {}, at, this.errors);
    if (roles && owner.kind === 'entity' && name === 'id')
      this.errors.push(`${at}: the id of an entity cannot have a rule (it keys lookups, cursors and events; put the rule on the type)`);
    const onDenied: unknown = spec?.onDenied;
    if (onDenied === undefined) return { roles };
    if (onDenied !== 'refuse' && onDenied !== 'mask') {
      this.errors.push(`${at}: onDenied must be 'refuse' or 'mask' (got ${JSON.stringify(onDenied)})`);
      return { roles };
    }
    const target = resolved.kind === 'object' ? this.definitions.get(resolved.name) : undefined;
    const targetRule =
      target !== undefined && target.kind !== 'enum' && (target.requiresRole !== undefined || target.requiresScope !== undefined);
    if (!roles && !targetRule)
      this.errors.push(`${at}: onDenied is set but neither the field nor the type it reaches has requiresRole or requiresScope`);
    if (onDenied === 'mask' && spec.nullable !== true)
      this.errors.push(
        `${at}: onDenied: 'mask' needs a nullable field (a caller lacking the role reads null): declare it with { nullable: true }, or use onDenied: 'refuse'`,
      );
    return { roles, onDenied: onDenied === 'mask' ? 'mask' : undefined };
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
      if (this.inputDefinitions.has(name))
        this.errors.push(`${at}: "${name}" is an input type; output fields need an object, entity or enum`);
      else this.errors.push(`${at}: unknown type "${name}"`);
      return { kind: 'scalar', name: 'String' };
    }
    const kind = def.kind === 'enum' ? 'enum' : 'object';
    if (type.expect && type.expect !== kind) {
      this.errors.push(
        `${at}: field.${type.expect} needs ${type.expect === 'enum' ? 'an enum' : 'an object or entity type'}, but "${name}" is ${def.kind === 'enum' ? 'an enum' : `an ${def.kind}`}`,
      );
    }
    return { kind, name };
  }

  /** An authored type may not take a name the compiler generates for another one. */
  private checkGeneratedNames(
    types: CompiledType[],
    inputTypes: CompiledInputType[],
    mutations: CompiledMutation[],
    subscriptions: CompiledSubscription[],
  ): void {
    const generated = new Map<string, string>();
    for (const scalar of SCALAR_NAMES) {
      generated.set(filterName(scalar), `scalar ${scalar}`);
      generated.set(listFilterName(scalar), `scalar ${scalar}`);
    }
    for (const t of types) {
      const names = t.kind === 'enum' ? [filterName(t.name), listFilterName(t.name)] : [whereInputName(t.name), listFilterName(t.name)];
      if (t.kind === 'entity')
        names.push(sortFieldEnumName(t.name), orderByInputName(t.name), connectionTypeName(t.name), edgeTypeName(t.name));
      for (const n of names) if (!generated.has(n)) generated.set(n, t.name);
    }
    for (const m of mutations) {
      for (const n of [m.successType, m.resultType]) if (!generated.has(n)) generated.set(n, `mutation ${m.name}`);
    }
    for (const s of subscriptions) {
      for (const n of [s.changeType, CHANGE_OPERATION_ENUM]) if (!generated.has(n)) generated.set(n, `subscription ${s.name}`);
    }
    for (const t of types) {
      const origin = generated.get(t.name);
      if (origin) this.errors.push(`type "${t.name}": the name collides with a type generated for ${origin}`);
    }
    const outputNames = new Set(types.map((t) => t.name));
    for (const input of inputTypes) {
      const origin = generated.get(input.name);
      if (origin) this.errors.push(`input "${input.name}": the name collides with a type generated for ${origin}`);
      if (outputNames.has(input.name)) this.errors.push(`input "${input.name}": the name is also an output type`);
    }
    const mutationTypes = new Map<string, string>();
    for (const m of mutations) {
      for (const n of [m.successType, m.resultType]) {
        const other = mutationTypes.get(n);
        if (other) this.errors.push(`mutation "${m.name}": its generated type ${n} collides with one of mutation "${other}"`);
        mutationTypes.set(n, m.name);
      }
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
      else if (type.kind !== 'entity')
        this.errors.push(
          `${at}: "${typeName}" is ${type.kind === 'enum' ? 'an enum' : 'an object type'}, not an entity (queries read entities)`,
        );
      if (!type || type.kind !== 'entity') continue;
      queries.push(this.compileQuery(q, type, byName, at));
    }
    return queries;
  }

  /** Whether a sort field name (`customer__email`) crosses a field or an object type with a rule. */
  private sortPathHasRule(byName: Map<string, CompiledType>, entityName: string, sortField: string): boolean {
    let typeName = entityName;
    for (const part of sortField.split('__')) {
      const field = byName.get(typeName)?.fields.find((f) => f.name === part);
      if (!field) return false;
      if (field.roles !== undefined) return true;
      if (field.type.kind !== 'object') return false;
      typeName = field.type.name;
      if (byName.get(typeName)?.roles !== undefined) return true;
    }
    return false;
  }

  private compileQuery(q: QueryDefinition, entity: CompiledType, byName: Map<string, CompiledType>, at: string): CompiledQuery {
    const options = q.options ?? {};
    const common = {
      name: q.name,
      kind: q.kind,
      type: entity.name,
      view: entity.view as string,
      description: options.description,
      deprecationReason: options.deprecated,
      roles: accessRoles(options, at, this.errors),
      cost: this.costWeight(options.cost, at),
    };
    if (q.kind === 'lookup') {
      const id = entity.fields.find((f) => f.name === 'id');
      const idType = id?.type.kind === 'scalar' && id.type.name === 'UUID' ? 'UUID' : 'ID';
      return compact({
        ...common,
        arguments: [{ name: 'id', type: `${idType}!`, description: `The ${entity.name}'s id.` }],
        defaultOrderBy: [],
        defaultLimit: 1,
        maxLimit: 1,
      });
    }
    const defaultLimit = options.defaultLimit ?? DEFAULT_LIMIT;
    const maxLimit = options.maxLimit ?? Math.max(DEFAULT_MAX_LIMIT, defaultLimit);
    if (!Number.isInteger(defaultLimit) || defaultLimit < 1)
      this.errors.push(`${at}: defaultLimit must be a positive integer (got ${defaultLimit})`);
    if (!Number.isInteger(maxLimit) || maxLimit < 1) this.errors.push(`${at}: maxLimit must be a positive integer (got ${maxLimit})`);
    else if (maxLimit < defaultLimit) this.errors.push(`${at}: maxLimit (${maxLimit}) is smaller than defaultLimit (${defaultLimit})`);

    const sortable = new Set(listSortFields(byName, entity.name).map((s) => s.name));
    const defaultOrderBy: CompiledOrderKey[] = [];
    for (const key of options.defaultOrderBy ?? []) {
      const { field, direction = 'ASC' } = typeof key === 'string' ? { field: key } : key;
      if (!sortable.has(field)) this.errors.push(`${at}: defaultOrderBy field "${field}" is not a sortable field of ${entity.name}`);
      else if (this.sortPathHasRule(byName, entity.name, field))
        this.errors.push(
          `${at}: defaultOrderBy field "${field}" has a read rule (requiresRole/requiresScope on the field or a type on its path): ordering by it would reveal it to callers who may not read it`,
        );
      if (direction !== 'ASC' && direction !== 'DESC')
        this.errors.push(`${at}: defaultOrderBy direction must be ASC or DESC (got ${JSON.stringify(direction)})`);
      defaultOrderBy.push({ field, direction });
    }

    const where: CompiledArgument = {
      name: 'where',
      type: whereInputName(entity.name),
      description: `Only ${entity.name} matching these conditions.`,
    };
    const orderBy: CompiledArgument = {
      name: 'orderBy',
      type: `[${orderByInputName(entity.name)}!]`,
      description: 'Ordering keys, most significant first; id is always the final tie-breaker.',
    };
    const page = `default ${defaultLimit}, at most ${maxLimit}`;
    const args: CompiledArgument[] =
      q.kind === 'list'
        ? [
            where,
            orderBy,
            { name: 'limit', type: 'Int', description: `Maximum number of items (${page}).` },
            { name: 'offset', type: 'Int', description: 'Number of items to skip.' },
          ]
        : [
            where,
            orderBy,
            { name: 'first', type: 'Int', description: `Items after the cursor \`after\` (${page}).` },
            { name: 'after', type: 'String', description: 'Cursor of the edge to start after.' },
            { name: 'last', type: 'Int', description: `Items before the cursor \`before\` (${page}).` },
            { name: 'before', type: 'String', description: 'Cursor of the edge to end before.' },
          ];
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
