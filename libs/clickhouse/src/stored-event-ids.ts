import { FraiseqlError } from '@fraiseql/errors';
import type { ClickhouseExecutor } from './clickhouse-executor';
import { readJsonRows } from './read-json-rows';

/**
 * Which of some events fraiseql_events already holds: the org's range of the primary index, the months of the
 * events' timestamps (partition pruning), then the event_id bloom filter. For redelivered messages only: the
 * sink drops those already stored before it inserts, so the hourly rollup does not count them twice.
 * (The alias is not `event_id`: ClickHouse resolves aliases in WHERE, where the string would shadow the UUID.)
 */
/**
 * The lookup's SQL for a list of event ids. The ids go in the SQL text (the request body) rather than in a
 * `{ids:Array(UUID)}` parameter: parameters travel in the URL, and a batch of 20,000 ids (740 KB) is near the
 * server's URL limit (http_max_uri_size, 1 MiB). Each id is checked to be a UUID first, so the text is safe.
 */
export function selectStoredEventIds(ids: readonly string[]): string {
  for (const id of ids) {
    if (!UUID.test(id)) throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', `event_id ${JSON.stringify(id)} is not a UUID`);
  }
  return `SELECT DISTINCT toString(event_id) AS id
FROM fraiseql_events
WHERE org_id IN {orgs:Array(String)}
  AND timestamp >= {from:DateTime64(6, 'UTC')} AND timestamp <= {to:DateTime64(6, 'UTC')}
  AND event_id IN (${ids.map((id) => `'${id}'`).join(',')})`;
}

/** The fields of an EntityEvent the lookup needs. */
export interface StoredEventKey {
  event_id: string;
  org_id: string | null;
  /** RFC 3339 UTC with microseconds, as in EntityEvent. */
  timestamp: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Ids per lookup query: 5,000 quoted UUIDs are ~195 KB of SQL, under ClickHouse's default max_query_size (256 KiB),
 * which a user profile may forbid raising.
 */
export const STORED_EVENT_IDS_PER_QUERY = 5000;

/** The `event_id`s (lowercase) of `events` that fraiseql_events already holds; empty input asks nothing. */
export async function storedEventIds(executor: ClickhouseExecutor, events: readonly StoredEventKey[]): Promise<Set<string>> {
  const stored = new Set<string>();
  for (let at = 0; at < events.length; at += STORED_EVENT_IDS_PER_QUERY) {
    const part = events.slice(at, at + STORED_EVENT_IDS_PER_QUERY);
    const times = part.map((e) => clickhouseTime(e.timestamp)).sort();
    const rows = await readJsonRows<{ id: string }>(executor, selectStoredEventIds(part.map((e) => e.event_id.toLowerCase())), {
      orgs: [...new Set(part.map((e) => e.org_id ?? ''))],
      from: times[0],
      to: times[times.length - 1],
    });
    for (const row of rows) stored.add(row.id);
  }
  return stored;
}

/** `2026-03-01T09:05:00.123456Z` → `2026-03-01 09:05:00.123456`, the text form a DateTime64 parameter takes. */
function clickhouseTime(timestamp: string): string {
  return timestamp.replace('T', ' ').replace(/Z$/, '');
}
