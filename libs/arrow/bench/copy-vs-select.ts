// Side-by-side, one run: rows/s of copyQueryToArrow vs a plain pg SELECT of the same rows.
// Usage: npx tsx libs/arrow/bench/copy-vs-select.ts (PostgreSQL at 127.0.0.1:5432, database postgres).
import { Pool } from 'pg';
import { copyQueryToArrow } from '@fraiseql/arrow';

const SQL =
  'SELECT g::int8 AS n, (g % 1000)::int4 AS m, md5(g::text) AS s, now() AS at, g * 1.5::float8 AS f FROM generate_series(1, 1000000) g';

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 1 });
  const client = await pool.connect();
  try {
    let t = process.hrtime.bigint();
    const result = await client.query(SQL);
    const selectMs = Number(process.hrtime.bigint() - t) / 1e6;
    t = process.hrtime.bigint();
    let rows = 0;
    for await (const batch of copyQueryToArrow(client, SQL, [], { batchSize: 65536 })) rows += batch.numRows;
    const arrowMs = Number(process.hrtime.bigint() - t) / 1e6;
    const perSec = (n: number, ms: number): number => Math.round(n / (ms / 1000));
    console.log(`pg SELECT: ${result.rowCount} rows in ${selectMs.toFixed(0)} ms (${perSec(result.rowCount ?? 0, selectMs)} rows/s)`);
    console.log(`copyQueryToArrow: ${rows} rows in ${arrowMs.toFixed(0)} ms (${perSec(rows, arrowMs)} rows/s)`);
    console.log(`ratio: ${(selectMs / arrowMs).toFixed(2)}x`);
  } finally {
    client.release();
    await pool.end();
  }
}

void main();
