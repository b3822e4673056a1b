import { FraiseqlError } from '@fraiseql/errors';
import { holdsAnyRole, type CompiledField, type CompiledSchema } from '@fraiseql/schema';
import type { SchemaIndex } from './schema-index';

/** What a caller gets for one field (docs/adr/0136-authorization-in-the-plan.md). */
export type FieldDecision = 'allow' | 'mask' | 'refuse';

/** Every role some rule of the schema names: the only roles that can change a plan. */
const ruleRolesOf = new WeakMap<CompiledSchema, ReadonlySet<string>>();

function ruleRoles(compiled: CompiledSchema): ReadonlySet<string> {
  let roles = ruleRolesOf.get(compiled);
  if (!roles) {
    const all = new Set<string>();
    for (const type of compiled.types) {
      for (const role of type.roles ?? []) all.add(role);
      for (const field of type.fields) for (const role of field.roles ?? []) all.add(role);
    }
    roles = all;
    ruleRolesOf.set(compiled, roles);
  }
  return roles;
}

/**
 * The read rules of the compiled schema applied to one caller's roles: which types it may reach and, per field,
 * whether it reads the value, reads null (`mask`) or is refused. The planner decides here, before any SQL runs;
 * nothing is filtered after the fact.
 */
export class FieldAccess {
  /**
   * The roles of the caller that some rule names, sorted: two callers with the same signature get the same decisions,
   * so the planner keys its SQL text cache by it.
   */
  readonly signature: string;

  constructor(
    private readonly index: SchemaIndex,
    private readonly roles: readonly string[],
  ) {
    const named = ruleRoles(index.compiled);
    this.signature = named.size === 0 ? '' : [...new Set(roles.filter((r) => named.has(r)))].sort().join(',');
  }

  /** Whether the caller may read the type (entity or object); types without a rule: everyone. */
  typeAllowed(typeName: string): boolean {
    return holdsAnyRole(this.index.type(typeName)?.roles, this.roles);
  }

  /** The field's own rule and, for an object field, the rule of the type it reaches; `onDenied` decides mask or refuse. */
  decide(field: CompiledField): FieldDecision {
    const allowed = holdsAnyRole(field.roles, this.roles) && (field.type.kind !== 'object' || this.typeAllowed(field.type.name));
    if (allowed) return 'allow';
    return field.onDenied === 'mask' ? 'mask' : 'refuse';
  }

  /** FRAISEQL_FORBIDDEN for reading `typeName` (a root query, subscription, mutation result or event history). */
  requireType(typeName: string, what: string): void {
    const roles = this.index.type(typeName)?.roles;
    if (holdsAnyRole(roles, this.roles)) return;
    throw forbidden(`${what}: ${typeName} needs the role ${roles!.join(' or ')}.`, { type: typeName, roles });
  }

  /** The refusal of a field selected at `path` (response keys from the root field). */
  refusal(typeName: string, field: CompiledField, path: readonly string[]): FraiseqlError {
    return forbidden(`Reading ${path.join('.')} (${typeName}.${field.name}) needs the role ${this.needed(field).join(' or ')}.`, {
      path: [...path],
      field: `${typeName}.${field.name}`,
      roles: this.needed(field),
    });
  }

  /** FRAISEQL_FORBIDDEN when a filter or an ordering names a field the caller may not read (masked fields too). */
  requireFilterable(typeName: string, field: CompiledField, at: string, use: 'Filtering' | 'Ordering'): void {
    if (this.decide(field) === 'allow') return;
    throw forbidden(`${use} by ${at} (${typeName}.${field.name}) needs the role ${this.needed(field).join(' or ')}.`, {
      path: at.split('.'),
      field: `${typeName}.${field.name}`,
      roles: this.needed(field),
    });
  }

  /** FRAISEQL_FORBIDDEN when a `<Type>SortField` value (`customer__email`) crosses a field the caller may not read. */
  requireSortable(entityName: string, sortField: string): void {
    let typeName = entityName;
    for (const part of sortField.split('__')) {
      const field = this.index.field(typeName, part);
      if (!field) return;
      this.requireFilterable(typeName, field, `orderBy.${sortField}`, 'Ordering');
      if (field.type.kind !== 'object') return;
      typeName = field.type.name;
    }
  }

  /** The roles of the unmet rule: the field's own, else the reached type's. */
  private needed(field: CompiledField): string[] {
    if (!holdsAnyRole(field.roles, this.roles)) return field.roles ?? [];
    return (field.type.kind === 'object' ? this.index.type(field.type.name)?.roles : undefined) ?? [];
  }
}

function forbidden(message: string, details: Record<string, unknown>): FraiseqlError {
  return new FraiseqlError('FRAISEQL_FORBIDDEN', message, { details });
}

/** Whether an error is a refusal by a read rule (or any FRAISEQL_FORBIDDEN): the field fails, the operation does not. */
export function isForbidden(error: unknown): error is FraiseqlError {
  return error instanceof FraiseqlError && error.code === 'FRAISEQL_FORBIDDEN';
}
