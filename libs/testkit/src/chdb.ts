import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The part of chdb's API the tests use (ClickHouse embedded in-process). */
export interface Chdb {
  /** Runs `sql` and returns the output in `format` (default CSV) as text. Reads files with `file(path, 'ArrowStream')`. */
  query(sql: string, format?: string): string;
  /** The same with `{name:Type}` parameters bound server-side. */
  queryBind(sql: string, args: Record<string, unknown>, format?: string): string;
}

/** Where scripts/ensure-chdb.sh installs it, relative to the repository root. */
export const CHDB_INSTALL_DIR = '.tools/chdb';

let loaded: Chdb | undefined;

/**
 * chdb from `<repo root>/.tools/chdb` (it cannot be in package-lock.json: scripts/ensure-chdb.sh
 * installs it on demand). Throws, saying how to install it, when it is missing.
 */
export function loadChdb(): Chdb {
  if (loaded) return loaded;
  const dir = join(findRepositoryRoot(__dirname), CHDB_INSTALL_DIR);
  if (!existsSync(join(dir, 'node_modules/chdb/package.json'))) {
    throw new Error(
      `chdb is not installed (looked in ${dir}/node_modules/chdb): run \`bash scripts/ensure-chdb.sh\` from the repository root`,
    );
  }
  // Node's own require rooted at the install folder: chdb resolves like any package there.
  loaded = createRequire(join(dir, 'package.json'))('chdb') as Chdb;
  return loaded;
}

/** The nearest folder above `from` whose package.json declares the npm workspaces (src/ under ts-jest or dist/ alike). */
function findRepositoryRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && isWorkspaceRoot(manifest)) return dir;
    if (dirname(dir) === dir) throw new Error(`no repository root (a package.json with "workspaces") above ${from}`);
  }
}

function isWorkspaceRoot(manifest: string): boolean {
  try {
    return Array.isArray((JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown }).workspaces);
  } catch {
    return false;
  }
}
