import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyMigrations, FRAMEWORK_MIGRATIONS_DIR } from '@fraiseql/pg-migrations';
import { FLIGHT_BENCH_ORG } from '../flight/flight-bench-schema';
import { GRANT_FLIGHT_ACCESS } from '../flight/flight-bench-sql';
import { withClient } from '../lib/fingerprinted-database';

/**
 * Fills a fresh database with bench:flight's typed rows (bench/flight/sql: tb_flight_row and the Flight view
 * va_flight_row, `rows` rows in FLIGHT_BENCH_ORG), so the exports and Flight DoGet read the same view and rows
 * as bench:flight does. Its GraphQL projection (tv_flight_row) stays empty: nothing here reads it.
 */
export async function fillExportBenchDatabase(root: string, databaseUrl: string, rows: number): Promise<void> {
  const sql = (file: string): string => readFileSync(join(root, 'bench/flight/sql', file), 'utf8');
  await applyMigrations({ connectionString: databaseUrl, directories: [FRAMEWORK_MIGRATIONS_DIR] });
  await withClient(databaseUrl, async (db) => {
    await db.query(sql('flight-bench-tables.sql'));
    await db.query(sql('seed-flight-rows.sql'), [rows, FLIGHT_BENCH_ORG]);
    // Hint bits and the visibility map set now, not by whichever leg happens to read first.
    await db.query('VACUUM (FREEZE, ANALYZE)');
    // The flight-server and the exports read as fraiseql_flight (the job-runner's default export role).
    await db.query(GRANT_FLIGHT_ACCESS);
  });
}
