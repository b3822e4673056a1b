import type { Pool, PoolClient, QueryArrayResult } from 'pg';
import { FraiseqlError } from '@fraiseql/errors';
import { mapPgError } from './map-pg-error';
import { BEGIN_READ_ONLY, COMMIT, SET_REQUEST_CONTEXT } from './request-context-sql';

export interface RequestSettings {
  orgId: string | null;
  userId: string | null;
  roles: readonly string[];
  traceId: string;
  statementTimeoutMs: number;
}

export interface ReadStatement {
  /** Prepared statement name: the same name always carries the same text (planner contract). */
  name: string;
  text: string;
  values: unknown[];
}

/** Per statement: the `result` text PostgreSQL built, null when it returned no row, or the mapped error. */
export type StatementOutcome = string | null | FraiseqlError;

export interface ReadTransactionResult {
  outcomes: StatementOutcome[];
  /** The first PostgreSQL error as pg raised it (SQL text, detail, hint): for the log only. */
  failure?: unknown;
}

/**
 * Runs the statements of one operation in ONE read-only transaction on one pooled
 * connection, with the request context set transaction-locally. The pool runs in pg's
 * pipeline mode, so BEGIN, the settings, every statement and COMMIT leave in one write
 * and come back in one round trip. A failing statement aborts the transaction: the
 * statements after it are reported with the same code (they could not run), COMMIT turns
 * into ROLLBACK, and the connection goes back to the pool clean.
 */
export async function runReadTransaction(pool: Pool, settings: RequestSettings, statements: readonly ReadStatement[]): Promise<ReadTransactionResult> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    const mapped = mapPgError(error);
    return { outcomes: statements.map(() => mapped), failure: error };
  }
  let broken: Error | undefined;
  try {
    const begin = client.query(BEGIN_READ_ONLY);
    const context = client.query(SET_REQUEST_CONTEXT, [
      settings.orgId ?? '',
      settings.userId ?? '',
      settings.roles.join(','),
      settings.traceId,
      String(Math.max(1, Math.floor(settings.statementTimeoutMs))),
    ]);
    const runs = statements.map((s) => client.query<unknown[]>({ name: s.name, text: s.text, values: s.values, rowMode: 'array' }));
    const commit = client.query(COMMIT);
    const [opened, contextSet, ...rest] = await Promise.allSettled([begin, context, ...runs, commit]);
    const committed = rest.pop()!;

    const setupFailure = opened!.status === 'rejected' ? opened!.reason : contextSet!.status === 'rejected' ? contextSet!.reason : undefined;
    if (setupFailure !== undefined) {
      const mapped = mapPgError(setupFailure);
      broken = setupFailure as Error;
      return { outcomes: statements.map(() => mapped), failure: setupFailure };
    }
    let first: { raw: unknown; mapped: FraiseqlError } | undefined;
    const outcomes = rest.map((settled): StatementOutcome => {
      if (settled.status === 'fulfilled') return firstCell(settled.value as QueryArrayResult<unknown[]>);
      if (first) return new FraiseqlError(first.mapped.code, 'Not run: another field of this operation failed first');
      first = { raw: settled.reason, mapped: mapPgError(settled.reason) };
      return first.mapped;
    });
    if (committed.status === 'rejected') broken = committed.reason as Error;
    else if (first && first.mapped.code === 'FRAISEQL_DB_UNAVAILABLE') broken = first.raw as Error;
    return first ? { outcomes, failure: first.raw } : { outcomes };
  } finally {
    // A connection whose transaction could not be closed is destroyed, never reused.
    client.release(broken);
  }
}

function firstCell(result: QueryArrayResult<unknown[]>): string | null {
  const cell = result.rows[0]?.[0];
  if (cell === undefined || cell === null) return null;
  return typeof cell === 'string' ? cell : JSON.stringify(cell);
}
