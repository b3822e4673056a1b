import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import type {
  ClickhouseExecutor,
  ClickhouseInsert,
  ClickhouseInsertResult,
  ClickhouseParams,
  ClickhouseRequestOptions,
  ClickhouseSettings,
} from './clickhouse-executor';
import { columnNames, databaseName, formatName, tableName } from './identifiers';
import { DEFAULT_CLICKHOUSE_DATABASE, insertSettings, outputSettings } from './request-settings';

export interface HttpClickhouseOptions {
  /** `http(s)://host:8123` */
  url: string;
  user?: string;
  password?: string;
  /** Default `fraiseql`. */
  database?: string;
  /** Per request, including reading the response (default 30 s). */
  requestTimeoutMs?: number;
  /** Sockets kept to the server (default 10). */
  maxOpenConnections?: number;
  /** Sent with every request. */
  settings?: ClickhouseSettings;
}

/** A ClickHouse server over its HTTP interface (@clickhouse/client): the production setup. */
export class HttpClickhouse implements ClickhouseExecutor {
  readonly kind = 'http' as const;
  readonly database: string;
  private readonly client: ClickHouseClient;

  constructor(private readonly options: HttpClickhouseOptions) {
    this.database = databaseName(options.database ?? DEFAULT_CLICKHOUSE_DATABASE);
    this.client = this.createClient(this.database);
  }

  /** Through a client of its own without a database: the server refuses any request naming one that does not exist yet. */
  async createDatabase(name: string = this.database): Promise<void> {
    const admin = this.createClient(undefined);
    try {
      await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${databaseName(name)}` });
    } finally {
      await admin.close();
    }
  }

  async command(sql: string, options: ClickhouseRequestOptions = {}): Promise<void> {
    await this.client.command({
      query: sql,
      ...(options.settings ? { clickhouse_settings: options.settings } : {}),
      ...(options.params ? { query_params: options.params } : {}),
    });
  }

  async insert(insert: ClickhouseInsert): Promise<ClickhouseInsertResult> {
    const body =
      typeof insert.body === 'string'
        ? Buffer.from(insert.body)
        : Buffer.from(insert.body.buffer, insert.body.byteOffset, insert.body.byteLength);
    // exec, not client.insert: the body is already encoded, in any format (client.insert knows text formats only).
    const result = await this.client.exec({
      query: `INSERT INTO ${tableName(insert.table)}${columnNames(insert.columns)} FORMAT ${formatName(insert.format)}`,
      values: Readable.from([body], { objectMode: false }),
      clickhouse_settings: insertSettings(insert.settings),
    });
    await drain(result.stream);
    return { writtenRows: Number(result.summary?.written_rows ?? 0) };
  }

  async query(sql: string, params?: ClickhouseParams, format = 'JSONEachRow', options: ClickhouseRequestOptions = {}): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.queryStream(sql, params, format, options)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async *queryStream(
    sql: string,
    params?: ClickhouseParams,
    format = 'JSONEachRow',
    options: ClickhouseRequestOptions = {},
  ): AsyncIterable<Uint8Array> {
    const result = await this.client.exec({
      query: sql,
      ...(params && Object.keys(params).length > 0 ? { query_params: params } : {}),
      // default_format rather than a FORMAT clause appended to someone else's SQL.
      clickhouse_settings: { ...outputSettings(format, options.settings), default_format: formatName(format) } as ClickHouseSettings,
    });
    const stream = result.stream;
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } finally {
      // A reader that stops early frees the socket instead of leaving the response half read.
      if (!stream.readableEnded) stream.destroy();
    }
  }

  async ping(): Promise<void> {
    const result = await this.client.ping();
    if (!result.success) throw result.error;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private createClient(database: string | undefined): ClickHouseClient {
    return createClient({
      url: this.options.url,
      ...(this.options.user !== undefined ? { username: this.options.user } : {}),
      ...(this.options.password !== undefined ? { password: this.options.password } : {}),
      ...(database !== undefined ? { database } : {}),
      request_timeout: this.options.requestTimeoutMs ?? 30_000,
      max_open_connections: this.options.maxOpenConnections ?? 10,
      compression: { request: false, response: false },
      // Every failure reaches the caller, who logs it with its context; the client's console logger would log it twice.
      log: { level: ClickHouseLogLevel.OFF },
      ...(this.options.settings ? { clickhouse_settings: this.options.settings } : {}),
    });
  }
}

async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream) {
    // an INSERT answers with an empty body; reading it to the end hands the socket back to the pool
  }
}
