import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface TestDatabase {
  name: string;
  /** Connection string for the new database. */
  url: string;
  /** Drops the database (terminating any connection still open to it). */
  drop(): Promise<void>;
}

/** The server the tests use: PG* variables, else 127.0.0.1:5432 as postgres (trust auth). */
export function adminConnectionString(database = 'postgres'): string {
  const host = process.env.PGHOST ?? '127.0.0.1';
  const port = process.env.PGPORT ?? '5432';
  const user = process.env.PGUSER ?? 'postgres';
  const password = process.env.PGPASSWORD ? `:${encodeURIComponent(process.env.PGPASSWORD)}` : '';
  return `postgres://${encodeURIComponent(user)}${password}@${host}:${port}/${database}`;
}

/** Creates an empty database with a unique name; the caller drops it when done. */
export async function createTestDatabase(prefix = 'fraiseql_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`.toLowerCase();
  const admin = new Client({ connectionString: adminConnectionString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: adminConnectionString(name),
    drop: async () => {
      const client = new Client({ connectionString: adminConnectionString() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
