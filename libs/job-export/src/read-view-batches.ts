import type { Pool, PoolClient } from 'pg';
import type { RecordBatch } from 'apache-arrow';
import { copyQueryToArrow, type SqlParameter } from '@fraiseql/arrow';

export interface ReadViewOptions {
  orgId: string | null;
  signal: AbortSignal;
  batchSize?: number;
}

/**
 * The query's rows as RecordBatches through libs/arrow's COPY BINARY reader, in one read-only
 * repeatable-read transaction with `fraiseql.org_id` set (so views and row-level security see the job's
 * org). An abort cancels the running COPY on the server (pg_cancel_backend) and discards the connection.
 */
export async function* readViewBatches(
  pool: Pool,
  query: { sql: string; params: readonly SqlParameter[] },
  options: ReadViewOptions,
): AsyncGenerator<RecordBatch, void, undefined> {
  options.signal.throwIfAborted();
  const client: PoolClient = await pool.connect();
  const backendPid = (client as unknown as { processID: number }).processID;
  let cancelled = false;
  const cancel = (): void => {
    cancelled = true;
    void pool.query('SELECT pg_cancel_backend($1)', [backendPid]).catch(() => undefined);
  };
  options.signal.addEventListener('abort', cancel, { once: true });
  let clean = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query("SELECT set_config('fraiseql.org_id', $1, true)", [options.orgId ?? '']);
    const batchSize = options.batchSize === undefined ? {} : { batchSize: options.batchSize };
    for await (const batch of copyQueryToArrow(client, query.sql, query.params, batchSize)) {
      options.signal.throwIfAborted();
      yield batch;
    }
    await client.query('COMMIT');
    clean = true;
  } catch (error) {
    if (cancelled) options.signal.throwIfAborted();
    throw error;
  } finally {
    options.signal.removeEventListener('abort', cancel);
    // A connection left inside a COPY or a transaction is not given back to the pool.
    client.release(clean ? undefined : true);
  }
}
