// The statements the events benchmark runs: static text, values only as $n parameters.

/** The EntityEvent JSON of change-log rows in a seq range, exactly as the relay's claim builds it. */
export const EVENT_PAYLOADS = `
SELECT event_id::text, org_id::text, entity_type, event_type,
       json_build_object(
         'event_id', event_id, 'seq', seq, 'event_type', event_type, 'entity_type', entity_type,
         'entity_id', entity_id, 'org_id', org_id, 'user_id', user_id,
         'timestamp', fraiseql.to_iso8601(created_at), 'data', data, 'before', before,
         'changed_fields', changed_fields, 'schema_version', schema_version
       )::text AS payload
  FROM fraiseql.tb_entity_change_log
 WHERE seq > $1 AND seq <= $2
 ORDER BY seq`;

export const LAST_SEQ = `SELECT COALESCE(max(seq), 0)::text AS seq FROM fraiseql.tb_entity_change_log`;

/** Commit time of a bulk update's events: the capture flush stamps them at commit (clock_timestamp()). */
export const COMMIT_TIME = `
SELECT (EXTRACT(EPOCH FROM max(created_at)) * 1000)::float8 AS ms, count(*)::int AS n
  FROM fraiseql.tb_entity_change_log WHERE seq > $1`;

/** Before the executor starts: the change-log rows earlier runs published (the benchmark's own database). */
export const CLEAR_PUBLISHED = `DELETE FROM fraiseql.tb_entity_change_log WHERE published_at IS NOT NULL`;
export const COMPACT_CHANGE_LOG = `VACUUM (FULL, ANALYZE) fraiseql.tb_entity_change_log`;

export const UNPUBLISHED = `SELECT count(*)::int AS n FROM fraiseql.tb_entity_change_log WHERE published_at IS NULL`;

/** The bulk write: one UPDATE of $2 orders in one transaction, one event per order. */
export const BULK_UPDATE = `UPDATE tb_order SET notes = $1 WHERE id IN (SELECT id FROM tb_order ORDER BY id LIMIT $2)`;

/** The steady write: one review per statement (a small transaction of its own, one event). */
export const REVIEW_IDS = `SELECT id::text FROM tb_review ORDER BY id`;
/** One commit of several single-review changes: one event per review (capture: one event per entity per transaction). */
export const STEADY_UPDATE = `UPDATE tb_review SET title = $1 WHERE id = ANY($2::uuid[])`;

/** Orders of one org set back to PENDING without capture, so updateOrderStatus can move them to PAID. */
export const RESET_ORDERS = `
WITH picked AS (SELECT id FROM tb_order WHERE org_id = $1::uuid ORDER BY id LIMIT $2)
UPDATE tb_order o SET status = 'PENDING' FROM picked WHERE o.id = picked.id RETURNING o.id::text`;

export const BUSIEST_ORG = `SELECT org_id::text FROM tb_order GROUP BY org_id ORDER BY count(*) DESC LIMIT 1`;
