/**
 * The fixed statements of a mutation transaction (docs/adr/0082-mutations.md). Values are
 * always parameters. The request settings after BEGIN are written by libs/identity's
 * requestSettingsStatement, with what change capture records: the traceparent and schema version.
 */
export const BEGIN_READ_WRITE = 'BEGIN READ WRITE';

/**
 * Claims an idempotency key: inserted first, so a concurrent request with the same key waits on
 * this row until this transaction ends, then finds it (committed) or inserts it (rolled back).
 */
export const CLAIM_IDEMPOTENCY_KEY = `INSERT INTO fraiseql.tb_idempotency_key (org_id, key, operation_hash)
VALUES ($1::uuid, $2, $3) ON CONFLICT (org_id, key) DO NOTHING RETURNING true AS claimed`;

export const READ_IDEMPOTENCY_KEY = `SELECT operation_hash, response FROM fraiseql.tb_idempotency_key WHERE org_id = $1::uuid AND key = $2`;

export const STORE_IDEMPOTENT_RESPONSE = `UPDATE fraiseql.tb_idempotency_key SET response = $3 WHERE org_id = $1::uuid AND key = $2`;

/** Deletes at most $2 keys older than $1 (an interval); see migrations/postgres/0003. */
export const PRUNE_IDEMPOTENCY_KEYS = `SELECT fraiseql.prune_idempotency_keys($1::interval, $2) AS deleted`;

export const COMMIT = 'COMMIT';
export const ROLLBACK = 'ROLLBACK';
