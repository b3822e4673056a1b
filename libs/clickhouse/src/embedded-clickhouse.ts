import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FraiseqlError } from '@fraiseql/errors';
import type {
  ClickhouseExecutor,
  ClickhouseInsert,
  ClickhouseInsertResult,
  ClickhouseParams,
  ClickhouseRequestOptions,
  ClickhouseSettings,
} from './clickhouse-executor';
import { columnNames, databaseName, formatName, settingLiteral, settingName, stringLiteral, tableName } from './identifiers';
import { loadChdbModule, type ChdbResult, type ChdbSession } from './load-chdb';
import { DEFAULT_CLICKHOUSE_DATABASE, insertSettings, outputSettings } from './request-settings';

export interface EmbeddedClickhouseOptions {
  /** The data directory (created when missing). chdb holds one per process: a second one is refused while this is open. */
  path: string;
  /** Default `fraiseql`; created at open. */
  database?: string;
  /** A folder holding node_modules/chdb; default `<repo root>/.tools/chdb` (scripts/ensure-chdb.sh). */
  chdbDir?: string;
}

/** Text formats chdb inserts zero-copy from memory; the others go through a temporary file (`FROM INFILE`). */
const RAW_TEXT_FORMATS = new Set([
  'JSONEachRow',
  'JSONCompactEachRow',
  'CSV',
  'CSVWithNames',
  'TSV',
  'TabSeparated',
  'TSVWithNames',
  'TabSeparatedWithNames',
]);

/**
 * ClickHouse embedded in-process (chdb: the current engine as a library), for `npm start` and single-node
 * setups without a ClickHouse server. Operations run one at a time: the engine's session state (current
 * database, settings) is shared, so each operation selects its database and applies and resets its settings.
 */
export class EmbeddedClickhouse implements ClickhouseExecutor {
  readonly kind = 'embedded' as const;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private inserts = 0;

  private constructor(
    private readonly session: ChdbSession,
    readonly database: string,
    readonly path: string,
    private readonly scratch: string,
  ) {}

  static async open(options: EmbeddedClickhouseOptions): Promise<EmbeddedClickhouse> {
    const database = databaseName(options.database ?? DEFAULT_CLICKHOUSE_DATABASE);
    const chdb = loadChdbModule(options.chdbDir);
    const path = resolve(options.path);
    let session: ChdbSession;
    try {
      mkdirSync(path, { recursive: true });
      session = new chdb.Session(path);
    } catch (cause) {
      throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `cannot open the embedded ClickHouse in ${path}: ${messageOf(cause)}`, { cause });
    }
    const executor = new EmbeddedClickhouse(session, database, path, mkdtempSync(join(tmpdir(), 'fraiseql-chdb-insert-')));
    try {
      await executor.createDatabase();
    } catch (error) {
      await executor.close();
      throw error;
    }
    return executor;
  }

  createDatabase(name: string = this.database): Promise<void> {
    const database = databaseName(name);
    return this.exclusive(async () => {
      await this.session.queryAsync(`CREATE DATABASE IF NOT EXISTS ${database}`);
    });
  }

  command(sql: string, options: ClickhouseRequestOptions = {}): Promise<void> {
    return this.exclusive(async () => {
      await this.run(sql, options.params, 'TabSeparated', options.settings);
    });
  }

  query(sql: string, params?: ClickhouseParams, format = 'JSONEachRow', options: ClickhouseRequestOptions = {}): Promise<Uint8Array> {
    formatName(format);
    return this.exclusive(async () => (await this.run(sql, params, format, outputSettings(format, options.settings))).bytes());
  }

  /** One chunk: the engine's streaming reads restart the Arrow stream at each chunk, so the result is read whole. */
  async *queryStream(
    sql: string,
    params?: ClickhouseParams,
    format = 'JSONEachRow',
    options: ClickhouseRequestOptions = {},
  ): AsyncIterable<Uint8Array> {
    yield await this.query(sql, params, format, options);
  }

  insert(insert: ClickhouseInsert): Promise<ClickhouseInsertResult> {
    const table = tableName(insert.table).includes('.') ? insert.table : `${this.database}.${insert.table}`;
    const format = formatName(insert.format);
    const columns = columnNames(insert.columns);
    const settings = insertSettings(insert.settings);
    return this.exclusive(async () => {
      if (RAW_TEXT_FORMATS.has(format)) {
        const summary = await this.session.insert({
          table,
          values: insert.body,
          format,
          ...(insert.columns ? { columns: insert.columns } : {}),
          settings,
        });
        return { writtenRows: summary.rowsWritten };
      }
      // Binary formats: the engine reads the body from a file exactly as a server reads a request body.
      const file = join(this.scratch, `insert-${++this.inserts}`);
      writeFileSync(file, insert.body);
      try {
        const result = await this.session.queryAsync(
          `INSERT INTO ${table}${columns} FROM INFILE ${stringLiteral(file)}${settingsClause(settings)} FORMAT ${format}`,
        );
        return { writtenRows: result.rowsRead };
      } finally {
        rmSync(file, { force: true });
      }
    });
  }

  ping(): Promise<void> {
    return this.exclusive(async () => {
      await this.session.queryAsync('SELECT 1');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    this.session.close();
    rmSync(this.scratch, { recursive: true, force: true });
  }

  /** In this executor's database, with `settings` set for this statement only. */
  private async run(
    sql: string,
    params: ClickhouseParams | undefined,
    format: string,
    settings: ClickhouseSettings | undefined,
  ): Promise<ChdbResult> {
    await this.session.queryAsync(`USE ${this.database}`);
    const names = Object.keys(settings ?? {}).map(settingName);
    for (const name of names) await this.session.queryAsync(`SET ${name} = ${settingLiteral(settings![name]!)}`);
    try {
      return params !== undefined && Object.keys(params).length > 0
        ? await this.session.queryBindAsync(sql, params, { format })
        : await this.session.queryAsync(sql, { format });
    } finally {
      for (const name of names) await this.session.queryAsync(`SET ${name} = DEFAULT`).catch(() => undefined);
    }
  }

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new FraiseqlError('FRAISEQL_INTERNAL', `the embedded ClickHouse in ${this.path} is closed`));
    const run = this.tail.then(operation, operation);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function settingsClause(settings: ClickhouseSettings): string {
  const entries = Object.entries(settings);
  if (entries.length === 0) return '';
  return ` SETTINGS ${entries.map(([name, value]) => `${settingName(name)} = ${settingLiteral(value)}`).join(', ')}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
