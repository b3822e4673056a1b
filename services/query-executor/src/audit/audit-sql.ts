/** One entry; a redelivered one (same audit_id) is written once. */
export const INSERT_AUDIT_ENTRY = `INSERT INTO fraiseql.tb_audit_log
  (audit_id, at, org_id, kind, action, outcome, actor_subject, actor_roles, target, source, ip, request_id, code, details)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (audit_id) DO NOTHING`;

/**
 * One page of one org's entries, newest first: $2..$6 narrow (NULL = any), ($7, $8) is the keyset cursor (the last
 * entry of the previous page; NULL = from the newest), $9 the page size. `at_text` keeps the microseconds a Date loses.
 */
export const LIST_AUDIT_ENTRIES = `SELECT audit_id::text AS id,
  to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_text,
  kind, action, outcome, actor_subject, actor_roles, target, source, ip, request_id, code, details
FROM fraiseql.tb_audit_log
WHERE org_id = $1
  AND ($2::text IS NULL OR kind = $2)
  AND ($3::text IS NULL OR action = $3)
  AND ($4::text IS NULL OR actor_subject = $4)
  AND ($5::timestamptz IS NULL OR at >= $5)
  AND ($6::timestamptz IS NULL OR at < $6)
  AND ($7::timestamptz IS NULL OR (at, audit_id) < ($7::timestamptz, $8::uuid))
ORDER BY at DESC, audit_id DESC
LIMIT $9`;
