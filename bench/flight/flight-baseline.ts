/**
 * Issue 14's starting point, measured once on this machine (2 cores, shared) with `npm run bench:flight`
 * at commit 4d20ce2 on 2026-12-06: CPU seconds per million rows of the Flight DoGet leg at 1M rows, as
 * min–max over its rounds. The one place these numbers live; the report prints the current leg beside them.
 * They are absolute numbers of another run, so only indicative: the codec comparisons, which run the
 * reference and the current decoder side by side in one process, are the measure of the goals.
 */
export const FLIGHT_BASELINE = {
  commit: '4d20ce2',
  date: '2026-12-06',
  atRows: 1_000_000,
  flightServerCpuPerMillionRows: { min: 2.2, max: 2.3 },
  clientCpuPerMillionRows: { min: 0.7, max: 1.3 },
} as const;

export const baselineMidpoint = (range: { min: number; max: number }): number => (range.min + range.max) / 2;
