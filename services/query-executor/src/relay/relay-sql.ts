// The statements the change-log relay runs: static text, values only as $n parameters.
// They live in a .ts module (not .sql files) because the service image ships only tsc's output.

/** The channel the capture trigger notifies once per committing transaction. */
export const CHANGE_LOG_CHANNEL = 'fraiseql_change_log';

/**
 * Claims the oldest unpublished rows. SKIP LOCKED lets any number of relays share the log, and
 * selecting by `published_at IS NULL` (not by a high-water mark) means a row that commits late with
 * a lower seq is never skipped. PostgreSQL builds each EntityEvent's JSON text (and its RFC 3339
 * timestamp with microseconds), so the relay only encodes and publishes.
 * Columns: seq (text), event_id, org_id, entity_type, event_type, traceparent, payload.
 */
/**
 * Planner settings for the claim, transaction-local. Right after a burst the table has no fresh
 * statistics, and PostgreSQL picks a bitmap scan + sort over every unpublished row for each batch
 * (quadratic over a burst); the partial index already yields rows in seq order, so the LIMIT stops early.
 */
export const CLAIM_PLAN_SETTINGS = `SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)`;

export const CLAIM_BATCH = `
WITH claimed AS (
  SELECT seq
    FROM fraiseql.tb_entity_change_log
   WHERE published_at IS NULL
   ORDER BY seq
   LIMIT $1
     FOR UPDATE SKIP LOCKED
)
SELECT c.seq::text,
       c.event_id::text,
       c.org_id::text,
       c.entity_type,
       c.event_type,
       c.traceparent,
       -- Built only for the claimed rows (a join after the LIMIT), never for the whole backlog.
       json_build_object(
         'event_id', c.event_id,
         'seq', c.seq,
         'event_type', event_type,
         'entity_type', entity_type,
         'entity_id', entity_id,
         'org_id', org_id,
         'user_id', user_id,
         'timestamp', fraiseql.to_iso8601(created_at),
         'data', data,
         'before', before,
         'changed_fields', changed_fields,
         'schema_version', schema_version
       )::text
  FROM claimed
  JOIN fraiseql.tb_entity_change_log c ON c.seq = claimed.seq
 ORDER BY c.seq`;

/** Marks the claimed rows published; runs only after JetStream acknowledged every one of them. */
export const MARK_PUBLISHED = `
UPDATE fraiseql.tb_entity_change_log
   SET published_at = clock_timestamp()
 WHERE seq = ANY($1::bigint[])`;

/**
 * Deletes at most $2 rows published more than $1 ms ago. Bounded so one prune never holds
 * many locks or a long transaction; SKIP LOCKED so replicas pruning at once do not queue.
 */
export const PRUNE_PUBLISHED = `
WITH doomed AS (
  SELECT seq
    FROM fraiseql.tb_entity_change_log
   WHERE published_at IS NOT NULL
     AND published_at < clock_timestamp() - make_interval(secs => $1::double precision / 1000)
   ORDER BY published_at
   LIMIT $2
     FOR UPDATE SKIP LOCKED
)
DELETE FROM fraiseql.tb_entity_change_log c
 USING doomed
 WHERE c.seq = doomed.seq`;

/** Age of the oldest unpublished row (0 when none): one index probe on the partial seq index. */
export const RELAY_LAG_SECONDS = `
SELECT COALESCE(
         (SELECT EXTRACT(EPOCH FROM clock_timestamp() - created_at)::float8
            FROM fraiseql.tb_entity_change_log
           WHERE published_at IS NULL
           ORDER BY seq
           LIMIT 1),
         0) AS lag`;
