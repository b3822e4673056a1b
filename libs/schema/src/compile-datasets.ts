import { DATASET_COLUMN_TYPES, type CompiledDataset, type CompiledDatasetColumn, type DatasetColumnType } from './compiled-schema';
import { accessRoles } from './access-rules';
import { datasetKindOf, datasetProblems } from './dataset-rules';
import type { DatasetColumnSpec, DatasetDefinition } from './schema-definition';

const COLUMN_TYPES: ReadonlySet<string> = new Set(DATASET_COLUMN_TYPES);

/** Removes undefined members so that the canonical JSON (and the hash) does not depend on them. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Compiles the declared datasets in declared order, with their defaults (org column `org_id` when
 * tenant-scoped, partition column `id` when declared, `numeric(p)` as `numeric(p,0)`), appending
 * every problem found to `errors`.
 */
export function compileDatasets(definitions: readonly DatasetDefinition[] | undefined, errors: string[]): CompiledDataset[] {
  if (definitions !== undefined && !Array.isArray(definitions)) {
    errors.push('datasets must be a list of arrowDataset(...) definitions');
    return [];
  }
  const datasets: CompiledDataset[] = [];
  for (const [index, def] of (definitions ?? []).entries()) {
    if (!def || typeof def !== 'object' || def.kind !== 'dataset') {
      errors.push(`datasets[${index}]: not a dataset definition (use arrowDataset)`);
      continue;
    }
    datasets.push(compileDataset(def, errors));
  }
  errors.push(...datasetProblems(datasets));
  return datasets;
}

function compileDataset(def: DatasetDefinition, errors: string[]): CompiledDataset {
  const at = `dataset ${JSON.stringify(def.name)}`;
  if (typeof def.tenantScoped !== 'boolean') errors.push(`${at}: tenantScoped must be true or false`);
  const tenantScoped = def.tenantScoped !== false;
  for (const option of ['description', 'orgColumn', 'partitionColumn', 'refreshFrom'] as const) {
    if (def[option] !== undefined && typeof def[option] !== 'string') errors.push(`${at}: ${option} must be a string`);
  }
  const entries = def.columns && typeof def.columns === 'object' ? Object.entries(def.columns) : [];
  if (!def.columns || typeof def.columns !== 'object') errors.push(`${at}: columns must be an object of column.* builders`);
  const columns = entries.map(([name, spec]) => compileColumn(`${at}.${name}`, name, spec, errors));
  return compact({
    name: def.name,
    kind: datasetKindOf(def.name),
    description: def.description,
    tenantScoped,
    orgColumn: def.orgColumn ?? (tenantScoped ? 'org_id' : undefined),
    partitionColumn: def.partitionColumn ?? (columns.some((c) => c.name === 'id') ? 'id' : undefined),
    refreshFrom: def.refreshFrom,
    columns,
    roles: accessRoles(def, at, errors),
  });
}

function compileColumn(at: string, name: string, spec: DatasetColumnSpec, errors: string[]): CompiledDatasetColumn {
  if (!spec || typeof spec !== 'object' || spec.kind !== 'datasetColumn') {
    errors.push(`${at}: not a column (build columns with column.*)`);
    return { name, type: 'text', array: false, nullable: true };
  }
  if (spec.item?.array) errors.push(`${at}: lists of lists are not supported (one-dimensional arrays only)`);
  if (!COLUMN_TYPES.has(spec.type)) errors.push(`${at}: unknown column type ${JSON.stringify(spec.type)}`);
  if (typeof spec.nullable !== 'boolean') errors.push(`${at}: nullable must be true or false`);
  if (spec.description !== undefined && typeof spec.description !== 'string') errors.push(`${at}: description must be a string`);
  // PostgreSQL reads numeric(p) as numeric(p,0); the compiled column says so.
  const scale = spec.precision !== undefined && spec.scale === undefined ? 0 : spec.scale;
  return compact({
    name,
    type: spec.type as DatasetColumnType,
    array: spec.array === true,
    nullable: spec.nullable !== false,
    precision: spec.precision,
    scale,
    description: spec.description,
    ...columnAccess(at, spec, errors),
  });
}

/** A column's rule (ADR 0136) and what a caller lacking it gets; `mask` needs a nullable column. */
function columnAccess(at: string, spec: DatasetColumnSpec, errors: string[]): Pick<CompiledDatasetColumn, 'roles' | 'onDenied'> {
  const roles = accessRoles(spec, at, errors);
  const onDenied: unknown = spec.onDenied;
  if (onDenied === undefined) return { roles };
  if (onDenied !== 'refuse' && onDenied !== 'mask') {
    errors.push(`${at}: onDenied must be 'refuse' or 'mask' (got ${JSON.stringify(onDenied)})`);
    return { roles };
  }
  if (!roles) errors.push(`${at}: onDenied is set but the column has no requiresRole or requiresScope`);
  if (onDenied === 'mask' && spec.nullable === false)
    errors.push(
      `${at}: onDenied: 'mask' needs a nullable column (a caller lacking the role reads NULL); drop nullable: false or use 'refuse'`,
    );
  return { roles, onDenied: onDenied === 'mask' ? 'mask' : undefined };
}
