import type { CpuSpent } from '../graphql/cpu-meter';

/** What one leg of one round measured. */
export interface LegMeasurement {
  rows: number;
  seconds: number;
  /** Sum of the `seq` column over the rows received, when the leg decodes rows (psql does not). */
  seqSum?: number;
  /** Leg-specific raw data for the report (requests, batches, bytes, …). */
  detail: string;
  /** CPU seconds by tier during the leg (set by the runner). */
  cpu?: CpuSpent;
}

export const LEGS = ['flight', 'graphql', 'pg', 'psql'] as const;
export type Leg = (typeof LEGS)[number];

export const LEG_TITLES: Record<Leg, string> = {
  flight: 'Flight DoGet (view ticket)',
  graphql: 'GraphQL JSON (gateway → query-executor)',
  pg: '`pg` SELECT (row protocol, rows parsed)',
  psql: '`psql \\copy … (FORMAT binary)` to /dev/null',
};

export const rowsPerSecond = (m: LegMeasurement): number => m.rows / m.seconds;

/** Sum of 1..n: every row exactly once when the counts agree too. */
export const expectedSeqSum = (rows: number): number => (rows * (rows + 1)) / 2;
