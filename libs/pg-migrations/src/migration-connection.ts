import { Client, type Pool, type PoolClient } from 'pg';
import { FraiseqlError } from '@fraiseql/errors';

/** Where to migrate: a connection string (the runner opens and closes its own client) or a pool. */
export interface MigrationTarget {
  connectionString?: string;
  pool?: Pool;
}

export interface MigrationConnection {
  client: Client | PoolClient;
  /** Closes the client (or hands it back to the pool; destroyed if it broke). */
  close(broken?: unknown): Promise<void>;
}

/** One dedicated session for the whole run: the advisory lock is held by a session. */
export async function openMigrationConnection(target: MigrationTarget): Promise<MigrationConnection> {
  try {
    if (target.pool) {
      const client = await target.pool.connect();
      return { client, close: async (broken) => client.release(broken instanceof Error ? broken : undefined) };
    }
    if (!target.connectionString) {
      throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', 'migrations need a connectionString or a pool');
    }
    const client = new Client({ connectionString: target.connectionString });
    await client.connect();
    return { client, close: async () => client.end() };
  } catch (cause) {
    if (cause instanceof FraiseqlError) throw cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new FraiseqlError('FRAISEQL_DB_UNAVAILABLE', `cannot connect to PostgreSQL to migrate: ${reason}`, { cause });
  }
}
