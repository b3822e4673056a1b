// The statements the runner itself issues. Static text, never built from input; the only
// values (ids, checksums) go in as $n parameters.

/**
 * Any constant works as long as every runner uses the same one: it serialises migrators on one
 * database (advisory locks are per database). 0x46524149 = 'FRAI'.
 */
export const MIGRATION_LOCK_KEY = 1179795785;

export const ACQUIRE_LOCK = 'SELECT pg_advisory_lock($1)';
export const RELEASE_LOCK = 'SELECT pg_advisory_unlock($1)';

/**
 * The ledger is created by the runner, not by a migration: a migration cannot record its own
 * creation. IF NOT EXISTS is safe because it only runs while the advisory lock is held.
 */
export const CREATE_LEDGER = `
CREATE SCHEMA IF NOT EXISTS fraiseql;
CREATE TABLE IF NOT EXISTS fraiseql.schema_migrations (
  version    text        NOT NULL,
  name       text        NOT NULL,
  checksum   text        NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
  applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (version, name)
);
COMMENT ON TABLE fraiseql.schema_migrations IS 'Migrations applied by @fraiseql/pg-migrations: one row per NNNN_name.sql file, sha256 of its text.';
`;

export const LEDGER_EXISTS = `SELECT to_regclass('fraiseql.schema_migrations') IS NOT NULL AS exists`;

export const SELECT_APPLIED = `
SELECT version, name, checksum, applied_at
FROM fraiseql.schema_migrations
ORDER BY applied_at, version, name`;

export const RECORD_APPLIED = 'INSERT INTO fraiseql.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)';
