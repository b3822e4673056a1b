import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { FraiseqlError } from '@fraiseql/errors';
import { applyMigrations, migrationStatus } from '@fraiseql/pg-migrations';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';

let db: TestDatabase;
let root: string;

beforeEach(async () => {
  db = await createTestDatabase('fraiseql_migrations');
  root = mkdtempSync(join(tmpdir(), 'fraiseql-migrations-'));
});

afterEach(async () => {
  await db.drop();
  rmSync(root, { recursive: true, force: true });
});

function directory(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, sql] of Object.entries(files)) writeFileSync(join(dir, file), sql);
  return dir;
}

async function query<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const ledger = () =>
  query<{ version: string; name: string; checksum: string }>(
    'SELECT version, name, checksum FROM fraiseql.schema_migrations ORDER BY applied_at, version',
  );

describe('applyMigrations', () => {
  it('applies directories in the order given and files by numeric version, recording each with its sha256', async () => {
    // Each file appends to a log table; the log shows the order the files really ran in.
    const framework = directory('framework', {
      '0001_log.sql': 'CREATE TABLE run_log (seq serial, name text);',
      '0010_ten.sql': "INSERT INTO run_log (name) VALUES ('framework 10');",
      '0002_two.sql': "INSERT INTO run_log (name) VALUES ('framework 2');",
      'README.md': 'not a migration',
    });
    const app = directory('app', { '0001_app_first.sql': "INSERT INTO run_log (name) VALUES ('app 1');" });

    const result = await applyMigrations({ connectionString: db.url, directories: [framework, app] });

    expect(result).toEqual({ applied: ['0001_log', '0002_two', '0010_ten', '0001_app_first'], skipped: [] });
    expect((await query<{ name: string }>('SELECT name FROM run_log ORDER BY seq')).map((r) => r.name)).toEqual([
      'framework 2',
      'framework 10',
      'app 1',
    ]);
    const rows = await ledger();
    expect(rows.map((r) => `${r.version}_${r.name}`)).toEqual(result.applied);
    expect(rows[1]!.checksum).toBe(createHash('sha256').update("INSERT INTO run_log (name) VALUES ('framework 2');").digest('hex'));
  });

  it('is idempotent: a second run applies nothing and reports every file as skipped', async () => {
    const dir = directory('m', { '0001_t.sql': 'CREATE TABLE t (id int);', '0002_u.sql': 'CREATE TABLE u (id int);' });
    await applyMigrations({ connectionString: db.url, directories: [dir] });

    const again = await applyMigrations({ connectionString: db.url, directories: [dir] });

    expect(again).toEqual({ applied: [], skipped: ['0001_t', '0002_u'] });
    expect(await ledger()).toHaveLength(2);
  });

  it('applies only the files added since the last run', async () => {
    const dir = directory('m', { '0001_t.sql': 'CREATE TABLE t (id int);' });
    await applyMigrations({ connectionString: db.url, directories: [dir] });
    writeFileSync(join(dir, '0002_u.sql'), 'CREATE TABLE u (id int);');

    const result = await applyMigrations({ connectionString: db.url, directories: [dir] });

    expect(result).toEqual({ applied: ['0002_u'], skipped: ['0001_t'] });
  });

  it('refuses to run when an applied file was edited, and applies nothing else', async () => {
    const dir = directory('m', { '0001_t.sql': 'CREATE TABLE t (id int);' });
    await applyMigrations({ connectionString: db.url, directories: [dir] });
    writeFileSync(join(dir, '0001_t.sql'), 'CREATE TABLE t (id bigint);');
    writeFileSync(join(dir, '0002_u.sql'), 'CREATE TABLE u (id int);');

    const error = await applyMigrations({ connectionString: db.url, directories: [dir] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FraiseqlError);
    expect((error as FraiseqlError).code).toBe('FRAISEQL_MIGRATION_CHECKSUM_MISMATCH');
    expect((error as FraiseqlError).details).toEqual({ migrations: ['0001_t'] });
    expect(await query("SELECT 1 FROM pg_tables WHERE tablename = 'u'")).toHaveLength(0);
    expect(await ledger()).toHaveLength(1);
  });

  it('does not count CRLF line ends as an edit', async () => {
    const dir = directory('m', { '0001_t.sql': 'CREATE TABLE t (id int);\nCREATE TABLE t2 (id int);\n' });
    await applyMigrations({ connectionString: db.url, directories: [dir] });
    writeFileSync(join(dir, '0001_t.sql'), 'CREATE TABLE t (id int);\r\nCREATE TABLE t2 (id int);\r\n');

    expect(await applyMigrations({ connectionString: db.url, directories: [dir] })).toEqual({ applied: [], skipped: ['0001_t'] });
  });

  it('rolls a failing migration back completely, records nothing of it, keeps earlier ones and stops', async () => {
    const dir = directory('m', {
      '0001_ok.sql': 'CREATE TABLE ok (id int);',
      '0002_bad.sql': 'CREATE TABLE half (id int);\nINSERT INTO ok VALUES (1);\nSELECT no_such_column FROM ok;',
      '0003_later.sql': 'CREATE TABLE later (id int);',
    });

    const error = await applyMigrations({ connectionString: db.url, directories: [dir] }).catch((e: unknown) => e);

    expect((error as FraiseqlError).code).toBe('FRAISEQL_MIGRATION_FAILED');
    expect((error as FraiseqlError).details).toEqual({ migration: '0002_bad', sqlState: '42703', line: 3 });
    expect((error as Error).message).toContain('0002_bad.sql (line 3)');
    const tables = await query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    expect(tables.map((t) => t.tablename)).toEqual(['ok']);
    expect(await query('SELECT * FROM ok')).toHaveLength(0);
    expect((await ledger()).map((r) => r.name)).toEqual(['ok']);
  });

  it('lets concurrent runners take turns: every file is applied exactly once', async () => {
    // Not idempotent on purpose (CREATE TABLE without IF NOT EXISTS, INSERT): applying twice would fail or duplicate.
    const dir = directory('m', {
      '0001_counter.sql': 'CREATE TABLE counter (file text PRIMARY KEY);',
      '0002_slow.sql': "SELECT pg_sleep(0.3); INSERT INTO counter VALUES ('0002');",
      '0003_more.sql': "INSERT INTO counter VALUES ('0003');",
    });

    const results = await Promise.all(Array.from({ length: 4 }, () => applyMigrations({ connectionString: db.url, directories: [dir] })));

    const appliedByAll = results.flatMap((r) => r.applied).sort();
    expect(appliedByAll).toEqual(['0001_counter', '0002_slow', '0003_more']);
    expect(results.filter((r) => r.applied.length === 3)).toHaveLength(1);
    expect(results.filter((r) => r.skipped.length === 3)).toHaveLength(3);
    expect((await query<{ file: string }>('SELECT file FROM counter ORDER BY 1')).map((r) => r.file)).toEqual(['0002', '0003']);
    expect(await ledger()).toHaveLength(3);
  });

  it('works through a pool and hands the connection back', async () => {
    const pool = new Pool({ connectionString: db.url, max: 1 });
    try {
      const dir = directory('m', { '0001_t.sql': 'CREATE TABLE t (id int);' });
      expect(await applyMigrations({ pool, directories: [dir] })).toEqual({ applied: ['0001_t'], skipped: [] });
      expect((await pool.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(0);
      expect(pool.idleCount).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('dry run lists what would be applied and changes nothing, not even the ledger', async () => {
    const dir = directory('m', { '0001_t.sql': 'CREATE TABLE t (id int);' });

    const result = await applyMigrations({ connectionString: db.url, directories: [dir], dryRun: true });

    expect(result).toEqual({ applied: ['0001_t'], skipped: [] });
    expect(await query("SELECT to_regclass('fraiseql.schema_migrations') AS t, to_regclass('t') AS u")).toEqual([{ t: null, u: null }]);
  });

  it('refuses badly named files, duplicate versions and a name found in two directories', async () => {
    const badName = directory('a', { '1_ok.sql': '', 'create-users.sql': '' });
    const dupVersion = directory('b', { '0001_x.sql': '', '001_y.sql': '' });
    const one = directory('c', { '0001_same.sql': '' });
    const two = directory('d', { '0001_same.sql': '' });

    for (const directories of [[badName], [dupVersion], [one, two]]) {
      const error = await applyMigrations({ connectionString: db.url, directories }).catch((e: unknown) => e);
      expect((error as FraiseqlError).code).toBe('FRAISEQL_CONFIG_INVALID');
    }
    expect(await query("SELECT to_regclass('fraiseql.schema_migrations') AS t")).toEqual([{ t: null }]);
  });
});

describe('migrationStatus', () => {
  it('reports applied, pending, changed and missing files', async () => {
    const dir = directory('m', {
      '0001_kept.sql': 'CREATE TABLE kept (id int);',
      '0002_edited.sql': 'CREATE TABLE edited (id int);',
      '0003_removed.sql': 'CREATE TABLE removed (id int);',
    });
    await applyMigrations({ connectionString: db.url, directories: [dir] });
    writeFileSync(join(dir, '0002_edited.sql'), 'CREATE TABLE edited (id bigint);');
    rmSync(join(dir, '0003_removed.sql'));
    writeFileSync(join(dir, '0004_new.sql'), 'CREATE TABLE new (id int);');

    const status = await migrationStatus({ connectionString: db.url, directories: [dir] });

    expect(status.map((s) => [s.id, s.state])).toEqual([
      ['0001_kept', 'applied'],
      ['0002_edited', 'changed'],
      ['0004_new', 'pending'],
      ['0003_removed', 'missing'],
    ]);
    expect(status[0]!.appliedAt).toBeInstanceOf(Date);
  });
});
