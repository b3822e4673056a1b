import { copyQueryToArrow } from '@fraiseql/arrow';
import type { FlightClient } from '@fraiseql/flight';
import { runExport, type ExportStore } from '@fraiseql/job-export';
import type { Pool } from 'pg';
import type { CpuSpent } from '../graphql/cpu-meter';
import { FLIGHT_BENCH_ORG, FLIGHT_ROW_COLUMNS } from '../flight/flight-bench-schema';
import { typedRowsSelect } from '../flight/flight-bench-sql';
import { expectedSeqSum } from '../flight/leg-measurement';
import { measureFlight, type ViewCommand } from '../flight/measure-flight';
import type { ExportFormatLeg } from './jobs-options';

export type ExportLeg = 'flight' | 'reader' | ExportFormatLeg;

export const EXPORT_LEG_TITLES: Record<ExportLeg, string> = {
  flight: 'Flight DoGet (flight-server, view ticket)',
  reader: 'COPY → Arrow in this process (libs/arrow, no writer)',
  parquet: 'export parquet (runExport → local file)',
  arrow: 'export arrow IPC stream (runExport → local file)',
  csv: 'export csv (runExport → local file)',
};

export interface ExportLegMeasurement {
  rows: number;
  seconds: number;
  /** Bytes of the file (exports). */
  bytes?: number;
  detail: string;
  /** CPU seconds by tier during the leg (set by the runner). */
  cpu?: CpuSpent;
}

export const FLIGHT_VIEW: ViewCommand = { kind: 'view', view: 'va_flight_row', columns: FLIGHT_ROW_COLUMNS };

/** Flight DoGet of the view (bench/flight's leg): GetFlightInfo, DoGet, batches decoded by apache-arrow; every row checked once. */
export async function measureFlightLeg(client: FlightClient, rows: number, limit?: number): Promise<ExportLegMeasurement> {
  const m = await measureFlight(client, limit === undefined ? FLIGHT_VIEW : { ...FLIGHT_VIEW, limit });
  const expected = limit ?? rows;
  if (m.rows !== expected) throw new Error(`Flight DoGet returned ${m.rows} rows, expected ${expected}`);
  if (limit === undefined && m.seqSum !== expectedSeqSum(rows))
    throw new Error(`Flight DoGet returned the wrong rows (sum of seq ${m.seqSum})`);
  return { rows: m.rows, seconds: m.seconds, detail: m.detail };
}

/**
 * runExport of the view's 17 columns in one format, as the export job type calls it (the job's org, a no-op
 * progress callback), into the local directory store; the file is deleted afterwards.
 */
export async function measureExport(
  format: ExportFormatLeg,
  deps: { pool: Pool; store: ExportStore },
  jobId: string,
  rows: number,
  limit?: number,
): Promise<ExportLegMeasurement> {
  const started = performance.now();
  const result = await runExport(
    { format, source: { kind: 'view', view: FLIGHT_VIEW.view, columns: [...FLIGHT_ROW_COLUMNS], ...(limit ? { limit } : {}) } },
    { orgId: FLIGHT_BENCH_ORG, jobId, signal: new AbortController().signal, progress: () => undefined },
    deps,
  );
  const seconds = (performance.now() - started) / 1000;
  await deps.store.delete(result.key);
  const expected = limit ?? rows;
  if (result.rows !== expected) throw new Error(`the ${format} export wrote ${result.rows} rows, expected ${expected}`);
  return {
    rows: result.rows,
    seconds,
    bytes: result.sizeBytes,
    detail: `${(result.sizeBytes / 1024 / 1024).toFixed(1)} MiB, ${result.contentType}`,
  };
}

/**
 * The reader both exports and the flight-server are built on, alone: libs/arrow's COPY BINARY → RecordBatch
 * decoder over the same SELECT, in a read-only transaction like the export's, batches counted and dropped.
 */
export async function measureReader(pool: Pool, rows: number): Promise<ExportLegMeasurement> {
  const started = performance.now();
  const client = await pool.connect();
  let counted = 0;
  let batches = 0;
  let seqSum = 0;
  let clean = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    for await (const batch of copyQueryToArrow(client, typedRowsSelect(FLIGHT_BENCH_ORG))) {
      counted += batch.numRows;
      batches++;
      for (const value of batch.getChild('seq')!.toArray() as Int32Array) seqSum += value;
    }
    await client.query('COMMIT');
    clean = true;
  } finally {
    client.release(clean ? undefined : true);
  }
  const seconds = (performance.now() - started) / 1000;
  if (counted !== rows || seqSum !== expectedSeqSum(rows))
    throw new Error(`the COPY reader returned ${counted} rows (sum of seq ${seqSum})`);
  return { rows: counted, seconds, detail: `${batches} batches` };
}
