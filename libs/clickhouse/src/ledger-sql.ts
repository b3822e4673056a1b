// The statements the migration runner itself issues: static text around a validated database name; values
// travel as {name:Type} parameters or JSONEachRow rows.

export const LEDGER_TABLE = 'fraiseql_schema_migrations';

/**
 * Created by the runner, not by a migration (a migration cannot record its own creation). ClickHouse has no
 * locks: two runners starting at once may both apply a file (every statement is idempotent) and both record
 * it; the rows share a key and collapse (FINAL on read, and the insert's deduplication token).
 */
export const createLedger = (database: string): string => `
CREATE TABLE IF NOT EXISTS ${database}.${LEDGER_TABLE}
(
    version    String,
    name       String,
    checksum   String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (version, name)
SETTINGS non_replicated_deduplication_window = 1000
COMMENT 'Migrations applied by @fraiseql/clickhouse: one row per NNNN_name.sql file of migrations/clickhouse, sha256 of its text before substitution.'`;

export const selectApplied = (database: string): string =>
  `SELECT version, name, checksum, toString(applied_at) AS applied_at FROM ${database}.${LEDGER_TABLE} FINAL ORDER BY applied_at, version, name`;

/** Table definitions as the server holds them (TTL clauses normalised to `toIntervalDay(N)`). */
export const SELECT_TABLE_DEFINITIONS =
  'SELECT name, create_table_query FROM system.tables WHERE database = {database:String} AND has({tables:Array(String)}, name)';
