import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { FraiseqlError } from '@fraiseql/errors';

/** The part of a chdb result the executor reads. */
export interface ChdbResult {
  readonly rowsRead: number;
  bytes(): Uint8Array;
}

/** The part of chdb's Session (ClickHouse embedded in-process, one data directory per process) the executor uses. */
export interface ChdbSession {
  queryAsync(sql: string, options?: { format?: string }): Promise<ChdbResult>;
  queryBindAsync(sql: string, params: object, options?: { format?: string }): Promise<ChdbResult>;
  /** Raw passthrough insert of text formats: `INSERT INTO table (columns) SETTINGS … FORMAT format` + values. */
  insert(params: {
    table: string;
    values: Uint8Array | string;
    format: string;
    columns?: readonly string[];
    settings?: Record<string, string | number | boolean>;
  }): Promise<{ rowsWritten: number }>;
  close(): void;
}

export interface ChdbModule {
  Session: new (path: string) => ChdbSession;
}

/** Where scripts/ensure-chdb.sh installs chdb, relative to the repository root (it stays out of package-lock.json). */
export const CHDB_INSTALL_DIR = '.tools/chdb';

const loaded = new Map<string, ChdbModule>();

/**
 * chdb from `installDir` (a folder holding node_modules/chdb), by default `<repo root>/.tools/chdb`.
 * FRAISEQL_CONFIG_INVALID, saying how to install it, when it is not there.
 */
export function loadChdbModule(installDir?: string): ChdbModule {
  const dir = resolve(installDir ?? join(findRepositoryRoot(__dirname), CHDB_INSTALL_DIR));
  const cached = loaded.get(dir);
  if (cached) return cached;
  if (!existsSync(join(dir, 'node_modules/chdb/package.json'))) {
    throw new FraiseqlError(
      'FRAISEQL_CONFIG_INVALID',
      `the embedded ClickHouse engine (npm package chdb) is not installed in ${dir}: run \`bash scripts/ensure-chdb.sh\` ` +
        'from the repository root, point the chdb directory option at an installation, or configure a ClickHouse server URL',
    );
  }
  // Node's own require rooted at the install folder: chdb and its native library resolve like any package there.
  const chdb = createRequire(join(dir, 'package.json'))('chdb') as ChdbModule;
  loaded.set(dir, chdb);
  return chdb;
}

/** The nearest folder above `from` whose package.json declares npm workspaces (the same from src/ and dist/). */
function findRepositoryRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && declaresWorkspaces(manifest)) return dir;
    if (dirname(dir) === dir) {
      throw new FraiseqlError(
        'FRAISEQL_CONFIG_INVALID',
        `no repository root above ${from} to find ${CHDB_INSTALL_DIR} in: give the chdb directory`,
      );
    }
  }
}

function declaresWorkspaces(manifest: string): boolean {
  try {
    return Array.isArray((JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown }).workspaces);
  } catch {
    return false;
  }
}
