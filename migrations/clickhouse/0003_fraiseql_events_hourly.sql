-- fraiseql_events_hourly: events per hour, org, entity type and event type (SummingMergeTree: rows with one
-- key are added up on merge; always read with sum(events) ... GROUP BY, never a bare SELECT).
-- The materialized view counts each inserted block. A batch re-sent with its insert_deduplication_token is
-- dropped here too (the view's block carries a token derived from the batch's, and this table keeps its own
-- deduplication window); an event re-sent inside a different batch is counted again: see
-- docs/analytics.md, "Recounts", for the check and the repair (events is signed so that a repair can add a
-- negative correction). hour is DateTime64 so that Arrow output types it as a timestamp (a DateTime leaves as
-- UInt32). Kept {rollup_retention_days} days.
CREATE TABLE IF NOT EXISTS {database}.fraiseql_events_hourly
(
    org_id      String,
    hour        DateTime64(0, 'UTC'),
    entity_type LowCardinality(String),
    event_type  LowCardinality(String),
    events      Int64
)
ENGINE = SummingMergeTree(events)
PARTITION BY toYYYYMM(hour)
ORDER BY (org_id, hour, entity_type, event_type)
TTL toDateTime(hour) + INTERVAL {rollup_retention_days} DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.fraiseql_events_hourly_mv TO {database}.fraiseql_events_hourly AS
SELECT
    org_id,
    toDateTime64(toStartOfHour(timestamp), 0, 'UTC') AS hour,
    entity_type,
    event_type,
    toInt64(count()) AS events
FROM {database}.fraiseql_events
GROUP BY org_id, hour, entity_type, event_type;
