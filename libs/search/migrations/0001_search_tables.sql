-- The PostgreSQL search store (libs/search, docs/search.md). `{{schema}}` stands for the schema the
-- sink owns (default fraiseql_search), substituted as a quoted identifier by prepare(); the text
-- search configuration is not baked in here: index and query statements take it as a parameter, and
-- the settings table records which one the tsvectors were built with.

-- What PostgreSQL's parser reads of a text, for tsvectors and queries alike: its parser takes a hyphen
-- before digits for a minus sign (`ORD-1042` → `ord`, `-1042`), so that `1042` alone would not find
-- it; such a hyphen after a letter or digit is read as a space. Display text (body) keeps it.
CREATE FUNCTION {{schema}}.searchable_text(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN regexp_replace(t, '(?<=[[:alnum:]])-(?=[0-9])', ' ', 'g');

-- One row per event, whatever how often it was delivered (event_id is the idempotency key).
CREATE TABLE {{schema}}.events (
  event_id    uuid        PRIMARY KEY,
  -- NULL: an entity without an org. Searches compare with `=` or `IS NULL`, never mixing the two.
  org_id      text,
  entity_type text        NOT NULL,
  entity_id   text        NOT NULL,
  event_type  text        NOT NULL,
  seq         bigint      NOT NULL,
  ts          timestamptz NOT NULL,
  data        jsonb       NOT NULL,
  -- The indexed text: the string and number values of data in document order, HTML-escaped, one per
  -- line, capped by the store's maxTextFields/maxTextBytes. ts_headline reads it, so highlights are
  -- built from escaped text only.
  body        text        NOT NULL,
  -- searchable_text of entity_type and entity_id at weight A, of body at weight D.
  tsv         tsvector    NOT NULL
);
CREATE INDEX events_tsv ON {{schema}}.events USING gin (tsv);
-- Org scope with the time filter and the tiebreak of the ranking order.
CREATE INDEX events_org_ts ON {{schema}}.events (org_id, ts DESC, event_id DESC);

-- The latest state of each entity, as a pointer to the event that holds it (replaced only by an event of a
-- higher seq): searching entities is searching events restricted to those pointed at, so an entity costs no
-- second copy of its document, text and tsvector, and a state change no second GIN update.
CREATE TABLE {{schema}}.entities (
  org_id      text,
  entity_type text    NOT NULL,
  entity_id   text    NOT NULL,
  seq         bigint  NOT NULL,
  event_id    uuid    NOT NULL,
  -- The event is a DELETE: the entity is shown with data NULL, and found by the text of its last state.
  deleted     boolean NOT NULL,
  -- NULLS NOT DISTINCT (PostgreSQL 15): the entities without an org are keyed like the others.
  CONSTRAINT entities_key UNIQUE NULLS NOT DISTINCT (org_id, entity_type, entity_id)
);

-- What the stored tsvectors depend on (text_search_config), checked by every prepare().
CREATE TABLE {{schema}}.settings (
  key   text PRIMARY KEY,
  value text NOT NULL
);
