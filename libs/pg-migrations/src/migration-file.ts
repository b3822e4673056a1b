import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FraiseqlError } from '@fraiseql/errors';

/** One `NNNN_name.sql` file found on disk. */
export interface MigrationFile {
  /** The digits before the first underscore, as written (`0001`). */
  version: string;
  /** The rest of the file name without `.sql` (`shop_tables`). */
  name: string;
  /** `NNNN_name`: the identity recorded in the ledger; unique across all directories. */
  id: string;
  path: string;
  /** sha256 (hex) of the file with CRLF line ends folded to LF, so a checkout on Windows is not an edit. */
  checksum: string;
  sql: string;
}

const FILE_NAME = /^(\d+)_([A-Za-z0-9_.-]+)\.sql$/;

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/**
 * Reads every migration of the given directories: directories in the order given, files within
 * one directory by numeric version. A `.sql` file that does not follow `NNNN_name.sql`, two files
 * with one version in a directory, or one `NNNN_name` in two directories is refused: each of those
 * would make the order or the ledger ambiguous.
 */
export function readMigrationFiles(directories: readonly string[]): MigrationFile[] {
  const all: MigrationFile[] = [];
  const seen = new Map<string, string>();
  for (const directory of directories) {
    const dir = resolve(directory);
    let entries: string[];
    try {
      entries = readdirSync(dir).filter((f) => f.endsWith('.sql'));
    } catch (cause) {
      throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `migrations directory ${dir} cannot be read`, { cause });
    }
    const files: MigrationFile[] = [];
    for (const entry of entries) {
      const match = FILE_NAME.exec(entry);
      if (!match) {
        throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `migration file ${join(dir, entry)} is not named NNNN_name.sql`);
      }
      const path = join(dir, entry);
      const sql = readFileSync(path, 'utf8');
      const [, version, name] = match as unknown as [string, string, string];
      files.push({ version, name, id: `${version}_${name}`, path, checksum: checksumOf(sql), sql });
    }
    files.sort((a, b) => Number(a.version) - Number(b.version) || a.name.localeCompare(b.name));
    for (let i = 1; i < files.length; i++) {
      if (Number(files[i]!.version) === Number(files[i - 1]!.version)) {
        throw new FraiseqlError(
          'FRAISEQL_CONFIG_INVALID',
          `migrations ${files[i - 1]!.path} and ${files[i]!.path} share version ${files[i]!.version}`,
        );
      }
    }
    for (const file of files) {
      const other = seen.get(file.id);
      if (other) throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `migration ${file.id} exists twice: ${other} and ${file.path}`);
      seen.set(file.id, file.path);
      all.push(file);
    }
  }
  return all;
}
