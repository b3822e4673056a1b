import type { Pool, PoolClient } from 'pg';
import { FraiseqlError, mapPgError } from '@fraiseql/errors';
import { requestSettingsStatement, type AuthenticatedCaller } from '@fraiseql/identity';

/** How long a cancelled query may take to stop before its connection is discarded instead. */
const CANCEL_GRACE_MS = 5000;

export interface SessionOptions {
  readOnly: boolean;
  statementTimeoutMs: number;
  principal: AuthenticatedCaller;
}

/**
 * One pooled connection inside one transaction, for one stream. The caller's context is set
 * as transaction-local settings (as query-executor does), so views and row-level security can
 * read it. `cancel()` asks PostgreSQL to cancel the running statement (the COPY) from another
 * connection, so the server stops reading and scanning at once; `close()` rolls back or commits
 * and returns the connection to the pool — or discards it if it did not recover.
 */
export class PostgresSession {
  private finished = false;
  private cancelRequested = false;

  private constructor(
    private readonly pool: Pool,
    readonly client: PoolClient,
    readonly backendPid: number,
  ) {}

  static async open(pool: Pool, options: SessionOptions): Promise<PostgresSession> {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw new FraiseqlError('FRAISEQL_DB_UNAVAILABLE', `PostgreSQL is not reachable: ${(error as Error).message}`, { cause: error });
    }
    try {
      const { rows } = await client.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`);
      await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ ${options.readOnly ? 'READ ONLY' : 'READ WRITE'}`);
      const settings = requestSettingsStatement({ caller: options.principal, statementTimeoutMs: options.statementTimeoutMs });
      await client.query(settings.text, settings.values);
      return new PostgresSession(pool, client, rows[0]!.pid);
    } catch (error) {
      client.release(true);
      throw mapPgError(error);
    }
  }

  get cancelled(): boolean {
    return this.cancelRequested;
  }

  /** Cancels the running statement (no-op once finished). */
  async cancel(): Promise<void> {
    if (this.finished || this.cancelRequested) return;
    this.cancelRequested = true;
    try {
      await this.pool.query('SELECT pg_cancel_backend($1)', [this.backendPid]);
    } catch {
      // The pool may be closing; close() discards the connection then.
    }
  }

  async commit(): Promise<void> {
    await this.client.query('COMMIT');
    this.release(false);
  }

  /** Rolls back and returns the connection; a connection that does not answer in time is discarded. */
  async rollback(): Promise<void> {
    if (this.finished) return;
    let healthy = false;
    try {
      await withTimeout(this.client.query('ROLLBACK'), CANCEL_GRACE_MS);
      healthy = true;
    } catch {
      healthy = false;
    }
    this.release(!healthy);
  }

  private release(discard: boolean): void {
    if (this.finished) return;
    this.finished = true;
    this.client.release(discard);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
