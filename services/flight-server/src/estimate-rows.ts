import type { Pool } from 'pg';
import { mapPgError } from '@fraiseql/errors';

/** Bound estimate from the planner (EXPLAIN), never a count of the rows. */
export async function estimateRows(pool: Pool, sql: string): Promise<number> {
  try {
    const result = await pool.query<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(`EXPLAIN (FORMAT JSON) ${sql}`);
    return Math.max(0, Math.round(result.rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? -1));
  } catch (error) {
    throw mapPgError(error);
  }
}
