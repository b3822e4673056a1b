import type { DatasetColumnType } from './compiled-schema';
import type { ColumnOptions, DatasetColumnSpec } from './schema-definition';

type ColumnShape = Partial<Pick<DatasetColumnSpec, 'precision' | 'scale' | 'item'>>;

function columnSpec(type: DatasetColumnType, options: ColumnOptions = {}, shape: ColumnShape = {}): DatasetColumnSpec {
  const spec: { -readonly [K in keyof DatasetColumnSpec]: DatasetColumnSpec[K] } = {
    kind: 'datasetColumn',
    type,
    array: shape.item !== undefined,
    nullable: options.nullable ?? true,
  };
  if (shape.precision !== undefined) spec.precision = shape.precision;
  if (shape.scale !== undefined) spec.scale = shape.scale;
  if (shape.item !== undefined) spec.item = shape.item;
  if (options.description !== undefined) spec.description = options.description;
  if (options.requiresRole !== undefined) spec.requiresRole = options.requiresRole;
  if (options.requiresScope !== undefined) spec.requiresScope = options.requiresScope;
  if (options.onDenied !== undefined) spec.onDenied = options.onDenied;
  return Object.freeze(spec);
}

const typed =
  (type: DatasetColumnType) =>
  (options?: ColumnOptions): DatasetColumnSpec =>
    columnSpec(type, options);

/**
 * Column builders of `arrowDataset`: one per PostgreSQL type the Arrow mapping knows. Columns are
 * nullable unless `{ nullable: false }`, as in SQL.
 */
export const column = {
  int2: typed('int2'),
  int4: typed('int4'),
  int8: typed('int8'),
  float4: typed('float4'),
  float8: typed('float8'),
  /** `numeric(precision, scale)`; without arguments an unconstrained numeric. Scale needs a precision. */
  numeric: (precision?: number, scale?: number, options?: ColumnOptions): DatasetColumnSpec =>
    columnSpec('numeric', options, { precision, scale }),
  text: typed('text'),
  varchar: typed('varchar'),
  bool: typed('bool'),
  date: typed('date'),
  timestamp: typed('timestamp'),
  timestamptz: typed('timestamptz'),
  uuid: typed('uuid'),
  jsonb: typed('jsonb'),
  json: typed('json'),
  bytea: typed('bytea'),
  /**
   * A one-dimensional array of `item`'s type (`column.list(column.text())` → `text[]`). The array's
   * nullability and description come from `options`; the item's own options are not used.
   */
  list: (item: DatasetColumnSpec, options?: ColumnOptions): DatasetColumnSpec =>
    columnSpec(item.type, options, { precision: item.precision, scale: item.scale, item }),
};
