import type { CompiledSchema } from '@fraiseql/schema';
import { FieldAccess } from './field-access';
import { schemaIndexOf, type SchemaIndex } from './schema-index';

/** An entity's JSON (an event's `data` or `before`) with the fields the caller may not read set to null. */
export type EntityRedactor = (data: Readonly<Record<string, unknown>>) => Record<string, unknown>;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The read rules (docs/adr/0136-authorization-in-the-plan.md) applied to whole entity documents, for the paths that
 * hand out an entity's JSON without a selection (Flight event history): every field the caller may not read —
 * masked or refused alike, at any depth — is null. Returns null when no rule denies the caller anything reachable
 * from `entityType` (the document passes unchanged). The entity's own type rule is checked by the caller.
 */
export function compileEntityRedactor(compiled: CompiledSchema, entityType: string, callerRoles: readonly string[]): EntityRedactor | null {
  const index = schemaIndexOf(compiled);
  const access = new FieldAccess(index, callerRoles);
  if (!deniesAnything(index, access, entityType, new Set())) return null;
  return (data) => redactObject(index, access, entityType, data);
}

/**
 * What the read rules deny a caller of an entity's whole document: the type itself (its name) and each field reachable
 * from it that it may not read (`Type.field`); [] when it may read all of it. For paths that hand out documents
 * without a selection and cannot mask inside them (job exports of a view or of events).
 */
export function entityReadDenials(compiled: CompiledSchema, entityType: string, callerRoles: readonly string[]): string[] {
  const index = schemaIndexOf(compiled);
  const access = new FieldAccess(index, callerRoles);
  const denied = access.typeAllowed(entityType) ? [] : [entityType];
  collectDenials(index, access, entityType, new Set(), denied);
  return denied;
}

function collectDenials(index: SchemaIndex, access: FieldAccess, typeName: string, seen: Set<string>, into: string[]): void {
  if (seen.has(typeName)) return;
  seen.add(typeName);
  for (const field of index.type(typeName)?.fields ?? []) {
    if (access.decide(field) !== 'allow') into.push(`${typeName}.${field.name}`);
    else if (field.type.kind === 'object') collectDenials(index, access, field.type.name, seen, into);
  }
}

function deniesAnything(index: SchemaIndex, access: FieldAccess, typeName: string, seen: Set<string>): boolean {
  const denied: string[] = [];
  collectDenials(index, access, typeName, seen, denied);
  return denied.length > 0;
}

function redactObject(
  index: SchemaIndex,
  access: FieldAccess,
  typeName: string,
  source: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  let out: Record<string, unknown> = source as Record<string, unknown>;
  const write = (path: readonly string[], value: unknown): void => {
    // Copy-on-write along the path: the event as received is never changed.
    if (out === source) out = { ...source };
    let target = out;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (!isPlainObject(next)) return;
      target[key] = { ...next };
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1]!] = value;
  };
  for (const field of index.type(typeName)?.fields ?? []) {
    const value = readPath(source, field.path);
    if (value === undefined) continue;
    if (access.decide(field) !== 'allow') {
      write(field.path, null);
      continue;
    }
    if (field.type.kind !== 'object') continue;
    const nested = field.type.name;
    if (isPlainObject(value)) {
      const redacted = redactObject(index, access, nested, value);
      if (redacted !== value) write(field.path, redacted);
    } else if (Array.isArray(value)) {
      const items = value.map((item) => (isPlainObject(item) ? redactObject(index, access, nested, item) : item));
      if (items.some((item, i) => item !== value[i])) write(field.path, items);
    }
  }
  return out;
}

function readPath(source: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let value: unknown = source;
  for (const key of path) {
    if (!isPlainObject(value)) return undefined;
    value = value[key];
  }
  return value;
}
