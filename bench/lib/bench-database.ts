import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fingerprintFiles, prepareFingerprintedDatabase, withClient } from './fingerprinted-database';

const run = promisify(execFile);

export interface BenchDatabaseOptions {
  root: string;
  databaseUrl: string;
  /** The shop seed's `--scale` (1k, 10k, 100k, 1m). */
  scale: string;
  reset: boolean;
  log: (line: string) => void;
}

export interface BenchDatabase {
  /** Orders in the database (all orgs) and of each status in the benchmark org. */
  orders: number;
  seeded: 'now' | 'reused';
}

/**
 * Makes the benchmark database hold the demo shop at the asked scale. What it holds is recorded
 * in the database's COMMENT (a fingerprint of the migrations, the seed and the scale), so a
 * second run at the same scale reuses the data, and a changed migration or seed, or another
 * scale, rebuilds it from nothing (the data must be exactly what the fingerprint says).
 */
export async function prepareBenchDatabase(options: BenchDatabaseOptions): Promise<BenchDatabase> {
  const name = decodeURIComponent(new URL(options.databaseUrl).pathname.slice(1));
  const fingerprint = `fraiseql-bench ${options.scale} ${sourceFingerprint(options.root)}`;
  const seeded = await prepareFingerprintedDatabase({
    databaseUrl: options.databaseUrl,
    fingerprint,
    reset: options.reset,
    log: options.log,
    build: async (databaseUrl) => {
      options.log(`database ${name}: migrating`);
      await runShopCli(options.root, 'migrate-cli', ['--database-url', databaseUrl]);
      options.log(`database ${name}: seeding scale ${options.scale} (this takes a while at 100k and more)`);
      await runShopCli(options.root, 'seed-cli', ['--database-url', databaseUrl, '--scale', options.scale]);
      // Fresh statistics: both systems' plans depend on them, and autovacuum may not have run yet.
      await withClient(databaseUrl, (db) => db.query('VACUUM ANALYZE'));
    },
  });
  const orders = await withClient(options.databaseUrl, async (db) =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM tb_order')).rows[0]!.n),
  );
  return { orders, seeded };
}

/** Runs one of the shop's command-line tools: built JavaScript when present, else the TypeScript source. */
async function runShopCli(root: string, tool: string, args: string[]): Promise<void> {
  const built = join(root, 'examples/shop/dist', `${tool}.js`);
  const source = join(root, 'examples/shop/src', `${tool}.ts`);
  const argv = existsSync(built) ? [built, ...args] : existsSync(source) ? ['--import', 'tsx', source, ...args] : undefined;
  if (!argv) throw new Error(`examples/shop has no ${tool} (looked for ${built} and ${source})`);
  try {
    await run(process.execPath, argv, { cwd: root, maxBuffer: 64 * 1024 * 1024, timeout: 60 * 60 * 1000 });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${tool} failed: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`);
  }
}

/** sha256 over the files that decide what the database holds. */
function sourceFingerprint(root: string): string {
  return fingerprintFiles(
    root,
    ['migrations/postgres', 'examples/shop/migrations'],
    ['examples/shop/src/seed.sql', 'examples/shop/src/seed.ts', 'examples/shop/src/seed-plan.ts'],
  );
}
