// Cost of change capture on a bulk write: `UPDATE tb_order SET notes = …` over 10k orders (each
// also refreshes its tv_order row), committed, with capture on and off, alternating, same database.
// Run: npx tsx examples/shop/bench/capture-overhead.ts [orders=10000] [rounds=5]
import { Client } from 'pg';
import { createTestDatabase } from '@fraiseql/testkit';
import { migrateShop, seedShop } from '../src';

async function main(): Promise<void> {
  const orders = Number(process.argv[2] ?? 10000);
  const rounds = Number(process.argv[3] ?? 5);
  const db = await createTestDatabase('fraiseql_capture_bench');
  const client = new Client({ connectionString: db.url });
  try {
    await migrateShop({ connectionString: db.url });
    await seedShop({ connectionString: db.url, orders });
    await client.connect();
    await client.query('VACUUM ANALYZE');
    const timings: Record<'on' | 'off', number[]> = { on: [], off: [] };
    // The same split: the UPDATE statement (row triggers: first touch, pre-image) and the COMMIT (flush).
    const commitTimings: Record<'on' | 'off', number[]> = { on: [], off: [] };
    const run = async (capture: 'on' | 'off', round: number) => {
      const started = process.hrtime.bigint();
      await client.query('BEGIN');
      await client.query('SELECT set_config($1, $2, true)', ['fraiseql.capture', capture]);
      const updated = await client.query('UPDATE tb_order SET notes = $1', [`round ${round} ${capture}`]);
      const committing = process.hrtime.bigint();
      await client.query('COMMIT');
      const done = process.hrtime.bigint();
      timings[capture].push(Number(done - started) / 1e6);
      commitTimings[capture].push(Number(done - committing) / 1e6);
      return updated.rowCount;
    };
    await run('off', -1); // warm-up
    await run('on', -1);
    for (let round = 0; round < rounds; round++) {
      await run(round % 2 ? 'on' : 'off', round);
      await run(round % 2 ? 'off' : 'on', round);
    }
    const events = (await client.query('SELECT count(*)::int AS n FROM fraiseql.tb_entity_change_log')).rows[0].n as number;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const on = median(timings.on);
    const off = median(timings.off);
    console.log(
      JSON.stringify({
        orders,
        rounds,
        eventsWritten: events,
        medianMs: {
          captureOff: Math.round(off),
          captureOn: Math.round(on),
          commitOff: Math.round(median(commitTimings.off)),
          commitOn: Math.round(median(commitTimings.on)),
        },
        ratio: Number((on / off).toFixed(2)),
        perRowOverheadUs: Math.round(((on - off) * 1000) / orders),
      }),
    );
  } finally {
    await client.end().catch(() => undefined);
    await db.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
