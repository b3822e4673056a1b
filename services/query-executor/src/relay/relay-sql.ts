// The statements the change-log relay runs: static text, values only as $n parameters.
// They live in a .ts module (not .sql files) because the service image ships only tsc's output.

/** The channel the capture trigger notifies once per committing transaction. */
export const CHANGE_LOG_CHANNEL = 'fraiseql_change_log';

export const LISTEN_CHANGE_LOG = `LISTEN ${CHANGE_LOG_CHANNEL}`;

/**
 * Claims the oldest unpublished rows. SKIP LOCKED lets any number of relays share the log, and
 * selecting by `published_at IS NULL` (not by a high-water mark) means a row that commits late with
 * a lower seq is never skipped. PostgreSQL builds each EntityEvent's JSON text (and its RFC 3339
 * timestamp with microseconds), so the relay only encodes and publishes.
 * Columns: seq (text), event_id, org_id, entity_type, event_type, traceparent, payload.
 */
export const CLAIM_BATCH = `
SELECT seq::text,
       event_id::text,
       org_id::text,
       entity_type,
       event_type,
       traceparent,
       json_build_object(
         'event_id', event_id,
         'seq', seq,
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
  FROM fraiseql.tb_entity_change_log
 WHERE published_at IS NULL
 ORDER BY seq
 LIMIT $1
   FOR UPDATE SKIP LOCKED`;

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
