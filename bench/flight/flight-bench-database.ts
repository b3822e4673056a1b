import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { applyMigrations, FRAMEWORK_MIGRATIONS_DIR } from '@fraiseql/pg-migrations';
import { fingerprintFiles, prepareFingerprintedDatabase, withClient } from '../lib/fingerprinted-database';
import { FLIGHT_BENCH_ORG } from './flight-bench-schema';

export interface FlightBenchDatabaseOptions {
  root: string;
  databaseUrl: string;
  rows: number;
  reset: boolean;
  log: (line: string) => void;
}

const SQL_DIR = join(__dirname, 'sql');
const sql = (file: string): string => readFileSync(join(SQL_DIR, file), 'utf8');

/**
 * A database holding `rows` benchmark rows (tb_flight_row, its projection tv_flight_row and the
 * two views), built once and reused while the framework migrations, the benchmark's SQL and the
 * row count are unchanged (fingerprint in the database's COMMENT).
 */
export async function prepareFlightBenchDatabase(options: FlightBenchDatabaseOptions): Promise<'now' | 'reused'> {
  const name = decodeURIComponent(new URL(options.databaseUrl).pathname.slice(1));
  const fingerprint = `fraiseql-bench-flight ${options.rows} ${fingerprintFiles(options.root, ['migrations/postgres', 'bench/flight/sql'])}`;
  return prepareFingerprintedDatabase({
    databaseUrl: options.databaseUrl,
    fingerprint,
    reset: options.reset,
    log: options.log,
    // UNLOGGED tables come back empty after a crash of PostgreSQL.
    verify: (url) => withClient(url, async (db) => (await countRows(db)) === options.rows),
    build: async (url) => {
      options.log(`database ${name}: framework migrations`);
      await applyMigrations({ connectionString: url, directories: [FRAMEWORK_MIGRATIONS_DIR] });
      await withClient(url, async (db) => {
        await db.query(sql('flight-bench-tables.sql'));
        let started = Date.now();
        options.log(`database ${name}: generating ${options.rows} rows (about 40 s per million with the projection)`);
        await db.query(sql('seed-flight-rows.sql'), [options.rows, FLIGHT_BENCH_ORG]);
        options.log(`database ${name}: rows in ${seconds(started)}; storing their GraphQL JSON (tv_flight_row) and its index`);
        started = Date.now();
        await db.query(sql('project-flight-rows.sql'));
        options.log(`database ${name}: projection in ${seconds(started)}; VACUUM (FREEZE, ANALYZE)`);
        // Hint bits and the visibility map set now, not by whichever leg happens to read first.
        await db.query('VACUUM (FREEZE, ANALYZE)');
        const counted = await countRows(db);
        if (counted !== options.rows) throw new Error(`database ${name}: expected ${options.rows} rows, found ${counted}`);
      });
    },
  });
}

/** Rows of tb_flight_row, or -1 when it and its projection disagree (or are missing). */
async function countRows(db: Client): Promise<number> {
  try {
    const { rows } = await db.query<{ typed: string; json: string }>(
      'SELECT (SELECT count(*) FROM tb_flight_row) AS typed, (SELECT count(*) FROM tv_flight_row) AS json',
    );
    return rows[0]!.typed === rows[0]!.json ? Number(rows[0]!.typed) : -1;
  } catch {
    return -1;
  }
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}
