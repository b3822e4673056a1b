import { resolve } from 'node:path';
import { FraiseqlError } from '@fraiseql/errors';
import { classifyClickhouseError, clickhouseErrorCode } from './classify-clickhouse-error';
import type { ClickhouseExecutor } from './clickhouse-executor';
import {
  readClickhouseMigrations,
  splitStatements,
  substitutePlaceholders,
  type ClickhouseMigrationFile,
  type MigrationPlaceholders,
} from './clickhouse-migration-file';
import { databaseName } from './identifiers';
import { createLedger, LEDGER_TABLE, selectApplied } from './ledger-sql';
import { readJsonRows } from './read-json-rows';
import {
  applyClickhouseRetention,
  DEFAULT_RETENTION_DAYS,
  DEFAULT_ROLLUP_RETENTION_DAYS,
  validRetentionDays,
  type RetentionChange,
} from './retention';

/** `migrations/clickhouse` at the repository root (same depth from src/ and dist/). */
export const CLICKHOUSE_MIGRATIONS_DIR = resolve(__dirname, '../../../migrations/clickhouse');

/** pino-compatible: `logger.info({ migration }, 'applied')`. */
export interface ClickhouseMigrationLogger {
  info(details: Record<string, unknown>, message: string): void;
}

export interface ClickhouseMigrationOptions {
  /** Default CLICKHOUSE_MIGRATIONS_DIR. */
  dir?: string;
  /** Where the tables go (`{database}` in the files); default the executor's database. Created when missing. */
  database?: string;
  /** `{retention_days}`: days fraiseql_events keeps an event (default 90). */
  retentionDays?: number;
  /** `{rollup_retention_days}`: days the rollups keep a row (default 730). */
  rollupRetentionDays?: number;
  logger?: ClickhouseMigrationLogger;
}

export interface ClickhouseMigrationResult {
  /** `NNNN_name` of each file applied now, in order. */
  applied: string[];
  /** Files applied earlier. */
  skipped: string[];
  /** Tables whose TTL was changed to the configured retention. */
  retention: RetentionChange[];
}

interface LedgerRow {
  version: string;
  name: string;
  checksum: string;
}

/**
 * Applies the pending files of `dir` in order, each statement as one request, and records each file once all
 * its statements succeeded; then brings the configured retention to the tables' TTL. Idempotent. A file
 * whose recorded checksum differs from the one on disk is refused before anything runs
 * (FRAISEQL_MIGRATION_CHECKSUM_MISMATCH). ClickHouse DDL is not transactional, so statements must be
 * idempotent (IF NOT EXISTS): a failed file (FRAISEQL_MIGRATION_FAILED) keeps the statements before the one
 * that failed, is not recorded, and runs again from the top next time.
 */
export async function applyClickhouseMigrations(
  executor: ClickhouseExecutor,
  options: ClickhouseMigrationOptions = {},
): Promise<ClickhouseMigrationResult> {
  const database = databaseName(options.database ?? executor.database);
  const retention = {
    retentionDays: validRetentionDays(options.retentionDays, DEFAULT_RETENTION_DAYS, 'retentionDays'),
    rollupRetentionDays: validRetentionDays(options.rollupRetentionDays, DEFAULT_ROLLUP_RETENTION_DAYS, 'rollupRetentionDays'),
  };
  const placeholders: MigrationPlaceholders = {
    database,
    retention_days: retention.retentionDays,
    rollup_retention_days: retention.rollupRetentionDays,
  };
  const files = readClickhouseMigrations(options.dir ?? CLICKHOUSE_MIGRATIONS_DIR);

  await executor.createDatabase(database);
  await executor.command(createLedger(database));
  const recorded = new Map((await readJsonRows<LedgerRow>(executor, selectApplied(database))).map((r) => [`${r.version}_${r.name}`, r]));
  const changed = files.filter((f) => recorded.has(f.id) && recorded.get(f.id)!.checksum !== f.checksum);
  if (changed.length > 0) {
    throw new FraiseqlError(
      'FRAISEQL_MIGRATION_CHECKSUM_MISMATCH',
      `applied ClickHouse migration${changed.length > 1 ? 's' : ''} edited since: ${changed.map((f) => f.path).join(', ')}. ` +
        'Released migrations are never edited: restore the file and add a new migration.',
      { details: { migrations: changed.map((f) => f.id), database } },
    );
  }

  const result: ClickhouseMigrationResult = { applied: [], skipped: [], retention: [] };
  for (const file of files) {
    if (recorded.has(file.id)) {
      result.skipped.push(file.id);
      continue;
    }
    const started = Date.now();
    await applyFile(executor, file, substitutePlaceholders(file, placeholders));
    await executor.insert({
      table: `${database}.${LEDGER_TABLE}`,
      format: 'JSONEachRow',
      columns: ['version', 'name', 'checksum'],
      body: `${JSON.stringify({ version: file.version, name: file.name, checksum: file.checksum })}\n`,
      settings: { insert_deduplication_token: `fraiseql-migration-${file.id}-${file.checksum}` },
    });
    result.applied.push(file.id);
    options.logger?.info({ migration: file.id, database, ms: Date.now() - started }, 'clickhouse migration applied');
  }
  if (result.applied.length === 0) options.logger?.info({ database, skipped: result.skipped.length }, 'clickhouse migrations up to date');

  result.retention = await applyClickhouseRetention(executor, database, retention);
  for (const change of result.retention) options.logger?.info({ database, ...change }, 'clickhouse retention changed');
  return result;
}

async function applyFile(executor: ClickhouseExecutor, file: ClickhouseMigrationFile, sql: string): Promise<void> {
  const statements = splitStatements(sql);
  for (const [index, statement] of statements.entries()) {
    try {
      await executor.command(statement.sql);
    } catch (cause) {
      const code = clickhouseErrorCode(cause);
      const { kind } = classifyClickhouseError(cause);
      throw new FraiseqlError(
        'FRAISEQL_MIGRATION_FAILED',
        `ClickHouse migration ${file.path} failed at statement ${index + 1} of ${statements.length} (line ${statement.line}): ` +
          `${cause instanceof Error ? cause.message : String(cause)}. The statements before it stay applied (they are idempotent); ` +
          'the file is not recorded and runs again from its first statement next time.',
        {
          cause,
          details: {
            migration: file.id,
            statement: index + 1,
            line: statement.line,
            ...(code !== undefined ? { clickhouseCode: code } : {}),
            kind,
          },
        },
      );
    }
  }
}
