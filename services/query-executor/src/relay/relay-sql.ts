// The statements the change-log relay runs: static text, values only as $n parameters.
// They live in a .ts module (not .sql files) because the service image ships only tsc's output.

/** The channel the capture trigger notifies once per committing transaction. */
export const CHANGE_LOG_CHANNEL = 'fraiseql_change_log';

/**
 * Session settings of the relay's own pool (its connections run nothing but relay statements), run
 * once on each new connection (a statement rather than startup options, which poolers may refuse).
 * - Planner: right after a burst the table has no fresh statistics, and PostgreSQL picks a bitmap
 *   scan + sort over every unpublished row for each batch (quadratic over a burst); the partial
 *   index already yields rows in seq order, so the LIMIT stops early. Set once per connection rather
 *   than per claim: one statement (and one socket write) less for every batch.
 * - synchronous_commit off: the mark + COMMIT does not wait for the WAL flush (an fsync, up to tens
 *   of ms on a busy disk, during which the batch holds one of the few open-batch slots). Safe because
 *   the mark is only a "do not send again" note: if PostgreSQL crashes and loses it, the rows are
 *   published again with the same Nats-Msg-Id and JetStream drops them as duplicates
 *   (docs/adr/0147-relay-at-raw-publish-speed.md). The writers' commits are untouched.
 */
export const RELAY_SESSION_SETTINGS = `SELECT set_config('enable_bitmapscan', 'off', false), set_config('enable_seqscan', 'off', false),
       set_config('synchronous_commit', 'off', false)`;

/** The transaction-local setting that carries a batch's claimed seqs from LOCK_BATCH to READ_BATCH and MARK_PUBLISHED. */
const CLAIMED_SEQS = `current_setting('fraiseql.relay_claimed')::bigint[]`;

/**
 * Claims (locks) the oldest unpublished rows with seq > $2 and notes their seqs in the transaction;
 * returns how many, and the last. SKIP LOCKED lets any number of relays (and a relay's own open
 * batches) share the log, and selecting by `published_at IS NULL` (not by a high-water mark) means a
 * row that commits late with a lower seq is never skipped: $2 is 0 except while this relay drains a
 * backlog with earlier batches of its own open, when it starts after them instead of stepping over their locked rows and
 * the dead index entries of the batches just marked (the relay scans from 0 again at least every few
 * claims and before it goes idle, so a late row waits a few batches at most).
 * Cheap (index scan + row locks): the relay waits only for this before it claims the next batch,
 * while READ_BATCH builds this one's JSON (docs/adr/0147-relay-at-raw-publish-speed.md).
 */
export const LOCK_BATCH = `
WITH claimed AS (
  SELECT seq
    FROM fraiseql.tb_entity_change_log
   WHERE published_at IS NULL
     AND seq > $2
   ORDER BY seq
   LIMIT $1
     FOR UPDATE SKIP LOCKED
)
SELECT count(*)::int AS claimed,
       max(seq)::text AS last,
       set_config('fraiseql.relay_claimed', COALESCE(array_agg(seq ORDER BY seq)::text, '{}'), true) IS NOT NULL AS noted
  FROM claimed`;

/**
 * The claimed rows as the relay publishes them, in seq order. PostgreSQL builds each EntityEvent's
 * JSON text (and its RFC 3339 timestamp with microseconds), so the relay only encodes and publishes.
 * Columns: seq (text), event_id, org_id, entity_type, event_type, traceparent, payload.
 */
export const READ_BATCH = `
SELECT c.seq::text,
       c.event_id::text,
       c.org_id::text,
       c.entity_type,
       c.event_type,
       c.traceparent,
       json_build_object(
         'event_id', c.event_id,
         'seq', c.seq,
         'event_type', c.event_type,
         'entity_type', c.entity_type,
         'entity_id', c.entity_id,
         'org_id', c.org_id,
         'user_id', c.user_id,
         'timestamp', fraiseql.to_iso8601(c.created_at),
         'data', c.data,
         'before', c.before,
         'changed_fields', c.changed_fields,
         'schema_version', c.schema_version
       )::text
  FROM fraiseql.tb_entity_change_log c
 WHERE c.seq = ANY (${CLAIMED_SEQS})
 ORDER BY c.seq`;

/** Marks the batch's claimed rows published; runs only after JetStream acknowledged every one of them. */
export const MARK_PUBLISHED = `
UPDATE fraiseql.tb_entity_change_log
   SET published_at = clock_timestamp()
 WHERE seq = ANY (${CLAIMED_SEQS})`;

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
