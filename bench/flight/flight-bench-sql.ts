// The statements the flight benchmark runs besides the .sql files in sql/: static text, values as $n parameters.
import { FLIGHT_ROW_COLUMNS } from './flight-bench-schema';

/**
 * The typed SELECT of the pg and psql legs: the Flight ticket's columns, scoped to the org the way
 * the flight-server scopes a tenant-scoped dataset. The org is a literal (psql's \copy takes no
 * parameters; the Flight server inlines its parameters into COPY the same way).
 */
export function typedRowsSelect(orgId: string): string {
  if (!/^[0-9a-f-]{36}$/.test(orgId)) throw new Error(`not a uuid: ${orgId}`);
  return `SELECT ${FLIGHT_ROW_COLUMNS.join(', ')} FROM va_flight_row WHERE org_id = '${orgId}'`;
}

/** migrations/postgres/0004 provides the role and the function; the benchmark's views are created after the migrations. */
export const HAS_GRANT_FUNCTION = `SELECT to_regprocedure('fraiseql.grant_flight_access(text)') IS NOT NULL AS present`;
export const GRANT_FLIGHT_ACCESS = `SELECT fraiseql.grant_flight_access()`;

/**
 * Reads every heap page the legs will read, so the OS page cache holds them before the first
 * measured leg (the tables are built once and may have been evicted since). `IS NOT NULL` on a
 * column forces the heap visit an index-only plan would skip.
 */
export const WARM_TYPED_ROWS = `SELECT count(*) AS n FROM tb_flight_row WHERE notes IS NULL OR notes IS NOT NULL`;
export const WARM_JSON_ROWS = `SELECT count(*) AS n FROM tv_flight_row WHERE org_id = $1::uuid AND seq <= $2 AND data IS NOT NULL`;
