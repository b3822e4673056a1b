-- One page of entities matching a query, in one org: the events that hold an entity's latest state (the
-- entities table points at them), deleted entities included and flagged. $1 org (NULL: entities without an
-- org), $2 text search configuration, $3 the user's words, $4 ts_headline options, $5 entity type, $6..$9
-- the cursor (score, updated_at, entity type, entity id; NULL on the first page), $10 page size + 1.
-- Order: score, most recently changed first, then the key.
SELECT page.entity_type,
       page.entity_id,
       page.seq::text AS seq,
       to_char(page.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at,
       CASE WHEN page.deleted THEN NULL ELSE page.data END AS data,
       page.deleted,
       page.score::text AS score,
       ts_headline($2::regconfig, page.body, websearch_to_tsquery($2::regconfig, {{schema}}.searchable_text($3)), $4) AS headline
FROM (
  SELECT hit.*
  FROM (
    SELECT e.entity_type, e.entity_id, e.seq, e.ts, e.data, n.deleted, e.body,
           ts_rank(e.tsv, websearch_to_tsquery($2::regconfig, {{schema}}.searchable_text($3)), 1) AS score
    FROM {{schema}}.events e
    JOIN {{schema}}.entities n
      ON (n.org_id = $1::text OR ($1::text IS NULL AND n.org_id IS NULL))
     AND n.entity_type = e.entity_type
     AND n.entity_id = e.entity_id
     AND n.event_id = e.event_id
    WHERE (e.org_id = $1::text OR ($1::text IS NULL AND e.org_id IS NULL))
      AND e.tsv @@ websearch_to_tsquery($2::regconfig, {{schema}}.searchable_text($3))
      AND ($5::text IS NULL OR e.entity_type = $5::text)
  ) hit
  WHERE $6::real IS NULL
     OR (hit.score, hit.ts, hit.entity_type, hit.entity_id) < ($6::real, $7::timestamptz, $8::text, $9::text)
  ORDER BY hit.score DESC, hit.ts DESC, hit.entity_type DESC, hit.entity_id DESC
  LIMIT $10
) page
ORDER BY page.score DESC, page.ts DESC, page.entity_type DESC, page.entity_id DESC
