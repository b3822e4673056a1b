-- One page of events matching a query, in one org. $1 org (NULL: events without an org), $2 text
-- search configuration, $3 the user's words (websearch syntax only: words, "phrases", -word, or),
-- $4 ts_headline options, $5 entity type, $6 event type, $7 from (inclusive), $8 to (exclusive),
-- $9..$11 the cursor (score, timestamp, event id; NULL on the first page), $12 page size + 1.
-- Order: score, then newest first, then event id: total, so keyset pagination is stable.
-- ts_headline runs only on the page's rows (outside the LIMIT).
SELECT page.event_id::text AS event_id,
       page.seq::text AS seq,
       page.event_type,
       page.entity_type,
       page.entity_id,
       to_char(page.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS timestamp,
       page.data,
       page.score::text AS score,
       ts_headline($2::regconfig, page.body, websearch_to_tsquery($2::regconfig, {{schema}}.searchable_text($3)), $4) AS headline
FROM (
  SELECT hit.*
  FROM (
    SELECT e.event_id, e.seq, e.event_type, e.entity_type, e.entity_id, e.ts, e.data, e.body,
           ts_rank(e.tsv, websearch_to_tsquery($2::regconfig, {{schema}}.searchable_text($3)), 1) AS score
    FROM {{schema}}.events e
    WHERE (e.org_id = $1::text OR ($1::text IS NULL AND e.org_id IS NULL))
      AND e.tsv @@ websearch_to_tsquery($2::regconfig, {{schema}}.searchable_text($3))
      AND ($5::text IS NULL OR e.entity_type = $5::text)
      AND ($6::text IS NULL OR e.event_type = $6::text)
      AND ($7::timestamptz IS NULL OR e.ts >= $7::timestamptz)
      AND ($8::timestamptz IS NULL OR e.ts < $8::timestamptz)
  ) hit
  WHERE $9::real IS NULL OR (hit.score, hit.ts, hit.event_id) < ($9::real, $10::timestamptz, $11::uuid)
  ORDER BY hit.score DESC, hit.ts DESC, hit.event_id DESC
  LIMIT $12
) page
ORDER BY page.score DESC, page.ts DESC, page.event_id DESC
