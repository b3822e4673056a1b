-- fraiseql_events: one row per EntityEvent (libs/events), written by the sink's `sink-clickhouse` consumer.
-- Applied by @fraiseql/clickhouse (applyClickhouseMigrations), which substitutes {database} and
-- {retention_days} (FRAISEQL_CLICKHOUSE_RETENTION_DAYS, 90 by default) and records the file's sha256, taken
-- before substitution. Why each choice: docs/adr/0120-clickhouse-storage.md.
--
-- * ReplacingMergeTree keyed by (org_id, entity_type, timestamp, event_id): a redelivered event has the same
--   key, so it collapses on merge and in FINAL reads.
-- * non_replicated_deduplication_window: a batch re-sent with the same insert_deduplication_token is dropped
--   whole at insert time, before any materialized view sees it.
-- * org_id is never NULL: an event without an org (EntityEvent org_id null) is stored as '' and the org leads
--   the sort key, so every org-scoped read is a range of the primary index.
-- * data/before stay JSON text (String, ZSTD): entity shapes are open-ended; read them with JSONExtract* or
--   `data::JSON`.
-- * Monthly partitions; TTL drops an event {retention_days} days after its commit time.
CREATE TABLE IF NOT EXISTS {database}.fraiseql_events
(
    event_id       UUID,
    seq            UInt64,
    event_type     LowCardinality(String),
    entity_type    LowCardinality(String),
    entity_id      String,
    org_id         String,
    user_id        Nullable(String),
    timestamp      DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    data           String CODEC(ZSTD(3)),
    before         Nullable(String) CODEC(ZSTD(3)),
    changed_fields Array(LowCardinality(String)),
    schema_version LowCardinality(Nullable(String)),
    ingested_at    DateTime64(3, 'UTC') DEFAULT now64(3),
    -- "this event" (redelivery checks, support) and "this entity's history" inside an org's range.
    INDEX event_id_bloom event_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX entity_id_bloom entity_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (org_id, entity_type, timestamp, event_id)
TTL toDateTime(timestamp) + INTERVAL {retention_days} DAY
SETTINGS non_replicated_deduplication_window = 10000;
