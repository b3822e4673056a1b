import type { ScalarName } from './compiled-schema';
import type { FieldOptions, FieldSpec, TypeReference } from './schema-definition';

function fieldSpec(type: FieldSpec['type'], options: FieldOptions = {}, item?: FieldSpec): FieldSpec {
  const spec: { -readonly [K in keyof FieldSpec]: FieldSpec[K] } = { type, nullable: options.nullable ?? false };
  if (item) spec.item = item;
  if (options.description !== undefined) spec.description = options.description;
  if (options.deprecated !== undefined) spec.deprecationReason = options.deprecated;
  if (options.path !== undefined) spec.path = [...options.path];
  if (options.column !== undefined) spec.column = options.column;
  if (options.filterable !== undefined) spec.filterable = options.filterable;
  if (options.sortable !== undefined) spec.sortable = options.sortable;
  if (options.requiresRole !== undefined) spec.requiresRole = options.requiresRole;
  if (options.requiresScope !== undefined) spec.requiresScope = options.requiresScope;
  if (options.onDenied !== undefined) spec.onDenied = options.onDenied;
  if (options.cost !== undefined) spec.cost = options.cost;
  return Object.freeze(spec);
}

const scalar =
  (name: ScalarName) =>
  (options?: FieldOptions): FieldSpec =>
    fieldSpec({ kind: 'scalar', name }, options);

/** Field builders. Fields are non-null unless `{ nullable: true }`. */
export const field = {
  id: scalar('ID'),
  string: scalar('String'),
  int: scalar('Int'),
  float: scalar('Float'),
  boolean: scalar('Boolean'),
  dateTime: scalar('DateTime'),
  date: scalar('Date'),
  uuid: scalar('UUID'),
  json: scalar('JSON'),
  decimal: scalar('Decimal'),
  scalar: (name: ScalarName, options?: FieldOptions): FieldSpec => fieldSpec({ kind: 'scalar', name }, options),
  /** A field whose value is one of an enum's values. */
  enum: (type: TypeReference, options?: FieldOptions): FieldSpec => fieldSpec({ kind: 'ref', target: type, expect: 'enum' }, options),
  /** A nested object (an object type, or an entity embedded in the parent's data). */
  object: (type: TypeReference, options?: FieldOptions): FieldSpec => fieldSpec({ kind: 'ref', target: type, expect: 'object' }, options),
  /** A field of any named type (scalar name, enum or object), resolved at compile time. */
  ref: (type: TypeReference, options?: FieldOptions): FieldSpec => fieldSpec({ kind: 'ref', target: type }, options),
  /** A list; the item's nullability comes from `item` (`field.list(field.string({ nullable: true }))` → `[String]!`). */
  list: (item: FieldSpec, options?: FieldOptions): FieldSpec => fieldSpec(item.type, options, item),
};
