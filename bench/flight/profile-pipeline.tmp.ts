import { Pool } from 'pg';
import { copyQueryToArrow } from '@fraiseql/arrow';
async function main() {
  const pool = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/fraiseql_bench_flight_1m', max: 1 });
  const client = await pool.connect();
  const sql = 'SELECT id, org_id, seq, status, total, currency, item_count, units, placed_at, placed_on, customer_id, customer_email, is_cancelled, avg_unit_price, product_skus, shipping_address, notes FROM va_flight_row';
  for (let round = 0; round < 3; round++) {
    const c0 = process.cpuUsage(); const t0 = Date.now(); let rows = 0;
    for await (const b of copyQueryToArrow(client, sql, [], { batchSize: 65536, maxBatchBytes: 3 * 1024 * 1024 })) rows += b.numRows;
    const c = process.cpuUsage(c0);
    console.log(rows, Date.now() - t0, 'ms wall', ((c.user + c.system) / 1000).toFixed(0), 'ms cpu');
  }
  client.release(); await pool.end();
}
void main();
