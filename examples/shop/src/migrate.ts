import { join } from 'node:path';
import { Client } from 'pg';
import {
  applyMigrations,
  FRAMEWORK_MIGRATIONS_DIR,
  migrationStatus,
  type ApplyMigrationsResult,
  type MigrationLogger,
  type MigrationStatusEntry,
} from '@fraiseql/pg-migrations';

/** examples/shop/migrations (same path from src/ and dist/). */
export const SHOP_MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

/** Framework migrations first (schema fraiseql), then the shop's. */
export const SHOP_MIGRATION_DIRECTORIES = [FRAMEWORK_MIGRATIONS_DIR, SHOP_MIGRATIONS_DIR];

export interface MigrateShopOptions {
  connectionString: string;
  /** Create the database named in connectionString when it does not exist yet (fresh machine). */
  createDatabase?: boolean;
  dryRun?: boolean;
  logger?: MigrationLogger;
}

export async function migrateShop(options: MigrateShopOptions): Promise<ApplyMigrationsResult> {
  if (options.createDatabase) await createDatabaseIfMissing(options.connectionString);
  return applyMigrations({
    connectionString: options.connectionString,
    directories: SHOP_MIGRATION_DIRECTORIES,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
  });
}

export function shopMigrationStatus(connectionString: string): Promise<MigrationStatusEntry[]> {
  return migrationStatus({ connectionString, directories: SHOP_MIGRATION_DIRECTORIES });
}

async function createDatabaseIfMissing(connectionString: string): Promise<void> {
  const url = new URL(connectionString);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) return;
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return;
    // CREATE DATABASE takes no parameters; the name is quoted as an identifier.
    await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
      if (error.code !== '42P04') throw error; // created meanwhile by a concurrent starter
    });
  } finally {
    await admin.end();
  }
}
