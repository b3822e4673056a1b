import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LegMeasurement } from './leg-measurement';

const run = promisify(execFile);

/**
 * `psql -c "\copy (<select>) TO '/dev/null' (FORMAT binary)"`: PostgreSQL's binary COPY of the same
 * rows, received by psql and thrown away — the most this machine's PostgreSQL can hand a client.
 * Timed around the whole psql process (start-up and connection included, a few ms).
 */
export async function measurePsqlCopy(databaseUrl: string, sql: string): Promise<LegMeasurement> {
  const started = performance.now();
  const { stdout } = await run(
    'psql',
    ['-X', '-v', 'ON_ERROR_STOP=1', '-d', databaseUrl, '-c', `\\copy (${sql}) TO '/dev/null' (FORMAT binary)`],
    { maxBuffer: 1024 * 1024 },
  );
  const seconds = (performance.now() - started) / 1000;
  const match = /COPY (\d+)/.exec(stdout);
  if (!match) throw new Error(`psql printed no COPY count: ${stdout.slice(0, 500)}`);
  return { rows: Number(match[1]), seconds, detail: 'psql process, start-up included' };
}
