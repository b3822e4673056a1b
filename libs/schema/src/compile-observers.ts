import {
  observerEntityCatalog,
  observerRuleProblems,
  type ObserverEntity,
  type ObserverEntityCatalog,
  type ObserverFieldMap,
  type ObserverFieldType,
  type ObserverRule,
  type ObserverScalarType,
} from '@fraiseql/observer-rules';
import type { CompiledField, CompiledType, ScalarName } from './compiled-schema';
import type { ObserverDefinition } from './schema-definition';

const SCALAR_TYPES: Readonly<Record<ScalarName, ObserverScalarType>> = {
  ID: 'string',
  String: 'string',
  DateTime: 'string',
  Date: 'string',
  UUID: 'string',
  Int: 'int',
  Float: 'float',
  Decimal: 'float',
  Boolean: 'bool',
  JSON: 'json',
};

/** Nesting followed into object fields; deeper (and recursive) shapes are read as JSON. */
const MAX_DEPTH = 6;

function fieldType(field: CompiledField, byName: ReadonlyMap<string, CompiledType>, depth: number): ObserverFieldType {
  const { type } = field;
  const target = byName.get(type.name);
  let base: ObserverFieldType;
  if (type.kind === 'scalar') base = { kind: 'scalar', type: SCALAR_TYPES[type.name as ScalarName] ?? 'json', nullable: false };
  else if (type.kind === 'enum')
    base = { kind: 'scalar', type: 'string', nullable: false, values: (target?.values ?? []).map((v) => v.name) };
  else if (!target || depth >= MAX_DEPTH) base = { kind: 'scalar', type: 'json', nullable: false };
  else base = { kind: 'object', fields: fieldMap(target, byName, depth + 1), nullable: false };
  if (type.list) return { kind: 'list', item: { ...base, nullable: type.list.itemNullable }, nullable: type.nullable };
  return { ...base, nullable: type.nullable };
}

function fieldMap(type: CompiledType, byName: ReadonlyMap<string, CompiledType>, depth: number): ObserverFieldMap {
  return Object.fromEntries(type.fields.map((f) => [f.path.length === 1 ? f.path[0] : f.name, fieldType(f, byName, depth)]));
}

/** What observer rules may watch: every entity with change capture, its fields as its events' `data` holds them. */
export function observerEntities(types: readonly CompiledType[]): ObserverEntityCatalog {
  const byName = new Map(types.map((t) => [t.name, t]));
  const entities: ObserverEntity[] = types
    .filter((t) => t.kind === 'entity' && t.capture !== undefined)
    .map((t) => ({
      name: t.name,
      tenantScoped: t.tenantScoped !== false,
      preImages: t.capture?.preImages === true,
      fields: fieldMap(t, byName, 0),
    }));
  return observerEntityCatalog(entities);
}

/** The rule form of a declaration (org-less: schema rules fire for every org). */
function toRuleInput(def: ObserverDefinition, entityType: unknown): Record<string, unknown> {
  const o = def.options ?? ({} as ObserverDefinition['options']);
  // Members in the order of the rule model, so that the file reads like docs/observers.md.
  const input: Record<string, unknown> = {
    name: def.name,
    description: o.description,
    entityType,
    eventTypes: o.on,
    condition: o.when,
    actions: o.actions,
    retryPolicy: o.retryPolicy,
    timeoutMs: o.timeoutMs,
    enabled: o.enabled ?? true,
    orgId: null,
  };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

/**
 * Compiles the declared observers in declared order with @fraiseql/observer-rules against the compiled
 * entities, appending each problem to `errors` as `observer "<name>": <path>: <problem>`.
 * `entityName` resolves the `entity` option (definition, thunk or name) to a type name.
 */
export function compileObservers(
  definitions: readonly ObserverDefinition[] | undefined,
  types: readonly CompiledType[],
  entityName: (def: ObserverDefinition, at: string) => string | undefined,
  errors: string[],
): ObserverRule[] {
  if (definitions !== undefined && !Array.isArray(definitions)) {
    errors.push('observers must be a list of observer(...) definitions');
    return [];
  }
  const catalog = observerEntities(types);
  const seen = new Set<string>();
  const rules: ObserverRule[] = [];
  for (const [index, def] of (definitions ?? []).entries()) {
    if (!def || typeof def !== 'object' || def.kind !== 'observer') {
      errors.push(`observers[${index}]: not an observer definition (use observer(name, options))`);
      continue;
    }
    const at = `observer ${JSON.stringify(def.name)}`;
    if (seen.has(def.name)) errors.push(`${at}: duplicate observer name`);
    seen.add(def.name);
    const entity = entityName(def, at);
    if (entity === undefined) continue;
    const type = types.find((t) => t.name === entity);
    if (type?.kind === 'entity' && type.capture === undefined) {
      errors.push(`${at}: entity: ${entity} has no change capture, so it emits no events (declare it with capture: true)`);
      continue;
    }
    const { problems, rule } = observerRuleProblems(toRuleInput(def, entity), catalog, { origin: 'schema' });
    for (const p of problems) errors.push(`${at}: ${p.path}: ${p.message}`);
    if (problems.length === 0 && rule) rules.push(rule);
  }
  return rules;
}

/** The problems of compiled observers read from a file or KV (the same validation as at compile time). */
export function compiledObserverProblems(observers: readonly unknown[], types: readonly CompiledType[]): string[] {
  const catalog = observerEntities(types);
  return observers.flatMap((o, i) =>
    observerRuleProblems(o, catalog, { origin: 'schema' }).problems.map((p) => `observers[${i}] ${p.path}: ${p.message}`),
  );
}
