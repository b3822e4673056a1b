import type { Client, PoolClient } from 'pg';
import { FraiseqlError } from '@fraiseql/errors';
import { LEDGER_EXISTS, SELECT_APPLIED } from './ledger-sql';
import { openMigrationConnection, type MigrationTarget } from './migration-connection';
import { readMigrationFiles, type MigrationFile } from './migration-file';

/**
 * - `applied`: recorded, and the file on disk has the recorded checksum.
 * - `pending`: on disk, not recorded yet.
 * - `changed`: recorded, but the file on disk was edited since (the runner refuses to go on).
 * - `missing`: recorded, but no such file in the directories given (removed, or another app's).
 */
export type MigrationState = 'applied' | 'pending' | 'changed' | 'missing';

export interface MigrationStatusEntry {
  /** `NNNN_name`. */
  id: string;
  version: string;
  name: string;
  state: MigrationState;
  /** The file, when it exists in the directories given. */
  path?: string;
  appliedAt?: Date;
  /** Checksum of the file on disk (or the recorded one for `missing`). */
  checksum: string;
}

export interface MigrationStatusOptions extends MigrationTarget {
  directories: string[];
}

interface AppliedRow {
  version: string;
  name: string;
  checksum: string;
  applied_at: Date;
}

/** Reads the ledger without creating it: a database never migrated has no rows. */
export async function readLedger(client: Client | PoolClient): Promise<AppliedRow[]> {
  const exists = await client.query<{ exists: boolean }>(LEDGER_EXISTS);
  if (!exists.rows[0]?.exists) return [];
  return (await client.query<AppliedRow>(SELECT_APPLIED)).rows;
}

/** Files in run order, then ledger rows without a file in the order they were applied. */
export function compareWithLedger(files: MigrationFile[], ledger: AppliedRow[]): MigrationStatusEntry[] {
  const recorded = new Map(ledger.map((row) => [`${row.version}_${row.name}`, row]));
  const entries: MigrationStatusEntry[] = files.map((file) => {
    const row = recorded.get(file.id);
    recorded.delete(file.id);
    const base = { id: file.id, version: file.version, name: file.name, path: file.path, checksum: file.checksum };
    if (!row) return { ...base, state: 'pending' };
    return { ...base, state: row.checksum === file.checksum ? 'applied' : 'changed', appliedAt: row.applied_at };
  });
  for (const [id, row] of recorded) {
    entries.push({ id, version: row.version, name: row.name, state: 'missing', appliedAt: row.applied_at, checksum: row.checksum });
  }
  return entries;
}

export function refuseChangedMigrations(entries: MigrationStatusEntry[]): void {
  const changed = entries.filter((e) => e.state === 'changed');
  if (changed.length === 0) return;
  throw new FraiseqlError(
    'FRAISEQL_MIGRATION_CHECKSUM_MISMATCH',
    `applied migration${changed.length > 1 ? 's' : ''} edited since: ${changed.map((e) => e.path).join(', ')}. ` +
      'Released migrations are never edited: restore the file and add a new migration.',
    { details: { migrations: changed.map((e) => e.id) } },
  );
}

/** What has been applied and what would be, without changing the database. */
export async function migrationStatus(options: MigrationStatusOptions): Promise<MigrationStatusEntry[]> {
  const files = readMigrationFiles(options.directories);
  const connection = await openMigrationConnection(options);
  try {
    return compareWithLedger(files, await readLedger(connection.client));
  } finally {
    await connection.close();
  }
}
