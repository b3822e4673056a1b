-- fraiseql_entities_daily: distinct entities that changed per day, org and entity type, as uniq states
-- (AggregatingMergeTree). Read with uniqMerge(entities) ... GROUP BY; states merge across days, orgs and types,
-- so a week's distinct entities is uniqMerge over its seven days, never a sum of daily figures.
-- A state ignores a value seen twice, so a redelivered event cannot inflate it. Kept {rollup_retention_days} days.
CREATE TABLE IF NOT EXISTS {database}.fraiseql_entities_daily
(
    org_id      String,
    day         Date,
    entity_type LowCardinality(String),
    entities    AggregateFunction(uniq, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (org_id, day, entity_type)
TTL day + INTERVAL {rollup_retention_days} DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.fraiseql_entities_daily_mv TO {database}.fraiseql_entities_daily AS
SELECT
    org_id,
    toDate(timestamp) AS day,
    entity_type,
    uniqState(entity_id) AS entities
FROM {database}.fraiseql_events
GROUP BY org_id, day, entity_type;
