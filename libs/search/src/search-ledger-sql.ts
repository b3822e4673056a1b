// The statements prepare() issues around the migration files. Static text; the schema is a validated,
// quoted identifier; values go in as $n parameters.

/** Serialises prepare() of one schema across processes (several sink replicas starting at once). */
export const LOCK_SCHEMA = `SELECT pg_advisory_xact_lock(hashtextextended('fraiseql_search:' || $1, 0))`;

export const CANONICAL_CONFIG = 'SELECT $1::regconfig::text AS name';
export const LIST_CONFIGS = "SELECT string_agg(cfgname, ', ' ORDER BY cfgname) AS names FROM pg_catalog.pg_ts_config";

export const createSchema = (schema: string): string => `CREATE SCHEMA IF NOT EXISTS ${schema}`;

/** The schema's own ledger: the sink's schema is not the application's, and neither is its migration history. */
export const createLedger = (schema: string): string => `
CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
  id         text        PRIMARY KEY,
  checksum   text        NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
  applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
)`;

export const selectApplied = (schema: string): string => `SELECT id, checksum FROM ${schema}.schema_migrations`;
export const recordApplied = (schema: string): string => `INSERT INTO ${schema}.schema_migrations (id, checksum) VALUES ($1, $2)`;

export const claimConfig = (schema: string): string => `
INSERT INTO ${schema}.settings (key, value) VALUES ('text_search_config', $1) ON CONFLICT (key) DO NOTHING`;
export const selectConfig = (schema: string): string => `SELECT value FROM ${schema}.settings WHERE key = 'text_search_config'`;
export const updateConfig = (schema: string): string => `UPDATE ${schema}.settings SET value = $1 WHERE key = 'text_search_config'`;
