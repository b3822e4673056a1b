import { DATASET_COLUMN_TYPES, NUMERIC_MAX_PRECISION, type CompiledDataset, type CompiledDatasetColumn } from './compiled-schema';

/** A PostgreSQL identifier that needs no quoting, within NAMEDATALEN (63 bytes). */
const DATASET_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const DATASET_NAME = /^(va|ta)_[a-z0-9_]+$/;
const COLUMN_TYPES: ReadonlySet<string> = new Set(DATASET_COLUMN_TYPES);

/** `view` for `va_*`, `table` for `ta_*` (and for anything else, which datasetProblems refuses). */
export function datasetKindOf(name: string): CompiledDataset['kind'] {
  return typeof name === 'string' && name.startsWith('ta_') ? 'table' : 'view';
}

/**
 * Every rule a list of compiled datasets must satisfy, as messages naming the dataset and column.
 * The compiler reports them as compile errors, and loadCompiledSchema refuses a file breaking one.
 */
export function datasetProblems(datasets: readonly CompiledDataset[]): string[] {
  const problems: string[] = [];
  const byName = new Map<string, CompiledDataset>();
  for (const dataset of datasets) {
    const at = `dataset ${JSON.stringify(dataset.name)}`;
    if (typeof dataset.name !== 'string' || !DATASET_NAME.test(dataset.name) || !DATASET_IDENTIFIER.test(dataset.name)) {
      problems.push(
        `${at}: invalid name (va_<name> for a view or ta_<name> for a table: lower-case letters, digits and _, at most 63 characters)`,
      );
    } else if (dataset.kind !== datasetKindOf(dataset.name)) {
      problems.push(`${at}: kind ${JSON.stringify(dataset.kind)} does not match the name (va_* is a view, ta_* a table)`);
    }
    if (byName.has(dataset.name)) problems.push(`${at}: duplicate dataset name`);
    else byName.set(dataset.name, dataset);
    problems.push(...columnProblems(dataset, at));
    problems.push(...keyColumnProblems(dataset, at));
  }
  for (const dataset of datasets) {
    if (dataset.refreshFrom !== undefined) problems.push(...refreshProblems(dataset, byName));
  }
  return problems;
}

function columnProblems(dataset: CompiledDataset, at: string): string[] {
  const problems: string[] = [];
  if (dataset.columns.length === 0) problems.push(`${at}: no columns`);
  const seen = new Set<string>();
  for (const c of dataset.columns) {
    const where = `${at}.${c.name}`;
    if (typeof c.name !== 'string' || !DATASET_IDENTIFIER.test(c.name)) {
      problems.push(
        `${at}: invalid column name ${JSON.stringify(c.name)} (lower-case letters, digits and _, not starting with a digit, at most 63 characters)`,
      );
    }
    if (seen.has(c.name)) problems.push(`${where}: duplicate column`);
    seen.add(c.name);
    if (!COLUMN_TYPES.has(c.type)) problems.push(`${where}: unknown column type ${JSON.stringify(c.type)}`);
    if (c.type !== 'numeric') {
      if (c.precision !== undefined || c.scale !== undefined) problems.push(`${where}: precision and scale apply to numeric columns only`);
      continue;
    }
    if (c.precision === undefined) {
      if (c.scale !== undefined) problems.push(`${where}: numeric scale needs a precision (numeric(precision, scale))`);
      continue;
    }
    if (!Number.isInteger(c.precision) || c.precision < 1 || c.precision > NUMERIC_MAX_PRECISION) {
      problems.push(`${where}: numeric precision must be an integer from 1 to ${NUMERIC_MAX_PRECISION} (got ${c.precision})`);
    }
    if (c.scale === undefined) {
      problems.push(`${where}: numeric precision without scale (a compiled column has both or neither; numeric(p) is numeric(p,0))`);
    } else if (!Number.isInteger(c.scale) || c.scale < 0 || c.scale > c.precision) {
      problems.push(`${where}: numeric scale must be an integer from 0 to the precision ${c.precision} (got ${c.scale})`);
    }
  }
  return problems;
}

/** The org column (tenant scoping) and the partition column must be declared columns of a suitable type. */
function keyColumnProblems(dataset: CompiledDataset, at: string): string[] {
  const problems: string[] = [];
  const find = (name: string) => dataset.columns.find((c) => c.name === name);
  if (dataset.tenantScoped) {
    const org = dataset.orgColumn === undefined ? undefined : find(dataset.orgColumn);
    if (dataset.orgColumn === undefined) problems.push(`${at}: tenant-scoped, but no orgColumn`);
    else if (!org)
      problems.push(
        `${at}: tenant-scoped, but its orgColumn "${dataset.orgColumn}" is not a declared column (declare it as column.uuid(), or set tenantScoped: false)`,
      );
    else if (org.type !== 'uuid' || org.array)
      problems.push(`${at}: tenant-scoped, but its orgColumn "${org.name}" is ${datasetColumnSqlType(org)}, not uuid`);
  } else if (dataset.orgColumn !== undefined) {
    problems.push(`${at}: orgColumn "${dataset.orgColumn}" is set, but the dataset is not tenant-scoped`);
  }
  if (dataset.partitionColumn !== undefined) {
    const partition = find(dataset.partitionColumn);
    if (!partition) problems.push(`${at}: partitionColumn "${dataset.partitionColumn}" is not a declared column`);
    else if (partition.array || partition.type === 'json')
      problems.push(
        `${at}: partitionColumn "${partition.name}" is ${datasetColumnSqlType(partition)}, which cannot be hashed into partitions`,
      );
  }
  return problems;
}

/** A table refreshed from a view: the view must give every column of the table, with the same type. */
function refreshProblems(table: CompiledDataset, byName: ReadonlyMap<string, CompiledDataset>): string[] {
  const at = `dataset ${JSON.stringify(table.name)}`;
  if (table.kind !== 'table') return [`${at}: refreshFrom applies to tables (ta_*) only`];
  const source = byName.get(table.refreshFrom as string);
  if (!source) return [`${at}: refreshFrom names unknown dataset ${JSON.stringify(table.refreshFrom)}`];
  if (source.kind !== 'view') return [`${at}: refreshFrom must name a view dataset (va_*), not ${JSON.stringify(source.name)}`];
  const problems: string[] = [];
  if (table.tenantScoped && (!source.tenantScoped || source.orgColumn !== table.orgColumn)) {
    problems.push(
      `${at}: a tenant-scoped table must be refreshed from a tenant-scoped view with the same orgColumn ("${table.orgColumn}")`,
    );
  }
  for (const c of table.columns) {
    const from = source.columns.find((s) => s.name === c.name);
    if (!from) problems.push(`${at}.${c.name}: refreshFrom ${source.name} has no column "${c.name}"`);
    else if (datasetColumnSqlType(from) !== datasetColumnSqlType(c))
      problems.push(`${at}.${c.name}: ${datasetColumnSqlType(c)}, but ${source.name}.${c.name} is ${datasetColumnSqlType(from)}`);
    else if (!c.nullable && from.nullable) problems.push(`${at}.${c.name}: not nullable, but ${source.name}.${c.name} is nullable`);
  }
  return problems;
}

/** The column's type as a PostgreSQL cast accepts it, in pg_type names: `int4`, `numeric(12,2)`, `text[]`. */
export function datasetColumnSqlType(c: Pick<CompiledDatasetColumn, 'type' | 'array' | 'precision' | 'scale'>): string {
  const modifier = c.precision === undefined ? '' : `(${c.precision},${c.scale ?? 0})`;
  return `${c.type}${modifier}${c.array ? '[]' : ''}`;
}
