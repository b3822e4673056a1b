import { FraiseqlError } from '@fraiseql/errors';
import type { ClickhouseExecutor } from './clickhouse-executor';
import { SELECT_TABLE_DEFINITIONS } from './ledger-sql';
import { readJsonRows } from './read-json-rows';

/** Raw events kept this many days unless configured (FRAISEQL_CLICKHOUSE_RETENTION_DAYS in the sink). */
export const DEFAULT_RETENTION_DAYS = 90;
/** Rollups outlive raw events: they are small and hold counts, not entity data. */
export const DEFAULT_ROLLUP_RETENTION_DAYS = 730;

export interface ClickhouseRetention {
  /** fraiseql_events. */
  retentionDays: number;
  /** fraiseql_events_hourly, fraiseql_entities_daily. */
  rollupRetentionDays: number;
}

/**
 * The tables whose TTL comes from configuration, with the TTL expression their migration writes (a test checks
 * that a fresh migration and this rule agree). The migration's placeholder is the same option.
 */
export const RETENTION_RULES: readonly { table: string; option: keyof ClickhouseRetention; ttl: (days: number) => string }[] = [
  { table: 'fraiseql_events', option: 'retentionDays', ttl: (days) => `toDateTime(timestamp) + INTERVAL ${days} DAY` },
  { table: 'fraiseql_events_hourly', option: 'rollupRetentionDays', ttl: (days) => `toDateTime(hour) + INTERVAL ${days} DAY` },
  { table: 'fraiseql_entities_daily', option: 'rollupRetentionDays', ttl: (days) => `day + INTERVAL ${days} DAY` },
];

export interface RetentionChange {
  table: string;
  /** Days in the table's TTL before (undefined: it had none). */
  fromDays: number | undefined;
  toDays: number;
}

const TTL_DAYS = /\bTTL\b[\s\S]*?toIntervalDay\((\d+)\)/;

export function validRetentionDays(value: number | undefined, fallback: number, name: string): number {
  const days = value ?? fallback;
  if (!Number.isInteger(days) || days < 1 || days > 36_500) {
    throw new FraiseqlError(
      'FRAISEQL_CONFIG_INVALID',
      `ClickHouse ${name} must be a whole number of days from 1 to 36500, got ${String(value)}`,
    );
  }
  return days;
}

/**
 * Brings each table's TTL to the configured days: `ALTER TABLE … MODIFY TTL` where the days the server holds
 * differ (the migrations wrote the value configured when they first ran). The server then rewrites the
 * table's parts in the background (a mutation), dropping rows the new TTL expires. Tables that do not exist
 * are left alone.
 */
export async function applyClickhouseRetention(
  executor: ClickhouseExecutor,
  database: string,
  retention: ClickhouseRetention,
): Promise<RetentionChange[]> {
  const definitions = await readJsonRows<{ name: string; create_table_query: string }>(executor, SELECT_TABLE_DEFINITIONS, {
    database,
    tables: RETENTION_RULES.map((r) => r.table),
  });
  const byName = new Map(definitions.map((d) => [d.name, d.create_table_query]));
  const changes: RetentionChange[] = [];
  for (const rule of RETENTION_RULES) {
    const definition = byName.get(rule.table);
    if (definition === undefined) continue;
    const match = TTL_DAYS.exec(definition);
    const fromDays = match ? Number(match[1]) : undefined;
    const toDays = retention[rule.option];
    if (fromDays === toDays) continue;
    await executor.command(`ALTER TABLE ${database}.${rule.table} MODIFY TTL ${rule.ttl(toDays)}`);
    changes.push({ table: rule.table, fromDays, toDays });
  }
  return changes;
}
