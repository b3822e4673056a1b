import { escapeIdentifier, type Pool } from 'pg';
import type { SqlParameter } from '@fraiseql/arrow';
import { payloadInvalid, type ColumnFilter, type ViewExportSource } from './export-payload';

/** The SELECT an export of a view runs, with its parameters ($n, bound as literals by the COPY reader). */
export interface ViewExportQuery {
  sql: string;
  params: SqlParameter[];
  /** Whether the view has an org_id column, which the query then always filters on. */
  tenant: boolean;
}

interface ViewColumn {
  name: string;
  /** format_type() of the column: what a filter value is cast to when it is checked. */
  type: string;
}

const COMPARISONS = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * The query for an export of a view: every identifier checked against the catalog (the view must be a view
 * or materialized view visible in the search path, each column one of its own) and quoted; every value a
 * parameter, checked first by casting it to its column's type, so an unknown name or a value of the wrong
 * type is FRAISEQL_JOB_PAYLOAD_INVALID naming the field before anything is read or written. A view with an
 * org_id column is always filtered on the job's org, and refused to a job without one.
 */
export async function buildViewExportQuery(
  pool: Pool,
  source: ViewExportSource,
  orgId: string | null,
  /** Selected columns read as a NULL of their type (a read rule masks them, docs/adr/0136-authorization-in-the-plan.md). */
  masked: readonly string[] = [],
): Promise<ViewExportQuery> {
  const found = await pool.query<{ schema: string; columns: ViewColumn[] | null }>(
    `SELECT n.nspname AS schema,
            (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
               FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = $1 AND c.relkind IN ('v', 'm') AND pg_catalog.pg_table_is_visible(c.oid)`,
    [source.view],
  );
  const view = found.rows[0];
  if (view === undefined) throw payloadInvalid('payload.source.view', `no view ${JSON.stringify(source.view)}`);
  const columns = new Map((view.columns ?? []).map((c) => [c.name, c]));
  const known = (name: string, path: string): ViewColumn => {
    const column = columns.get(name);
    if (column === undefined) throw payloadInvalid(path, `${source.view} has no column ${JSON.stringify(name)}`);
    return column;
  };

  const selected = (source.columns ?? [...columns.keys()]).map((name, i) => known(name, `payload.source.columns.${i}`));
  const params: SqlParameter[] = [];
  const bind = (value: SqlParameter): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions: string[] = [];
  const tenant = columns.has('org_id');
  if (tenant) {
    if (orgId === null) throw payloadInvalid('payload.source.view', `${source.view} is scoped by org_id and this job has no org`);
    await checkValue(pool, columns.get('org_id')!, orgId, 'context.orgId');
    conditions.push(`${escapeIdentifier('org_id')} = ${bind(orgId)}`);
  }
  for (const [name, filter] of Object.entries(source.where ?? {})) {
    const path = `payload.source.where.${name}`;
    const column = known(name, path);
    conditions.push(await condition(pool, escapeIdentifier(name), column, filter, path, bind));
  }
  const order = (source.orderBy ?? []).map(
    (o, i) => `${escapeIdentifier(known(o.column, `payload.source.orderBy.${i}.column`).name)} ${o.direction === 'desc' ? 'DESC' : 'ASC'}`,
  );

  const sql = [
    `SELECT ${selected.map((c) => (masked.includes(c.name) ? `NULL::${c.type} AS ${escapeIdentifier(c.name)}` : escapeIdentifier(c.name))).join(', ')}`,
    `FROM ${escapeIdentifier(view.schema)}.${escapeIdentifier(source.view)}`,
    conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '',
    order.length > 0 ? `ORDER BY ${order.join(', ')}` : '',
    source.limit === undefined ? '' : `LIMIT ${source.limit}`,
  ]
    .filter((part) => part !== '')
    .join(' ');
  return { sql, params, tenant };
}

async function condition(
  pool: Pool,
  quoted: string,
  column: ViewColumn,
  filter: ColumnFilter,
  path: string,
  bind: (value: SqlParameter) => string,
): Promise<string> {
  if ('isNull' in filter) return `${quoted} IS ${filter.isNull ? '' : 'NOT '}NULL`;
  if ('in' in filter) {
    for (let i = 0; i < filter.in.length; i++) await checkValue(pool, column, filter.in[i]!, `${path}.in.${i}`);
    return `${quoted} IN (${filter.in.map((v) => bind(v)).join(', ')})`;
  }
  const [operator, value] = Object.entries(filter)[0] as [keyof typeof COMPARISONS, string | number | boolean];
  await checkValue(pool, column, value, `${path}.${operator}`);
  return `${quoted} ${COMPARISONS[operator]} ${bind(value)}`;
}

/** Casts the value to the column's type in PostgreSQL, so a bad value is refused by name before the export starts. */
async function checkValue(pool: Pool, column: ViewColumn, value: string | number | boolean, path: string): Promise<void> {
  try {
    // column.type is format_type() output from the catalog, never payload text.
    await pool.query(`SELECT $1::text::${column.type}`, [String(value)]);
  } catch (error) {
    throw payloadInvalid(path, `${JSON.stringify(value)} is not a valid ${column.type}: ${(error as Error).message}`);
  }
}
