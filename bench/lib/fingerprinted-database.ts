import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

export interface FingerprintedDatabaseOptions {
  databaseUrl: string;
  /** What the database must hold, stored in its COMMENT: equal → reused, different → rebuilt. */
  fingerprint: string;
  /** Rebuild even when the fingerprint matches. */
  reset: boolean;
  log: (line: string) => void;
  /** Fills the freshly created, empty database. */
  build: (databaseUrl: string) => Promise<void>;
  /** Checks a database whose fingerprint matches (data may be gone, e.g. UNLOGGED tables after a crash); false rebuilds it. */
  verify?: (databaseUrl: string) => Promise<boolean>;
}

/**
 * Makes a benchmark database hold what `fingerprint` says: a database whose COMMENT is the
 * fingerprint is reused, anything else (another fingerprint, none, `reset`, a failed `verify`) is
 * dropped and built from nothing by `build`. The COMMENT is set only once `build` succeeded, so an
 * interrupted build is never reused. Loopback only.
 */
export async function prepareFingerprintedDatabase(options: FingerprintedDatabaseOptions): Promise<'now' | 'reused'> {
  const url = new URL(options.databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`unsupported database name: ${name}`);
  const host = url.hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') throw new Error(`the benchmark only talks to loopback, not ${host}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';

  let fresh = false;
  await withClient(admin.toString(), async (client) => {
    const found = await client.query<{ note: string | null }>(
      'SELECT shobj_description(oid, $2) AS note FROM pg_database WHERE datname = $1',
      [name, 'pg_database'],
    );
    const current = found.rows[0];
    if (current && !options.reset && current.note === options.fingerprint) {
      if (!options.verify || (await options.verify(options.databaseUrl))) {
        options.log(`database ${name}: reusing (${options.fingerprint})`);
        return;
      }
      options.log(`database ${name}: its data does not match its fingerprint; re-creating`);
    } else if (current) {
      options.log(`database ${name}: ${options.reset ? '--reset' : `holds "${current.note ?? 'unknown data'}"`}; re-creating`);
    }
    if (current) await client.query(`DROP DATABASE "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
    fresh = true;
  });
  if (!fresh) return 'reused';

  const started = Date.now();
  await options.build(options.databaseUrl);
  await withClient(admin.toString(), (client) => client.query(`COMMENT ON DATABASE "${name}" IS ${quoteLiteral(options.fingerprint)}`));
  options.log(`database ${name}: ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 'now';
}

/** sha256 (16 hex digits) over the `.sql` files of `folders` and the listed `files`, by path and content. */
export function fingerprintFiles(root: string, folders: string[], files: string[] = []): string {
  const hash = createHash('sha256');
  for (const folder of folders) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      hash
        .update(`${folder}/${file}\0`)
        .update(readFileSync(join(dir, file)))
        .update('\0');
    }
  }
  for (const file of files) {
    const path = join(root, file);
    if (existsSync(path)) hash.update(`${file}\0`).update(readFileSync(path)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export async function withClient<T>(connectionString: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
