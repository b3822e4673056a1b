import type { Client, PoolClient } from 'pg';
import { FraiseqlError } from '@fraiseql/errors';
import { ACQUIRE_LOCK, CREATE_LEDGER, MIGRATION_LOCK_KEY, RECORD_APPLIED, RELEASE_LOCK } from './ledger-sql';
import { openMigrationConnection, type MigrationTarget } from './migration-connection';
import { readMigrationFiles, type MigrationFile } from './migration-file';
import { compareWithLedger, readLedger, refuseChangedMigrations } from './migration-status';

/** pino-compatible: `logger.info({ migration }, 'applied')`. */
export interface MigrationLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export interface ApplyMigrationsOptions extends MigrationTarget {
  /** Applied in this order; files within a directory by version. */
  directories: string[];
  logger?: MigrationLogger;
  /** Report what would be applied (checksums still verified) without taking the lock or writing. */
  dryRun?: boolean;
}

export interface ApplyMigrationsResult {
  /** `NNNN_name` of each file applied now (or that would be, with dryRun), in order. */
  applied: string[];
  /** Files already applied earlier. */
  skipped: string[];
}

/**
 * Applies the pending migrations, each in its own transaction together with its ledger row, so a
 * failing file leaves neither its changes nor a record. A session advisory lock makes concurrent
 * runners (several replicas starting at once) take turns; whoever comes second finds the work done.
 */
export async function applyMigrations(options: ApplyMigrationsOptions): Promise<ApplyMigrationsResult> {
  const files = readMigrationFiles(options.directories);
  const connection = await openMigrationConnection(options);
  let broken: unknown;
  try {
    const { client } = connection;
    if (options.dryRun) return plan(files, compareWithLedger(files, await readLedger(client)));
    await client.query(ACQUIRE_LOCK, [MIGRATION_LOCK_KEY]);
    try {
      await client.query(CREATE_LEDGER);
      // Read the ledger only once the lock is held: a runner that waited sees what the other applied.
      const entries = compareWithLedger(files, await readLedger(client));
      const result = plan(files, entries);
      const byId = new Map(files.map((f) => [f.id, f]));
      for (const id of result.applied) await applyOne(client, byId.get(id)!, options.logger);
      if (result.applied.length === 0) options.logger?.info({ skipped: result.skipped.length }, 'migrations up to date');
      return result;
    } finally {
      await client.query(RELEASE_LOCK, [MIGRATION_LOCK_KEY]).catch((error: unknown) => {
        broken = error;
      });
    }
  } catch (error) {
    broken ??= error instanceof FraiseqlError ? undefined : error;
    throw error;
  } finally {
    await connection.close(broken);
  }
}

function plan(files: MigrationFile[], entries: ReturnType<typeof compareWithLedger>): ApplyMigrationsResult {
  refuseChangedMigrations(entries);
  const state = new Map(entries.map((e) => [e.id, e.state]));
  return {
    applied: files.filter((f) => state.get(f.id) === 'pending').map((f) => f.id),
    skipped: files.filter((f) => state.get(f.id) === 'applied').map((f) => f.id),
  };
}

async function applyOne(client: Client | PoolClient, file: MigrationFile, logger: MigrationLogger | undefined): Promise<void> {
  const started = Date.now();
  await client.query('BEGIN');
  try {
    // Simple query protocol (no parameters): the file may hold many statements, and $$ bodies.
    await client.query(file.sql);
    await client.query(RECORD_APPLIED, [file.version, file.name, file.checksum]);
    await client.query('COMMIT');
  } catch (cause) {
    await client.query('ROLLBACK').catch(() => undefined);
    const pg = cause as { message?: string; code?: string; position?: string };
    const line = pg.position ? lineOf(file.sql, Number(pg.position)) : undefined;
    throw new FraiseqlError(
      'FRAISEQL_MIGRATION_FAILED',
      `migration ${file.path}${line ? ` (line ${line})` : ''} failed and was rolled back: ${pg.message ?? String(cause)}`,
      { cause, details: { migration: file.id, ...(pg.code ? { sqlState: pg.code } : {}), ...(line ? { line } : {}) } },
    );
  }
  logger?.info({ migration: file.id, ms: Date.now() - started }, 'migration applied');
}

function lineOf(text: string, position: number): number {
  return text.slice(0, Math.max(0, position - 1)).split('\n').length;
}
