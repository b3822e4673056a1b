-- Rebuilds every tsvector with the text search configuration $1 (prepare() with reindexOnConfigChange,
-- when the configuration changed). The expression is index-events.sql's: keep the two in step.
UPDATE {{schema}}.events
SET tsv = setweight(to_tsvector($1::regconfig, {{schema}}.searchable_text(entity_type || ' ' || entity_id)), 'A') || to_tsvector($1::regconfig, {{schema}}.searchable_text(body))
