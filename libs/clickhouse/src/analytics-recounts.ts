// Checks of the rollups against the raw events, for a window [from, to) of whole hours inside the events'
// retention (older events are gone from fraiseql_events while the rollups keep counting them). Parameters:
// {from:DateTime('UTC')}, {to:DateTime('UTC')} (Date values, or 'YYYY-MM-DD hh:mm:ss' in UTC). Tables are the
// executor's database's. docs/analytics.md shows them verbatim (a test keeps the two in step).

/**
 * Hours whose rollup differs from a recount of the distinct events (FINAL collapses redelivered ones); no rows
 * when they agree. A redelivered event that reached ClickHouse in a second, different batch is counted twice
 * by the view: it shows here as rollup > recount.
 */
export const HOURLY_ROLLUP_DIFFERENCES = `SELECT org_id, hour, entity_type, event_type, rollup, recount
FROM
(
    SELECT org_id, hour, entity_type, event_type, sum(events) AS rollup
    FROM fraiseql_events_hourly
    WHERE hour >= {from:DateTime('UTC')} AND hour < {to:DateTime('UTC')}
    GROUP BY org_id, hour, entity_type, event_type
) AS r
FULL OUTER JOIN
(
    SELECT org_id, toDateTime64(toStartOfHour(timestamp), 0, 'UTC') AS hour, entity_type, event_type, toInt64(count()) AS recount
    FROM fraiseql_events FINAL
    WHERE timestamp >= {from:DateTime('UTC')} AND timestamp < {to:DateTime('UTC')}
    GROUP BY org_id, hour, entity_type, event_type
) AS c USING (org_id, hour, entity_type, event_type)
WHERE rollup != recount
ORDER BY org_id, hour, entity_type, event_type`;

/**
 * Repairs those hours by inserting the difference (events is Int64 so a correction may be negative; the
 * SummingMergeTree adds it in). Run it on closed hours, when no batch for them is still in flight.
 */
export const HOURLY_ROLLUP_REPAIR = `INSERT INTO fraiseql_events_hourly (org_id, hour, entity_type, event_type, events)
SELECT org_id, hour, entity_type, event_type, recount - rollup
FROM
(
${HOURLY_ROLLUP_DIFFERENCES}
)`;

/**
 * Days whose distinct-entity rollup differs from the same uniq over the raw events (uniq is deterministic, so
 * they agree exactly; count(DISTINCT) agrees too while a day has fewer than 65,536 entities per key).
 */
export const DAILY_ENTITIES_DIFFERENCES = `SELECT org_id, day, entity_type, rollup, recount
FROM
(
    SELECT org_id, day, entity_type, uniqMerge(entities) AS rollup
    FROM fraiseql_entities_daily
    WHERE day >= toDate({from:DateTime('UTC')}) AND day < toDate({to:DateTime('UTC')})
    GROUP BY org_id, day, entity_type
) AS r
FULL OUTER JOIN
(
    SELECT org_id, toDate(timestamp) AS day, entity_type, uniq(entity_id) AS recount
    FROM fraiseql_events
    WHERE timestamp >= {from:DateTime('UTC')} AND timestamp < {to:DateTime('UTC')}
    GROUP BY org_id, day, entity_type
) AS c USING (org_id, day, entity_type)
WHERE rollup != recount
ORDER BY org_id, day, entity_type`;
