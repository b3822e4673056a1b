import type { ClickhouseSettings } from './clickhouse-executor';

/** The database executors use when none is configured. */
export const DEFAULT_CLICKHOUSE_DATABASE = 'fraiseql';

/**
 * Every insert asks materialized views to deduplicate by the insert's token as well (the default only on
 * recent servers): without it a batch retried after a failure part-way through the views is counted twice.
 */
const INSERT_DEFAULTS: ClickhouseSettings = { deduplicate_blocks_in_dependent_materialized_views: 1 };

/** Arrow output uncompressed unless asked: apache-arrow (JS) reads no LZ4/ZSTD record batches. */
const ARROW_OUTPUT_DEFAULTS: ClickhouseSettings = { output_format_arrow_compression_method: 'none' };

export function insertSettings(settings: ClickhouseSettings | undefined): ClickhouseSettings {
  return { ...INSERT_DEFAULTS, ...settings };
}

export function outputSettings(format: string, settings: ClickhouseSettings | undefined): ClickhouseSettings {
  return /^Arrow/i.test(format) ? { ...ARROW_OUTPUT_DEFAULTS, ...settings } : { ...settings };
}
