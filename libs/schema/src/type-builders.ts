import type {
  AccessOptions,
  CaptureSpec,
  EntityDefinition,
  EnumTypeDefinition,
  EnumValueSpec,
  FieldMap,
  InputTypeDefinition,
  ObjectTypeDefinition,
} from './schema-definition';

export interface TypeOptions {
  description?: string;
}

/** Options of object types: a type-level rule applies wherever the type is reached (docs/adr/0136-authorization-in-the-plan.md). */
export interface ObjectTypeOptions extends TypeOptions, AccessOptions {}

export interface EntityOptions extends AccessOptions {
  /** The view read for GraphQL (default `v_<snake_case name>`). */
  view?: string;
  /** Filter every read by the caller's org (default true: tenancy is opt-out, not opt-in). */
  tenantScoped?: boolean;
  description?: string;
  /**
   * Capture writes to the entity's tables into the change log (docs/adr/0080-change-capture.md):
   * `true` for the defaults (table `tb_<snake_case name>`, id column `id`, org column `org_id` when
   * tenant-scoped, no children, no pre-images), or the members to change.
   */
  capture?: true | CaptureSpec;
}

const withDescription = <T extends object>(value: T, description: string | undefined): T =>
  description === undefined ? value : { ...value, description };

/** The authored access members, only those given (so a definition without a rule looks as it did before). */
const accessOf = (options: AccessOptions): AccessOptions => ({
  ...(options.requiresRole === undefined ? {} : { requiresRole: options.requiresRole }),
  ...(options.requiresScope === undefined ? {} : { requiresScope: options.requiresScope }),
});

export function enumType(name: string, values: readonly (string | EnumValueSpec)[], options: TypeOptions = {}): EnumTypeDefinition {
  const normalized = values.map((value) => (typeof value === 'string' ? { name: value } : { ...value }));
  return Object.freeze(withDescription({ kind: 'enum' as const, name, values: normalized }, options.description));
}

export function objectType(name: string, fields: FieldMap, options: ObjectTypeOptions = {}): ObjectTypeDefinition {
  return Object.freeze(
    withDescription({ kind: 'object' as const, name, fields: { ...fields }, ...accessOf(options) }, options.description),
  );
}

export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

export function entity(name: string, options: EntityOptions, fields: FieldMap): EntityDefinition {
  const definition = {
    kind: 'entity' as const,
    name,
    view: options.view ?? `v_${snakeCase(name)}`,
    tenantScoped: options.tenantScoped ?? true,
    fields: { ...fields },
    ...(options.capture === undefined ? {} : { capture: options.capture === true ? {} : { ...options.capture } }),
    ...accessOf(options),
  };
  return Object.freeze(withDescription(definition, options.description));
}

/** A GraphQL input object type for mutation arguments (`input CreateOrderInput { ... }`). */
export function inputType(name: string, fields: FieldMap, options: TypeOptions = {}): InputTypeDefinition {
  return Object.freeze(withDescription({ kind: 'input' as const, name, fields: { ...fields } }, options.description));
}
