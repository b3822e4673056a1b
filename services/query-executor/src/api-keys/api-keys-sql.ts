/** The columns every statement returns, in the shape ApiKeyRow reads. */
const COLUMNS = `id, org_id, name, roles, secret_hash, created_at, created_by, expires_at, revoked_at, version`;

export const INSERT_API_KEY = `INSERT INTO fraiseql.tb_api_key (id, org_id, name, roles, secret_hash, created_by, expires_at, rotated_from)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING ${COLUMNS}`;

/** The keys of one org, newest first; $2 = true includes revoked and expired ones. */
export const LIST_API_KEYS = `SELECT ${COLUMNS} FROM fraiseql.tb_api_key
WHERE org_id = $1 AND ($2 OR (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > clock_timestamp())))
ORDER BY created_at DESC, id`;

/** One key of one org, locked for a change in the same transaction. */
export const LOCK_API_KEY = `SELECT ${COLUMNS} FROM fraiseql.tb_api_key WHERE org_id = $1 AND id = $2 FOR UPDATE`;

export const REVOKE_API_KEY = `UPDATE fraiseql.tb_api_key
SET revoked_at = coalesce(revoked_at, clock_timestamp()), revoked_by = coalesce(revoked_by, $3), version = version + 1
WHERE org_id = $1 AND id = $2
RETURNING ${COLUMNS}`;

/** The old key of a rotation: it expires after the grace period (never later than it already would). */
export const EXPIRE_API_KEY = `UPDATE fraiseql.tb_api_key
SET expires_at = least(coalesce(expires_at, 'infinity'), clock_timestamp() + make_interval(secs => $3)), version = version + 1
WHERE org_id = $1 AND id = $2
RETURNING ${COLUMNS}`;

export const READ_ALL_API_KEYS = `SELECT ${COLUMNS} FROM fraiseql.tb_api_key`;
