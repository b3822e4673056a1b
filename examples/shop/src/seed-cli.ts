#!/usr/bin/env node
// Seeds the demo shop: npx tsx examples/shop/src/seed-cli.ts --scale 100k [--orgs 3] [--reset] [--database-url URL]
import { Command } from 'commander';
import { seedShop } from './seed';
import { DEFAULT_DATABASE_URL } from './seed-cli-defaults';
import { parseScale } from './seed-plan';

const program = new Command()
  .name('shop-seed')
  .description('Generate deterministic demo data inside PostgreSQL (run the migrations first).')
  .option('--scale <orders>', 'number of orders: 1k, 10k, 100k, 1m (or any count in 1k..1m)', '10k')
  .option('--orgs <n>', 'number of organisations', '3')
  .option('--database-url <url>', 'PostgreSQL connection string', DEFAULT_DATABASE_URL)
  .option('--reset', 'empty the shop tables first and seed again')
  .option('--if-empty', 'seed only when the shop tables are empty (the default without --reset; accepted for scripts that say so)');

async function main(): Promise<void> {
  const opts = program.parse().opts<{ scale: string; orgs: string; databaseUrl: string; reset?: boolean }>();
  const orgs = Number(opts.orgs);
  const result = await seedShop({
    connectionString: opts.databaseUrl,
    orders: parseScale(opts.scale),
    orgs,
    reset: !!opts.reset,
    logger: {
      info: (details, message) => console.log(`seed: ${message}`, details.step ? `${String(details.step)} ${String(details.ms)} ms` : ''),
    },
  });
  if (result.skipped) {
    console.log(`seed: shop data already present (${result.counts.tb_order} orders); use --reset to regenerate`);
    return;
  }
  const counts = Object.entries(result.counts)
    .map(([table, n]) => `${table}=${n}`)
    .join(' ');
  console.log(`seed: done in ${result.timings.total} ms: ${counts}`);
}

main().catch((error: unknown) => {
  console.error(`seed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
