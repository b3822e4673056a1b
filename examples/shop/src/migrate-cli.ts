#!/usr/bin/env node
// Applies the framework and shop migrations: npx tsx examples/shop/src/migrate-cli.ts [--database-url URL] [--dry-run | --status]
import { Command } from 'commander';
import { DEFAULT_DATABASE_URL } from './seed-cli-defaults';
import { migrateShop, shopMigrationStatus } from './migrate';

const program = new Command()
  .name('shop-migrate')
  .description('Apply migrations/postgres (framework) then examples/shop/migrations, each file once, in order.')
  .option('--database-url <url>', 'PostgreSQL connection string', DEFAULT_DATABASE_URL)
  .option('--dry-run', 'list what would be applied, change nothing')
  .option('--status', 'list every migration with its state (applied, pending, changed, missing)')
  .option('--no-create-database', 'fail instead of creating the database when it does not exist');

async function main(): Promise<void> {
  const opts = program.parse().opts<{ databaseUrl: string; dryRun?: boolean; status?: boolean; createDatabase: boolean }>();
  const logger = {
    info: (details: Record<string, unknown>, message: string) => console.log(`migrate: ${message}`, details.migration ?? ''),
    warn: (details: Record<string, unknown>, message: string) => console.warn(`migrate: ${message}`, details),
  };
  if (opts.status) {
    for (const entry of await shopMigrationStatus(opts.databaseUrl)) {
      console.log(`${entry.state.padEnd(8)} ${entry.id}${entry.appliedAt ? `  ${entry.appliedAt.toISOString()}` : ''}`);
    }
    return;
  }
  const result = await migrateShop({
    connectionString: opts.databaseUrl,
    createDatabase: opts.createDatabase,
    dryRun: !!opts.dryRun,
    logger,
  });
  if (opts.dryRun) for (const id of result.applied) console.log(`would apply ${id}`);
  console.log(`migrate: ${opts.dryRun ? 'would apply' : 'applied'} ${result.applied.length}, already applied ${result.skipped.length}`);
}

main().catch((error: unknown) => {
  console.error(`migrate: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
