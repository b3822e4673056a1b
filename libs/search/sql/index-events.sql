-- Indexes one batch in one statement (so in one transaction). $1..$9 are parallel arrays, one element
-- per event, event ids unique within the batch; $10 is the text search configuration.
-- Events: inserted once by event_id (a redelivery does nothing). Entities (a pointer to the event of
-- the highest seq): DISTINCT ON keeps the highest seq of each entity within the batch, and the
-- conflict clause replaces a stored row only when its seq is lower, so neither the order within a
-- batch nor across batches matters.
-- Rows go in key order so that concurrent batches lock shared keys in the same order (no deadlock).
WITH input AS MATERIALIZED (
  SELECT i.event_id, i.org_id, i.entity_type, i.entity_id, i.event_type, i.seq, i.ts, i.data, i.body,
         setweight(to_tsvector($10::regconfig, {{schema}}.searchable_text(i.entity_type || ' ' || i.entity_id)), 'A')
           || to_tsvector($10::regconfig, {{schema}}.searchable_text(i.body)) AS tsv
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[], $8::jsonb[], $9::text[])
       AS i (event_id, org_id, entity_type, entity_id, event_type, seq, ts, data, body)
),
new_events AS (
  INSERT INTO {{schema}}.events (event_id, org_id, entity_type, entity_id, event_type, seq, ts, data, body, tsv)
  SELECT event_id, org_id, entity_type, entity_id, event_type, seq, ts, data, body, tsv
  FROM input
  ORDER BY event_id
  ON CONFLICT (event_id) DO NOTHING
  RETURNING 1
)
INSERT INTO {{schema}}.entities AS stored (org_id, entity_type, entity_id, seq, event_id, deleted)
SELECT DISTINCT ON (org_id, entity_type, entity_id)
       org_id, entity_type, entity_id, seq, event_id, event_type = 'DELETE'
FROM input
ORDER BY org_id, entity_type, entity_id, seq DESC, event_id DESC
ON CONFLICT (org_id, entity_type, entity_id) DO UPDATE
SET seq = excluded.seq,
    event_id = excluded.event_id,
    deleted = excluded.deleted
WHERE stored.seq < excluded.seq
