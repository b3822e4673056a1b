import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type Pool, type PoolClient } from 'pg';
import { seedPlan, type SeedPlan } from './seed-plan';

export interface SeedLogger {
  info(details: Record<string, unknown>, message: string): void;
}

export interface SeedOptions {
  connectionString?: string;
  pool?: Pool;
  /** Number of orders (see parseScale). */
  orders: number;
  /** Number of organisations (default 3). */
  orgs?: number;
  /** Empty the shop tables first. Without it, a database that already has shop data is left as is. */
  reset?: boolean;
  logger?: SeedLogger;
}

export interface SeedResult {
  plan: SeedPlan;
  /** True when data was already there and reset was not asked for: nothing written. */
  skipped: boolean;
  /** Rows per table (and tv_* projection) after the run. */
  counts: Record<string, number>;
  /** Milliseconds per step, and `total`. */
  timings: Record<string, number>;
}

const SHOP_TABLES = ['tb_organization', 'tb_user', 'tb_category', 'tb_product', 'tb_order', 'tb_order_item', 'tb_review'] as const;
/** Table-backed projections (tv_*, migration 0004): emptied with the tables, filled by seed.sql's last steps. */
const PROJECTION_TABLES = ['tv_order'] as const;
/** Flight snapshots of the tables (migration 0007): emptied with them, filled again by the Flight action `refresh`. */
const SNAPSHOT_TABLES = ['ta_order_fact'] as const;

// Next to this file in src/; from dist/ the same path resolves through ../src.
const SEED_SQL_PATH = join(__dirname, '..', 'src', 'seed.sql');

/** The steps of seed.sql, split on its `-- step: <name>` markers. */
function seedSteps(): Array<{ name: string; sql: string }> {
  const text = readFileSync(SEED_SQL_PATH, 'utf8');
  return text
    .split(/^-- step: /m)
    .slice(1)
    .map((chunk) => {
      const newline = chunk.indexOf('\n');
      return { name: chunk.slice(0, newline).trim(), sql: chunk.slice(newline + 1) };
    });
}

/**
 * Fills the shop tables with deterministic demo data, generated inside PostgreSQL in one
 * transaction: a failed seed leaves the database as it was.
 */
export async function seedShop(options: SeedOptions): Promise<SeedResult> {
  const plan = seedPlan(options.orders, options.orgs ?? 3);
  const steps = seedSteps();
  const started = Date.now();
  const { client, close } = await connect(options);
  const timings: Record<string, number> = {};
  try {
    const existing = await client.query<{ n: string }>('SELECT count(*) AS n FROM tb_organization');
    if (Number(existing.rows[0]!.n) > 0 && !options.reset) {
      options.logger?.info({}, 'shop data already present; pass reset to regenerate');
      return { plan, skipped: true, counts: await countRows(client), timings };
    }
    await client.query('BEGIN');
    try {
      // The generated statements have no useful row estimates; JIT compiling them costs more than it saves.
      await client.query('SET LOCAL jit = off');
      // The tv_* triggers would recompute every order once per statement that touches it (orders,
      // then items); seed.sql fills the projections once, set-based, after the tables.
      await client.query("SET LOCAL fraiseql.defer_projections = 'on'");
      // Change capture (migration 0005, docs/adr/0080): a bulk load is not a stream of changes;
      // with capture off the capture triggers do not run and the change log stays as it was.
      await client.query("SET LOCAL fraiseql.capture = 'off'");
      if (options.reset) await client.query(`TRUNCATE ${[...SHOP_TABLES, ...PROJECTION_TABLES, ...SNAPSHOT_TABLES].join(', ')}`);
      await client.query(
        'CREATE TEMP TABLE seed_plan (orgs int, users_per_org int, categories_per_org int, products_per_org int, orders int, reviews int) ON COMMIT DROP',
      );
      await client.query('INSERT INTO seed_plan VALUES ($1, $2, $3, $4, $5, $6)', [
        plan.orgs,
        plan.usersPerOrg,
        plan.categoriesPerOrg,
        plan.productsPerOrg,
        plan.orders,
        plan.reviews,
      ]);
      for (const step of steps) {
        const stepStarted = Date.now();
        await client.query(step.sql);
        timings[step.name] = Date.now() - stepStarted;
        options.logger?.info({ step: step.name, ms: timings[step.name] }, 'seed step done');
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    timings.total = Date.now() - started;
    return { plan, skipped: false, counts: await countRows(client), timings };
  } finally {
    await close();
  }
}

async function countRows(client: Client | PoolClient): Promise<Record<string, number>> {
  const sql = [...SHOP_TABLES, ...PROJECTION_TABLES].map((t) => `SELECT '${t}' AS name, count(*) AS n FROM ${t}`).join(' UNION ALL ');
  const result = await client.query<{ name: string; n: string }>(sql);
  return Object.fromEntries(result.rows.map((r) => [r.name, Number(r.n)]));
}

async function connect(options: SeedOptions): Promise<{ client: Client | PoolClient; close: () => Promise<void> }> {
  if (options.pool) {
    const client = await options.pool.connect();
    return { client, close: async () => client.release() };
  }
  if (!options.connectionString) throw new Error('seedShop needs a connectionString or a pool');
  const client = new Client({ connectionString: options.connectionString });
  await client.connect();
  return { client, close: async () => client.end() };
}
