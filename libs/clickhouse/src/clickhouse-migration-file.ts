import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FraiseqlError } from '@fraiseql/errors';

/** One `NNNN_name.sql` file of a ClickHouse migrations directory. */
export interface ClickhouseMigrationFile {
  /** The digits before the first underscore, as written (`0001`). */
  version: string;
  name: string;
  /** `NNNN_name`: the identity recorded in the ledger. */
  id: string;
  path: string;
  /** sha256 (hex) of the text before placeholders are substituted, CRLF folded to LF. */
  checksum: string;
  sql: string;
}

const FILE_NAME = /^(\d+)_([A-Za-z0-9_.-]+)\.sql$/;

/** Values the runner writes in place of `{name}` (ClickHouse's own `{name:Type}` parameters have a colon). */
export type MigrationPlaceholders = Record<string, string | number>;

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/** The files of `directory` by numeric version; a misnamed `.sql` file or a repeated version is refused. */
export function readClickhouseMigrations(directory: string): ClickhouseMigrationFile[] {
  const dir = resolve(directory);
  let entries: string[];
  try {
    entries = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  } catch (cause) {
    throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `ClickHouse migrations directory ${dir} cannot be read`, { cause });
  }
  const files = entries.map((entry): ClickhouseMigrationFile => {
    const match = FILE_NAME.exec(entry);
    if (!match) throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `ClickHouse migration ${join(dir, entry)} is not named NNNN_name.sql`);
    const [, version, name] = match as unknown as [string, string, string];
    const path = join(dir, entry);
    const sql = readFileSync(path, 'utf8');
    return { version, name, id: `${version}_${name}`, path, checksum: checksumOf(sql), sql };
  });
  files.sort((a, b) => Number(a.version) - Number(b.version) || a.name.localeCompare(b.name));
  for (let i = 1; i < files.length; i++) {
    if (Number(files[i]!.version) === Number(files[i - 1]!.version)) {
      throw new FraiseqlError(
        'FRAISEQL_CONFIG_INVALID',
        `ClickHouse migrations ${files[i - 1]!.path} and ${files[i]!.path} share a version`,
      );
    }
  }
  return files;
}

/** `{name}` → its value; a `{word}` placeholder the runner does not know is refused (a typo would reach the server). */
export function substitutePlaceholders(file: ClickhouseMigrationFile, values: MigrationPlaceholders): string {
  return file.sql.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new FraiseqlError(
        'FRAISEQL_CONFIG_INVALID',
        `ClickHouse migration ${file.path} uses {${name}}; the runner substitutes ${Object.keys(values)
          .map((k) => `{${k}}`)
          .join(', ')}`,
      );
    }
    return String(value);
  });
}

/** A statement of a file, with the line it starts on (ClickHouse takes one statement per request). */
export interface MigrationStatement {
  sql: string;
  line: number;
}

/**
 * Splits on `;` outside string literals, quoted identifiers and comments. Statements holding nothing but
 * comments are dropped.
 */
export function splitStatements(sql: string): MigrationStatement[] {
  const statements: MigrationStatement[] = [];
  let start = 0;
  let line = 1;
  let startLine = 1;
  let meaningful = false;
  const push = (end: number): void => {
    const text = sql.slice(start, end).trim();
    if (meaningful && text !== '') statements.push({ sql: text, line: startLine });
    meaningful = false;
  };
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === '\n') line++;
    if (!meaningful && /\s/.test(c)) {
      // leading blank space: the statement starts at its first token
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end - 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? sql.length : end + 2;
      line += countNewlines(sql, i, stop);
      i = stop - 1;
    } else if (c === "'" || c === '"' || c === '`') {
      if (!meaningful) startLine = line;
      meaningful = true;
      let j = i + 1;
      for (; j < sql.length && sql[j] !== c; j++) if (sql[j] === '\\') j++;
      line += countNewlines(sql, i, j);
      i = j;
    } else if (c === ';') {
      push(i);
      start = i + 1;
    } else if (!meaningful) {
      startLine = line;
      meaningful = true;
    }
  }
  push(sql.length);
  return statements;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to && i < text.length; i++) if (text[i] === '\n') n++;
  return n;
}
