import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

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
  const url = new URL(options.databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`unsupported database name: ${name}`);
  const host = url.hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') throw new Error(`the benchmark only talks to loopback, not ${host}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const fingerprint = `fraiseql-bench ${options.scale} ${sourceFingerprint(options.root)}`;

  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  let fresh = false;
  try {
    const found = await client.query<{ note: string | null }>(
      'SELECT shobj_description(oid, $2) AS note FROM pg_database WHERE datname = $1',
      [name, 'pg_database'],
    );
    const current = found.rows[0];
    if (current && !options.reset && current.note === fingerprint) {
      options.log(`database ${name}: reusing (${fingerprint})`);
    } else {
      if (current) {
        options.log(`database ${name}: ${options.reset ? '--reset' : `holds "${current.note ?? 'unknown data'}"`}; re-creating`);
        await client.query(`DROP DATABASE "${name}" WITH (FORCE)`);
      }
      await client.query(`CREATE DATABASE "${name}"`);
      fresh = true;
    }
  } finally {
    await client.end();
  }

  if (fresh) {
    const started = Date.now();
    options.log(`database ${name}: migrating`);
    await runShopCli(options.root, 'migrate-cli', ['--database-url', options.databaseUrl]);
    options.log(`database ${name}: seeding scale ${options.scale} (this takes a while at 100k and more)`);
    await runShopCli(options.root, 'seed-cli', ['--database-url', options.databaseUrl, '--scale', options.scale]);
    const db = new Client({ connectionString: options.databaseUrl });
    await db.connect();
    try {
      // Fresh statistics: both systems' plans depend on them, and autovacuum may not have run yet.
      await db.query('VACUUM ANALYZE');
    } finally {
      await db.end();
    }
    const setNote = new Client({ connectionString: admin.toString() });
    await setNote.connect();
    try {
      await setNote.query(`COMMENT ON DATABASE "${name}" IS ${quoteLiteral(fingerprint)}`);
    } finally {
      await setNote.end();
    }
    options.log(`database ${name}: ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  const db = new Client({ connectionString: options.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM tb_order');
    return { orders: Number(rows[0]!.n), seeded: fresh ? 'now' : 'reused' };
  } finally {
    await db.end();
  }
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
  const hash = createHash('sha256');
  const folders = ['migrations/postgres', 'examples/shop/migrations'];
  for (const folder of folders) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
      hash.update(`${folder}/${file}\0`).update(readFileSync(join(dir, file))).update('\0');
    }
  }
  for (const file of ['examples/shop/src/seed.sql', 'examples/shop/src/seed.ts', 'examples/shop/src/seed-plan.ts']) {
    const path = join(root, file);
    if (existsSync(path)) hash.update(`${file}\0`).update(readFileSync(path)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
