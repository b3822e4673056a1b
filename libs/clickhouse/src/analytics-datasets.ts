import { FraiseqlError } from '@fraiseql/errors';
import type { ClickhouseParams } from './clickhouse-executor';

/**
 * The analytics datasets served over Arrow Flight (`analytics/<name>`), one SQL per dataset over the sink's tables.
 * flight-server runs them against a ClickHouse server, or asks the sink (`fraiseql.v1.analytics.query`) when the
 * engine is embedded; both build the SQL here, so both return the same rows and the same Arrow schema. Every query is
 * scoped to one org (a null org reads the events without one), reads rollups merged (`sum`, `uniqMerge`) and raw
 * tables deduplicated (`FINAL`), and takes an optional time window and row limit.
 */
export const ANALYTICS_DATASETS = {
  /** Events per hour, entity type and event type (the SummingMergeTree rollup, merged). */
  events_hourly: {
    description: 'Events per hour, entity type and event type of the org.',
    time: 'hour',
    sql: `SELECT hour, entity_type, event_type, toInt64(sum(events)) AS events
FROM fraiseql_events_hourly
WHERE org_id = {org:String} AND hour >= {from:DateTime64(6, 'UTC')} AND hour < {to:DateTime64(6, 'UTC')}
GROUP BY hour, entity_type, event_type
ORDER BY hour, entity_type, event_type`,
  },
  /** Distinct entities changed per day and entity type (uniq states, merged; never summed). */
  entities_daily: {
    description: 'Distinct entities changed per day and entity type of the org.',
    time: 'day',
    sql: `SELECT day, entity_type, toInt64(uniqMerge(entities)) AS entities
FROM fraiseql_entities_daily
WHERE org_id = {org:String} AND day >= toDate({from:DateTime64(6, 'UTC')}) AND day < toDate({to:DateTime64(6, 'UTC')})
GROUP BY day, entity_type
ORDER BY day, entity_type`,
  },
  /** The raw events (each once), oldest first. */
  events: {
    description: 'Every change event of the org, once each, oldest first.',
    time: 'timestamp',
    sql: `SELECT toString(event_id) AS event_id, seq, event_type, entity_type, entity_id, user_id, timestamp, data, changed_fields
FROM fraiseql_events FINAL
WHERE org_id = {org:String} AND timestamp >= {from:DateTime64(6, 'UTC')} AND timestamp < {to:DateTime64(6, 'UTC')}
ORDER BY timestamp, event_id`,
  },
  /** The latest state of each entity (deleted ones left out). */
  entity_state: {
    description: 'The latest state of every entity of the org (deleted ones left out).',
    time: 'updated_at',
    sql: `SELECT entity_type, entity_id, seq, toString(event_id) AS event_id, updated_at, data
FROM fraiseql_entity_state FINAL
WHERE org_id = {org:String} AND updated_at >= {from:DateTime64(6, 'UTC')} AND updated_at < {to:DateTime64(6, 'UTC')}
  AND is_deleted = 0
ORDER BY entity_type, entity_id`,
  },
} as const;

export type AnalyticsDatasetName = keyof typeof ANALYTICS_DATASETS;

export interface AnalyticsQuery {
  dataset: AnalyticsDatasetName;
  /** The caller's org; null reads what has no org. Never from the request body: from the authenticated caller. */
  orgId: string | null;
  /** RFC 3339; default: everything kept. */
  from?: string;
  to?: string;
  /** At most this many rows (1..100,000,000). */
  limit?: number;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function isAnalyticsDataset(name: string): name is AnalyticsDatasetName {
  return Object.prototype.hasOwnProperty.call(ANALYTICS_DATASETS, name);
}

/** The dataset's SQL (no FORMAT clause) and its bound parameters; a bad query is FRAISEQL_BAD_REQUEST naming the field. */
export function analyticsQuerySql(query: AnalyticsQuery): { sql: string; params: ClickhouseParams } {
  if (!isAnalyticsDataset(query.dataset)) {
    throw new FraiseqlError(
      'FRAISEQL_BAD_REQUEST',
      `dataset: no analytics dataset ${JSON.stringify(query.dataset)} (there are ${Object.keys(ANALYTICS_DATASETS).join(', ')})`,
      { details: { path: 'dataset' } },
    );
  }
  const time = (value: string | undefined, name: 'from' | 'to', fallback: string): string => {
    if (value === undefined) return fallback;
    const ms = RFC3339.test(value) ? Date.parse(value) : NaN;
    if (Number.isNaN(ms))
      throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `${name}: must be an RFC 3339 date-time`, { details: { path: name } });
    return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  };
  const from = time(query.from, 'from', '1970-01-01 00:00:00.000');
  const to = time(query.to, 'to', '2299-12-31 23:59:59.999');
  let sql: string = ANALYTICS_DATASETS[query.dataset].sql;
  if (query.limit !== undefined) {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 100_000_000)
      throw new FraiseqlError('FRAISEQL_BAD_REQUEST', 'limit: must be a whole number from 1 to 100000000', { details: { path: 'limit' } });
    sql += `\nLIMIT ${query.limit}`;
  }
  return { sql, params: { org: query.orgId ?? '', from, to } };
}
