/** ClickHouse settings for one request, e.g. `{ insert_deduplication_token: 'batch-…' }`. */
export type ClickhouseSettings = Record<string, string | number | boolean>;

/** Values for `{name:Type}` placeholders, bound by the server (never spliced into the SQL text). */
export type ClickhouseParams = Record<string, unknown>;

/** One INSERT of pre-encoded rows. */
export interface ClickhouseInsert {
  /** `table` or `database.table`; unqualified names are in the executor's database. */
  table: string;
  /** A ClickHouse input format: `JSONEachRow`, `RowBinary`, `ArrowStream`, … */
  format: string;
  /** The rows, encoded in `format`. */
  body: Uint8Array | string;
  /** Columns the rows hold, in order (omitted: the format's own rules, e.g. JSON keys or Arrow field names). */
  columns?: readonly string[];
  /** e.g. `insert_deduplication_token`: the same batch sent again with the same token is dropped whole. */
  settings?: ClickhouseSettings;
}

export interface ClickhouseInsertResult {
  /**
   * Rows of the body that reached the target table, as the engine reports them (HTTP: `written_rows` of
   * X-ClickHouse-Summary, which also counts the rows materialized views wrote; embedded: rows read from the body).
   */
  writtenRows: number;
}

export interface ClickhouseRequestOptions {
  settings?: ClickhouseSettings;
  params?: ClickhouseParams;
}

/**
 * What the sink and flight-server need from ClickHouse, over a server (HttpClickhouse) or the embedded engine
 * (EmbeddedClickhouse). Errors are passed through as the transport raised them: tell them apart with
 * classifyClickhouseError.
 */
export interface ClickhouseExecutor {
  readonly kind: 'http' | 'embedded';
  /** Where unqualified table names resolve. */
  readonly database: string;
  /** `CREATE DATABASE IF NOT EXISTS` (the executor's database by default), even before it exists. */
  createDatabase(name?: string): Promise<void>;
  /** A statement without a result (DDL, ALTER, OPTIMIZE, …). */
  command(sql: string, options?: ClickhouseRequestOptions): Promise<void>;
  insert(insert: ClickhouseInsert): Promise<ClickhouseInsertResult>;
  /**
   * The whole result in `format` (default JSONEachRow). `sql` has no FORMAT clause. ArrowStream is one Arrow IPC
   * stream, uncompressed unless `output_format_arrow_compression_method` says otherwise.
   */
  query(sql: string, params?: ClickhouseParams, format?: string, options?: ClickhouseRequestOptions): Promise<Uint8Array>;
  /** The same bytes in chunks as they arrive (the HTTP response as it streams; the embedded engine in one chunk). */
  queryStream(sql: string, params?: ClickhouseParams, format?: string, options?: ClickhouseRequestOptions): AsyncIterable<Uint8Array>;
  /** Resolves when ClickHouse answers; rejects with the transport's error otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
