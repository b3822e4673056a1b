import { Query, type Client } from 'pg';
import type { LegMeasurement } from './leg-measurement';

/**
 * The SELECT through node-postgres's row protocol (text format), every row parsed into an object
 * by pg-types and counted as it arrives (a Query with a `row` listener keeps no rows).
 */
export async function measurePgRows(client: Client, sql: string): Promise<LegMeasurement> {
  let rows = 0;
  let seqSum = 0;
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const query = new Query<{ seq: number }>(sql);
    query.on('row', (row: { seq: number }) => {
      rows++;
      seqSum += row.seq;
    });
    query.on('end', () => resolve());
    query.on('error', reject);
    client.query(query);
  });
  const seconds = (performance.now() - started) / 1000;
  return { rows, seconds, seqSum, detail: 'one connection, text format' };
}
