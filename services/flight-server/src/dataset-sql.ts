import { escapeIdentifier } from 'pg';
import type { SqlParameter } from '@fraiseql/arrow';
import { FraiseqlError } from '@fraiseql/errors';
import type { ExportTicket, ViewTicket } from '@fraiseql/flight';
import { requireOrg, type AuthenticatedCaller } from '@fraiseql/identity';
import { datasetColumnSqlType, type CompiledDataset, type CompiledDatasetColumn } from '@fraiseql/schema';
import type { FlightCatalog } from './flight-catalog';

/** One SELECT over a dataset, its `$n` values, and the declared columns it returns in order. */
export interface DatasetStatement {
  sql: string;
  params: SqlParameter[];
  dataset: CompiledDataset;
  columns: CompiledDatasetColumn[];
}

const ORDER_OPERATORS = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** The org predicate of a tenant-scoped dataset; callers outside an org cannot read one. */
function orgCondition(dataset: CompiledDataset, principal: AuthenticatedCaller, params: SqlParameter[]): string[] {
  if (!dataset.tenantScoped) return [];
  const orgId = requireOrg(principal, `Dataset ${dataset.name}`);
  if (dataset.orgColumn === undefined)
    throw new FraiseqlError('FRAISEQL_FORBIDDEN', `Dataset ${dataset.name} is per organization but names no org column.`);
  params.push(orgId);
  return [`t.${escapeIdentifier(dataset.orgColumn)} = $${params.length}::uuid`];
}

/** The columns as selected: a masked column (ADR 0136) is a typed NULL, so its values are never read. */
function selectList(columns: readonly CompiledDatasetColumn[], catalog: FlightCatalog, principal: AuthenticatedCaller): string {
  return columns
    .map((c) =>
      catalog.mayReadColumn(c, principal)
        ? `t.${escapeIdentifier(c.name)}`
        : `NULL::${datasetColumnSqlType(c)} AS ${escapeIdentifier(c.name)}`,
    )
    .join(', ');
}

/** A `view` ticket: typed column selection, filters (values bound and cast to the column's type), order, limit. */
export function viewStatement(ticket: ViewTicket, catalog: FlightCatalog, principal: AuthenticatedCaller): DatasetStatement {
  const dataset = catalog.readableDataset(ticket.view, principal);
  const columns = catalog.columns(dataset, ticket.columns, principal);
  const params: SqlParameter[] = [];
  const conditions = orgCondition(dataset, principal, params);
  for (const filter of ticket.filters ?? []) {
    const column = catalog.filterColumn(dataset, filter.column, principal);
    const target = `t.${escapeIdentifier(column.name)}`;
    const type = datasetColumnSqlType(column);
    const bind = (value: unknown): string => {
      params.push(value as SqlParameter);
      return `$${params.length}::${type}`;
    };
    if (filter.op === 'isNull') {
      conditions.push(`${target} IS ${filter.value === true ? '' : 'NOT '}NULL`);
      continue;
    }
    if (column.array || column.type === 'json' || column.type === 'bytea') {
      throw new FraiseqlError('BAD_USER_INPUT', `Column ${column.name} (${type}) can only be filtered with isNull.`);
    }
    if (filter.op === 'like' || filter.op === 'ilike') {
      if (column.type !== 'text' && column.type !== 'varchar')
        throw new FraiseqlError('BAD_USER_INPUT', `Operator ${filter.op} needs a text column; ${column.name} is ${type}.`);
      params.push(filter.value as string);
      conditions.push(`${target} ${filter.op === 'like' ? 'LIKE' : 'ILIKE'} $${params.length}::text`);
    } else if (filter.op === 'in' || filter.op === 'nin') {
      const values = filter.value as unknown[];
      if (values.length === 0) conditions.push(filter.op === 'in' ? 'FALSE' : 'TRUE');
      else conditions.push(`${target} ${filter.op === 'in' ? 'IN' : 'NOT IN'} (${values.map(bind).join(', ')})`);
    } else {
      conditions.push(`${target} ${ORDER_OPERATORS[filter.op]} ${bind(filter.value)}`);
    }
  }
  const order = (ticket.orderBy ?? []).map((key) => {
    const column = catalog.filterColumn(dataset, key.column, principal);
    if (column.type === 'json') throw new FraiseqlError('BAD_USER_INPUT', `Column ${column.name} (json) cannot be ordered on.`);
    return `t.${escapeIdentifier(column.name)} ${key.direction === 'desc' ? 'DESC' : 'ASC'}${key.nulls ? ` NULLS ${key.nulls === 'first' ? 'FIRST' : 'LAST'}` : ''}`;
  });
  let sql = `SELECT ${selectList(columns, catalog, principal)} FROM ${escapeIdentifier(dataset.name)} t`;
  if (conditions.length > 0) sql += ` WHERE ${conditions.join(' AND ')}`;
  if (order.length > 0) sql += ` ORDER BY ${order.join(', ')}`;
  if (ticket.limit !== undefined) sql += ` LIMIT ${ticket.limit}`;
  return { sql, params, dataset, columns };
}

/**
 * An `export` ticket: the whole dataset (the caller's org), or one hash partition of it
 * (`hashtext(partitionColumn::text) mod count = index`, rows with a NULL key in partition 0), so that
 * clients read partitions in parallel. Hash, not ranges: docs/adr/0145-parallel-flight-partitions.md.
 */
export function exportStatement(ticket: ExportTicket, catalog: FlightCatalog, principal: AuthenticatedCaller): DatasetStatement {
  const dataset = catalog.readableDataset(ticket.source, principal);
  const columns = catalog.columns(dataset, ticket.columns, principal);
  const params: SqlParameter[] = [];
  const conditions = orgCondition(dataset, principal, params);
  const { index, count } = ticket.partition;
  if (count > 1) {
    if (dataset.partitionColumn === undefined)
      throw new FraiseqlError('BAD_USER_INPUT', `Dataset ${dataset.name} declares no partitionColumn: it is exported in one partition.`);
    // A NULL key hashes to NULL, which no `= index` holds: such rows go to partition 0 rather than to none.
    conditions.push(`(COALESCE(hashtext(t.${escapeIdentifier(dataset.partitionColumn)}::text), 0) & 2147483647) % ${count} = ${index}`);
  }
  let sql = `SELECT ${selectList(columns, catalog, principal)} FROM ${escapeIdentifier(dataset.name)} t`;
  if (conditions.length > 0) sql += ` WHERE ${conditions.join(' AND ')}`;
  return { sql, params, dataset, columns };
}
