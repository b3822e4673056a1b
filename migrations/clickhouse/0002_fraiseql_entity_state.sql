-- fraiseql_entity_state: the latest state of each entity, fed by a materialized view from fraiseql_events.
-- ReplacingMergeTree(seq, is_deleted) keeps, per (org_id, entity_type, entity_id), the row with the highest
-- change-log seq whatever order the events arrived in; a DELETE is a tombstone (is_deleted = 1, no data) that
-- FINAL reads hide. Not partitioned (rows replace each other only within one partition) and no TTL: this is
-- the current state, like the PostgreSQL table it mirrors.
CREATE TABLE IF NOT EXISTS {database}.fraiseql_entity_state
(
    org_id         String,
    entity_type    LowCardinality(String),
    entity_id      String,
    seq            UInt64,
    event_id       UUID,
    event_type     LowCardinality(String),
    updated_at     DateTime64(6, 'UTC'),
    user_id        Nullable(String),
    data           String CODEC(ZSTD(3)),
    schema_version LowCardinality(Nullable(String)),
    is_deleted     UInt8
)
ENGINE = ReplacingMergeTree(seq, is_deleted)
ORDER BY (org_id, entity_type, entity_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.fraiseql_entity_state_mv TO {database}.fraiseql_entity_state AS
SELECT
    org_id,
    entity_type,
    entity_id,
    seq,
    event_id,
    event_type,
    timestamp AS updated_at,
    user_id,
    if(event_type = 'DELETE', '', data) AS data,
    schema_version,
    toUInt8(event_type = 'DELETE') AS is_deleted
FROM {database}.fraiseql_events;
