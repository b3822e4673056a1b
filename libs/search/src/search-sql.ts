import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** libs/search/migrations and libs/search/sql: the same depth from src/ and dist/, both shipped in the package. */
export const SEARCH_MIGRATIONS_DIR = resolve(__dirname, '../migrations');
const SQL_DIR = resolve(__dirname, '../sql');

const SCHEMA_PLACEHOLDER = /\{\{schema\}\}/g;

/** The statements the store runs, read once and bound to its schema (a validated identifier, quoted). */
export interface SearchStatements {
  indexEvents: string;
  searchEvents: string;
  searchEntities: string;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function bindSchema(sql: string, schema: string): string {
  return sql.replace(SCHEMA_PLACEHOLDER, quoteIdentifier(schema));
}

/** One file of libs/search/sql, bound to the schema. */
export function loadStatement(name: string, schema: string): string {
  return bindSchema(readFileSync(join(SQL_DIR, `${name}.sql`), 'utf8'), schema);
}

export function loadSearchStatements(schema: string): SearchStatements {
  return {
    indexEvents: loadStatement('index-events', schema),
    searchEvents: loadStatement('search-events', schema),
    searchEntities: loadStatement('search-entities', schema),
  };
}

/** One `NNNN_name.sql` file of libs/search/migrations, as written (`{{schema}}` not substituted). */
export interface SearchMigration {
  version: number;
  /** `NNNN_name`, recorded in the schema's ledger. */
  id: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function readSearchMigrations(directory = SEARCH_MIGRATIONS_DIR): SearchMigration[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = MIGRATION_FILE.exec(file);
      if (!match) throw new Error(`libs/search migration ${file} is not named NNNN_name.sql`);
      return { version: Number(match[1]), id: file.slice(0, -4), sql: readFileSync(join(directory, file), 'utf8') };
    })
    .sort((a, b) => a.version - b.version);
}
