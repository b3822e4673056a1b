import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { FraiseqlError } from '@fraiseql/errors';
import {
  CANONICAL_CONFIG,
  claimConfig,
  createLedger,
  createSchema,
  LIST_CONFIGS,
  LOCK_SCHEMA,
  recordApplied,
  selectApplied,
  selectConfig,
  updateConfig,
} from './search-ledger-sql';
import { bindSchema, loadStatement, quoteIdentifier, readSearchMigrations, type SearchMigration } from './search-sql';
import { isTransientSqlState, toSearchStoreError } from './search-store-error';

export interface PrepareSearchSchemaOptions {
  schema: string;
  textSearchConfig: string;
  reindexOnConfigChange: boolean;
  /** Default: libs/search/migrations. */
  migrations?: SearchMigration[];
}

export interface PrepareSearchSchemaResult {
  /** `NNNN_name` of each migration applied now. */
  applied: string[];
  /** The configuration's canonical name, as recorded. */
  textSearchConfig: string;
  /** True when the tsvectors were rebuilt for a changed configuration. */
  reindexed: boolean;
}

/**
 * Creates or updates the store's schema: the migration files not yet in the schema's own ledger, each recorded
 * with its sha256, all in one transaction under an advisory lock (replicas starting together take turns; the
 * second finds the work done). Then checks the text search configuration against the one the index was built
 * with. Why not libs/pg-migrations: its ledger is the application's (fraiseql.schema_migrations) and its files
 * cannot name a configurable schema.
 */
export async function prepareSearchSchema(pool: Pool, options: PrepareSearchSchemaOptions): Promise<PrepareSearchSchemaResult> {
  const migrations = options.migrations ?? readSearchMigrations();
  const schema = quoteIdentifier(options.schema);
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw toSearchStoreError(error);
  }
  let broken: Error | undefined;
  try {
    const config = await canonicalConfig(client, options.textSearchConfig);
    await client.query('BEGIN');
    try {
      await client.query(LOCK_SCHEMA, [options.schema]);
      await client.query(createSchema(schema));
      await client.query(createLedger(schema));
      const applied = await applyPending(client, options.schema, migrations);
      const reindexed = await checkConfig(client, options, config);
      await client.query('COMMIT');
      return { applied, textSearchConfig: config, reindexed };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } catch (error) {
    const mapped = toSearchStoreError(error);
    if (mapped.code === 'FRAISEQL_DB_UNAVAILABLE') broken = mapped;
    throw mapped;
  } finally {
    client.release(broken);
  }
}

async function canonicalConfig(client: PoolClient, name: string): Promise<string> {
  try {
    const { rows } = await client.query<{ name: string }>(CANONICAL_CONFIG, [name]);
    return rows[0]!.name;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || isTransientSqlState(code)) throw error;
    const { rows } = await client.query<{ names: string | null }>(LIST_CONFIGS);
    throw new FraiseqlError(
      'FRAISEQL_CONFIG_INVALID',
      `PostgresSearchStore option textSearchConfig: PostgreSQL has no text search configuration ${JSON.stringify(name)} ` +
        `(it has: ${rows[0]?.names ?? 'none'})`,
      { cause: error, details: { option: 'textSearchConfig' } },
    );
  }
}

async function applyPending(client: PoolClient, schemaName: string, migrations: SearchMigration[]): Promise<string[]> {
  const schema = quoteIdentifier(schemaName);
  const { rows } = await client.query<{ id: string; checksum: string }>(selectApplied(schema));
  const recorded = new Map(rows.map((row) => [row.id, row.checksum]));
  const applied: string[] = [];
  for (const migration of migrations) {
    const checksum = createHash('sha256').update(migration.sql.replace(/\r\n/g, '\n')).digest('hex');
    const previous = recorded.get(migration.id);
    if (previous !== undefined) {
      if (previous !== checksum) {
        throw new FraiseqlError(
          'FRAISEQL_MIGRATION_CHECKSUM_MISMATCH',
          `libs/search migration ${migration.id} was edited after it was applied to schema ${schemaName}. ` +
            'Released migrations are never edited: restore the file and add a new migration.',
          { details: { migrations: [migration.id] } },
        );
      }
      continue;
    }
    try {
      // Simple query protocol (no parameters): a file may hold many statements.
      await client.query(bindSchema(migration.sql, schemaName));
    } catch (cause) {
      const pg = cause as { message?: string; code?: string };
      if (pg.code !== undefined && isTransientSqlState(pg.code)) throw cause;
      throw new FraiseqlError(
        'FRAISEQL_MIGRATION_FAILED',
        `libs/search migration ${migration.id} failed and was rolled back: ${pg.message}`,
        {
          cause,
          details: { migration: migration.id, ...(pg.code ? { sqlState: pg.code } : {}) },
        },
      );
    }
    await client.query(recordApplied(schema), [migration.id, checksum]);
    applied.push(migration.id);
  }
  return applied;
}

/** The tsvectors are only as good as the configuration they were built with: a change rebuilds them or is refused. */
async function checkConfig(client: PoolClient, options: PrepareSearchSchemaOptions, config: string): Promise<boolean> {
  const schema = quoteIdentifier(options.schema);
  await client.query(claimConfig(schema), [config]);
  const { rows } = await client.query<{ value: string }>(selectConfig(schema));
  const built = rows[0]!.value;
  if (built === config) return false;
  if (!options.reindexOnConfigChange) {
    throw new FraiseqlError(
      'FRAISEQL_CONFIG_INVALID',
      `PostgresSearchStore option textSearchConfig: schema ${options.schema} was indexed with ${JSON.stringify(built)}, ` +
        `not ${JSON.stringify(config)}. Set reindexOnConfigChange to rebuild the index (one transaction over every row), ` +
        'or use another schema.',
      { details: { option: 'textSearchConfig', indexedWith: built } },
    );
  }
  await client.query(loadStatement('reindex-tsvectors', options.schema), [config]);
  await client.query(updateConfig(schema), [config]);
  return true;
}
