-- Change capture (docs/adr/0080-change-capture.md): every committed change to an entity becomes
-- exactly one row of fraiseql.tb_entity_change_log, written in the transaction that made the change,
-- whether the write came through a mutation or straight from SQL. The relay publishes the rows.
--
-- How a transaction's writes become events:
--
--   1. Per base table, a generated BEFORE row trigger (`npx fraiseql generate triggers`) maps the row
--      to its entity (the row itself, or the parent of a child row) and calls the entity's generated
--      touch function. At the entity's first touch in the transaction, that function reads the
--      entity's pre-image — its view's `data` before the change — and records it in
--      fraiseql.tb_entity_change_pending (fraiseql.capture_record). Later touches find the pending row
--      and do nothing else (one index probe).
--   2. The transaction's first pending row carries `opens_transaction`, which queues the deferred
--      constraint trigger fraiseql_capture_flush once. At commit it turns every pending row of the
--      transaction into at most one change-log row, reading each entity's view `data` as it is
--      then (after every statement trigger, e.g. table-backed projections, has run), and deletes the
--      pending rows:
--         pre-image  now      event
--         none       none     — (inserted and deleted again, or never there)
--         none       data     INSERT  data = now
--         data       data     UPDATE  data = now, before = pre-image (if the entity asks for
--                                     pre-images), changed_fields = top-level keys that differ;
--                                     no event when nothing in data changed
--         data       none     DELETE  data = pre-image
--      and notifies channel `fraiseql_change_log` (once per transaction: PostgreSQL folds identical
--      notifications of one transaction).
--   A rolled-back transaction (or savepoint) takes its pending rows and its queued flush with it.
--
-- Context: org_id comes from the entity's row (its org column); user_id, trace_id, traceparent and
-- schema_version from the transaction-local settings fraiseql.user_id, fraiseql.trace_id,
-- fraiseql.traceparent, fraiseql.schema_version at commit (empty or unset → NULL).
--
-- Switch: `SET LOCAL fraiseql.capture = 'off'` (or set_config('fraiseql.capture', 'off', true)) makes
-- the capture triggers skip the rows written while it is off (bulk loads, repairs). Rows written
-- while it is off produce no event, even if the transaction touches the entity again later.
--
-- Not captured: TRUNCATE (no row triggers), and `SET CONSTRAINTS ALL IMMEDIATE` flushes early (writes
-- after it open a new round, so such a transaction can produce two events for one entity).

-- UUID version 7 (RFC 9562): 48-bit Unix time in milliseconds, version 7, 12 bits of sub-millisecond
-- time (so ids of one session sort by creation time down to the microsecond), variant 10, then
-- random bits from gen_random_uuid().
CREATE FUNCTION fraiseql.uuid_v7() RETURNS uuid
  LANGUAGE plpgsql VOLATILE PARALLEL SAFE
AS $$
DECLARE
  micros bigint := floor(extract(epoch FROM clock_timestamp()) * 1000000);
  millis bigint := micros / 1000;
  sub_ms integer := ((micros % 1000) * 4096 / 1000)::integer;
  bytes bytea := uuid_send(gen_random_uuid());
BEGIN
  bytes := overlay(bytes PLACING substring(int8send(millis) FROM 3 FOR 6) FROM 1 FOR 6);
  bytes := set_byte(bytes, 6, 112 | (sub_ms >> 8));         -- 0111 xxxx: version 7 + high sub-ms bits
  bytes := set_byte(bytes, 7, sub_ms & 255);
  bytes := set_byte(bytes, 8, 128 | (get_byte(bytes, 8) & 63)); -- 10xx xxxx: RFC variant
  RETURN encode(bytes, 'hex')::uuid;
END;
$$;

COMMENT ON FUNCTION fraiseql.uuid_v7() IS 'A time-ordered UUID (version 7): the event id of change-log rows.';

CREATE TABLE fraiseql.tb_entity_change_log (
  seq            bigserial   PRIMARY KEY,
  event_id       uuid        NOT NULL UNIQUE DEFAULT fraiseql.uuid_v7(),
  org_id         uuid,
  user_id        text,
  entity_type    text        NOT NULL,
  entity_id      text        NOT NULL,
  event_type     text        NOT NULL,
  data           jsonb       NOT NULL,
  before         jsonb,
  changed_fields text[]      NOT NULL DEFAULT '{}',
  trace_id       text,
  traceparent    text,
  schema_version text,
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at   timestamptz
);

-- The relay's queue (oldest unpublished first) and its pruning of published rows.
CREATE INDEX tb_entity_change_log_unpublished_idx ON fraiseql.tb_entity_change_log (seq) WHERE published_at IS NULL;
CREATE INDEX tb_entity_change_log_published_idx ON fraiseql.tb_entity_change_log (published_at) WHERE published_at IS NOT NULL;

COMMENT ON TABLE fraiseql.tb_entity_change_log IS
  'One row per committed change of an entity (EntityEvent, ARCHITECTURE §4); written by the capture triggers, published by the relay.';
COMMENT ON COLUMN fraiseql.tb_entity_change_log.data IS 'The entity''s view data after the change (before it, for DELETE): the JSON GraphQL clients see.';
COMMENT ON COLUMN fraiseql.tb_entity_change_log.before IS 'UPDATE: the entity''s view data before the transaction, when the entity asks for pre-images.';
COMMENT ON COLUMN fraiseql.tb_entity_change_log.changed_fields IS 'UPDATE: top-level keys of data whose values differ from the pre-image, sorted.';

-- Entities touched by transactions still in progress; empty between transactions. A regular table,
-- so that rollbacks (of the transaction or of a savepoint) undo what they recorded. txid leads the
-- key, so concurrent transactions never wait on each other's rows.
CREATE TABLE fraiseql.tb_entity_change_pending (
  txid              xid8    NOT NULL DEFAULT pg_current_xact_id(),
  entity_type       text    NOT NULL,
  entity_id         text    NOT NULL,
  -- First touch order, so the events of one transaction follow it.
  touch             bigint  GENERATED ALWAYS AS IDENTITY,
  org_id            uuid,
  -- The entity's generated read function: (entity_id text) → (entity_org uuid, entity_data jsonb).
  reader            regproc NOT NULL,
  -- The entity's view data at first touch; NULL when it did not exist yet.
  before            jsonb,
  pre_images        boolean NOT NULL,
  -- True on the transaction's first pending row: it queues the commit-time flush.
  opens_transaction boolean NOT NULL,
  PRIMARY KEY (txid, entity_type, entity_id)
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

COMMENT ON TABLE fraiseql.tb_entity_change_pending IS
  'Entities touched by the transactions in progress (first touch, pre-image); turned into change-log rows and emptied at commit.';

-- Whether capture is on for the current transaction (it is unless fraiseql.capture = off). Used in
-- the WHEN clause of every capture trigger, so with capture off no trigger function runs at all.
CREATE FUNCTION fraiseql.capture_enabled() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce(current_setting('fraiseql.capture', true), '') <> 'off';

-- PL/pgSQL rather than SQL for these two: they run once per captured row, and PL/pgSQL keeps their
-- plans for the session (a non-inlined SQL function plans its statements at every call). VOLATILE:
-- they must see the pending rows written for earlier rows of the same statement.
-- enable_seqscan = off: the pending table is usually empty when (auto)vacuum/analyze looks at it,
-- so a plan cached at a transaction's first touch would scan it sequentially, and a bulk statement
-- touching n entities would then cost O(n²). The key lookup must always use the primary key.
CREATE FUNCTION fraiseql.capture_is_pending(entity_type text, entity_id text) RETURNS boolean
  LANGUAGE plpgsql VOLATILE
  SET enable_seqscan = off
AS $$
BEGIN
  RETURN EXISTS (
    SELECT FROM fraiseql.tb_entity_change_pending p
    WHERE p.txid = pg_current_xact_id() AND p.entity_type = capture_is_pending.entity_type AND p.entity_id = capture_is_pending.entity_id);
END;
$$;

-- Records the first touch of an entity in this transaction (the caller checked capture_is_pending).
CREATE FUNCTION fraiseql.capture_record(entity_type text, entity_id text, org_id uuid, reader regproc, before jsonb, pre_images boolean)
  RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET enable_seqscan = off
AS $$
DECLARE
  current_txid xid8 := pg_current_xact_id();
BEGIN
  INSERT INTO fraiseql.tb_entity_change_pending (txid, entity_type, entity_id, org_id, reader, before, pre_images, opens_transaction)
  VALUES (current_txid, $1, $2, $3, $4, $5, $6,
          NOT EXISTS (SELECT FROM fraiseql.tb_entity_change_pending p WHERE p.txid = current_txid));
END;
$$;

COMMENT ON FUNCTION fraiseql.capture_record(text, text, uuid, regproc, jsonb, boolean) IS
  'Called by the generated touch functions at the first touch of an entity in a transaction.';

-- Top-level keys whose values differ between two versions of an entity's data (added and removed
-- keys included), sorted byte-wise so the order does not depend on the collation. PL/pgSQL for a
-- cached plan (called once per UPDATE event).
CREATE FUNCTION fraiseql.changed_fields(before jsonb, after jsonb) RETURNS text[]
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
  RETURN (
    SELECT coalesce(array_agg(k.key ORDER BY k.key COLLATE "C"), '{}')
    FROM (SELECT b.key FROM jsonb_object_keys(before) b(key) UNION SELECT a.key FROM jsonb_object_keys(after) a(key)) k
    WHERE (before -> k.key) IS DISTINCT FROM (after -> k.key));
END;
$$;

-- The commit-time step: turns the transaction's pending rows into change-log rows (one statement
-- per entity type, since each has its own read function) and empties them.
CREATE FUNCTION fraiseql.capture_flush() RETURNS trigger
  LANGUAGE plpgsql
AS $$
DECLARE
  entity_reader regproc;
  written bigint;
  total bigint := 0;
BEGIN
  -- EXECUTE (planned now, with the table's current size) rather than a plan cached while it was empty.
  FOR entity_reader IN EXECUTE
    'SELECT p.reader FROM fraiseql.tb_entity_change_pending p WHERE p.txid = $1 GROUP BY p.reader ORDER BY min(p.touch)'
    USING NEW.txid
  LOOP
    -- The read function's name comes from the catalog (regproc output is a quoted, qualified name).
    EXECUTE format($sql$
      WITH flushed AS (
        DELETE FROM fraiseql.tb_entity_change_pending p
        WHERE p.txid = $1 AND p.reader = $2
        RETURNING p.touch, p.entity_type, p.entity_id, p.org_id, p.before, p.pre_images
      ), compared AS (
        SELECT f.touch, f.entity_type, f.entity_id, coalesce(r.entity_org, f.org_id) AS org_id,
               f.before, f.pre_images, r.entity_data AS after
        FROM flushed f
        LEFT JOIN LATERAL %s(f.entity_id) r ON true
      ), events AS (
        SELECT c.*,
               CASE WHEN c.before IS NULL THEN 'INSERT' WHEN c.after IS NULL THEN 'DELETE' ELSE 'UPDATE' END AS event_type,
               CASE WHEN c.before IS NOT NULL AND c.after IS NOT NULL THEN fraiseql.changed_fields(c.before, c.after) ELSE '{}' END AS changed
        FROM compared c
        WHERE c.before IS NOT NULL OR c.after IS NOT NULL
      )
      INSERT INTO fraiseql.tb_entity_change_log
        (org_id, user_id, entity_type, entity_id, event_type, data, before, changed_fields, trace_id, traceparent, schema_version)
      SELECT e.org_id, $3, e.entity_type, e.entity_id, e.event_type,
             coalesce(e.after, e.before),
             CASE WHEN e.event_type = 'UPDATE' AND e.pre_images THEN e.before END,
             e.changed, $4, $5, $6
      FROM events e
      WHERE e.event_type <> 'UPDATE' OR e.changed <> '{}'
      ORDER BY e.touch
    $sql$, entity_reader)
    USING NEW.txid, entity_reader,
          nullif(current_setting('fraiseql.user_id', true), ''),
          nullif(current_setting('fraiseql.trace_id', true), ''),
          nullif(current_setting('fraiseql.traceparent', true), ''),
          nullif(current_setting('fraiseql.schema_version', true), '');
    GET DIAGNOSTICS written = ROW_COUNT;
    total := total + written;
  END LOOP;
  IF total > 0 THEN
    PERFORM pg_notify('fraiseql_change_log', '');
  END IF;
  RETURN NULL;
END;
$$;

COMMENT ON FUNCTION fraiseql.capture_flush() IS
  'Deferred to commit: writes one change-log row per entity the transaction changed, empties its pending rows, notifies fraiseql_change_log.';

CREATE CONSTRAINT TRIGGER fraiseql_capture_flush
  AFTER INSERT ON fraiseql.tb_entity_change_pending
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW
  WHEN (NEW.opens_transaction)
  EXECUTE FUNCTION fraiseql.capture_flush();
