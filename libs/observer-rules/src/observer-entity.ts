/**
 * What rule validation needs to know about an entity, independent of libs/schema (which depends on
 * this package, not the other way round): its fields with a CEL-level type, whether its events carry
 * an org, whether UPDATE events carry the entity as it was before, and the custom event names it emits.
 */
export type ObserverScalarType = 'string' | 'int' | 'float' | 'bool' | 'json';

export type ObserverFieldType =
  /** `values`: the allowed strings of an enum (a comparison with any other literal is refused). */
  | { kind: 'scalar'; type: ObserverScalarType; nullable: boolean; values?: readonly string[] }
  | { kind: 'object'; fields: ObserverFieldMap; nullable: boolean }
  | { kind: 'list'; item: ObserverFieldType; nullable: boolean };

export type ObserverFieldMap = Readonly<Record<string, ObserverFieldType>>;

export interface ObserverEntity {
  name: string;
  /** Events of a tenant-scoped entity carry `org_id`; others carry null (an org-scoped rule could never fire). */
  tenantScoped: boolean;
  /** Whether UPDATE events carry `before` (needed by `before.*` and `changed_from`). */
  preImages: boolean;
  /** Fields of `data` (and `before`). */
  fields: ObserverFieldMap;
  /** Custom event types the entity emits besides INSERT, UPDATE and DELETE. */
  customEvents?: readonly string[];
}

/** The entities rules may watch, by name. */
export type ObserverEntityCatalog = ReadonlyMap<string, ObserverEntity>;

/** A catalog from a list of entities. */
export function observerEntityCatalog(entities: Iterable<ObserverEntity>): ObserverEntityCatalog {
  return new Map([...entities].map((e) => [e.name, e]));
}

/** The field at a dotted path below the entity (`customer.address.city`), or undefined. */
export function fieldAtPath(fields: ObserverFieldMap, path: readonly string[]): ObserverFieldType | undefined {
  let current: ObserverFieldType = { kind: 'object', fields, nullable: false };
  for (const segment of path) {
    if (current.kind === 'list' && /^\d+$/.test(segment)) current = current.item;
    else if (current.kind === 'object' && Object.hasOwn(current.fields, segment)) current = current.fields[segment];
    else return undefined;
  }
  return current;
}

/** `String`, `Int`, `[OrderItem]`-like description of a field type for messages. */
export function describeFieldType(type: ObserverFieldType): string {
  const base = type.kind === 'scalar' ? type.type : type.kind === 'object' ? 'object' : `list of ${describeFieldType(type.item)}`;
  return type.nullable ? `${base} (nullable)` : base;
}
