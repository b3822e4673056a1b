import type { Pool, PoolClient, QueryArrayResult } from 'pg';
import { FraiseqlError } from '@fraiseql/errors';
import { mapPgError } from '@fraiseql/errors';

/**
 * What the read and the mutation transaction share: one pooled connection per operation, the
 * request context as transaction-local settings, and one outcome per planned statement. How the
 * statements are sent differs (a read pipelines everything; a mutation waits for each answer),
 * so each keeps its own run-*-transaction.ts.
 */

export interface PlannedStatement {
  /** Prepared statement name: the same name always carries the same text (planner contract). */
  name: string;
  text: string;
  values: unknown[];
}

/** Per statement: the `result` text PostgreSQL built, null when it returned no row, or the mapped error. */
export type StatementOutcome = string | null | FraiseqlError;

/** Every statement failed with the same error (no connection, or the transaction could not start). */
export interface FailedStatements {
  outcomes: StatementOutcome[];
  /** The PostgreSQL error as pg raised it (SQL text, detail, hint): for the log only. */
  failure: unknown;
}

/**
 * Runs `work` on a connection of the pool. When no connection can be had, the answer is
 * `unavailable(error)`. A connection `work` discards (its transaction could not be closed, or
 * PostgreSQL went away) is destroyed, never reused; otherwise it goes back to the pool.
 */
export async function onPooledConnection<T>(
  pool: Pool,
  unavailable: (error: unknown) => T,
  work: (client: PoolClient, discard: (error: Error) => void) => Promise<T>,
): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    return unavailable(error);
  }
  let broken: Error | undefined;
  try {
    return await work(client, (error) => {
      broken = error;
    });
  } finally {
    client.release(broken);
  }
}

export function failedStatements(statements: readonly unknown[], error: unknown): FailedStatements {
  const mapped = mapPgError(error);
  return { outcomes: statements.map(() => mapped), failure: error };
}

/** The outcome of a statement after one that failed: the transaction was aborted before it. */
export function notRun(code: FraiseqlError['code']): FraiseqlError {
  return new FraiseqlError(code, 'Not run: another field of this operation failed first');
}

/** The one cell a planned statement returns, as JSON text. */
export function firstCell(result: QueryArrayResult<unknown[]>): string | null {
  const cell = result.rows[0]?.[0];
  if (cell === undefined || cell === null) return null;
  return typeof cell === 'string' ? cell : JSON.stringify(cell);
}
