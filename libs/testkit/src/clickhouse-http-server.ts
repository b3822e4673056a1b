import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import { loadChdb } from './chdb';

export interface ClickhouseHttpServerOptions {
  /** The chdb data directory; default a temporary one, removed by close(). chdb holds one per process. */
  path?: string;
  /** Default: a free port on 127.0.0.1. */
  port?: number;
}

/**
 * A ClickHouse server as @clickhouse/client sees it: ClickHouse's HTTP interface in front of the current
 * engine (chdb). No current ClickHouse server can run on this machine (Debian's is 18.16, from 2018), and the
 * engine behind this one is the real thing: every statement, insert format, deduplication token and
 * materialized view is ClickHouse's own; only the HTTP framing is this file's.
 */
export interface TestClickhouseHttpServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The chdb data directory. */
  readonly path: string;
  /** Requests answered so far (including errors). */
  readonly requests: number;
  /** An outage: stops listening and drops every open connection; clients get connection refused or reset. */
  stop(): Promise<void>;
  /** Listens again on the same port, with the same data. */
  start(): Promise<void>;
  /** stop(), then closes the engine (and removes the temporary data directory). */
  close(): Promise<void>;
}

/** The part of chdb's Session the server uses (loadChdb's module exposes it beside query/queryBind). */
interface ChdbSession {
  queryAsync(
    sql: string,
    options?: { format?: string },
  ): Promise<{ rowsRead: number; bytesRead: number; elapsed: number; bytes(): Uint8Array }>;
  close(): void;
}
type ChdbWithSession = { Session: new (path: string) => ChdbSession };

/** URL parameters that are part of the HTTP protocol rather than settings the engine should take. */
const NOT_SETTINGS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'user',
  'password',
  'quota_key',
  'role',
  'compress',
  'decompress',
  'buffer_size',
  'wait_end_of_query',
  'enable_http_compression',
  'http_zlib_compression_level',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'cancel_http_readonly_queries_on_client_close',
  // would lock the shared engine session against the reset that follows every request
  'readonly',
]);

const INSERT_WITH_FORMAT = /^\s*(INSERT\s+INTO\s+[\s\S]*?)(\s+SETTINGS\s+[\s\S]*?)?\s+FORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i;
const TRAILING_FORMAT = /\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i;
const PLACEHOLDER = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/g;
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Starts the server. What it speaks (the part @clickhouse/client uses):
 * - `GET /ping` → `Ok.\n`;
 * - the query in the `query` URL parameter and/or the body; an INSERT whose `FORMAT x` is in the URL takes its
 *   rows from the body, in any format (written to a temporary file and read with `FROM INFILE`);
 * - settings as URL parameters (insert_deduplication_token among them), applied to that request only;
 *   `database`, `default_format`, `param_<name>` for `{name:Type}` placeholders, `query_id`;
 * - X-ClickHouse-Summary, X-ClickHouse-Format, X-ClickHouse-Query-Id on answers; an error is HTTP 500 with
 *   `Code: N. DB::Exception: …` and X-ClickHouse-Exception-Code: N.
 * Requests run one at a time (the engine's session state is shared); request bodies may be gzip- or deflate-encoded.
 */
export async function startClickhouseHttpServer(options: ClickhouseHttpServerOptions = {}): Promise<TestClickhouseHttpServer> {
  const chdb = loadChdb() as unknown as ChdbWithSession;
  const ownsPath = options.path === undefined;
  const path = options.path ?? mkdtempSync(join(tmpdir(), 'fraiseql-clickhouse-'));
  const scratch = mkdtempSync(join(tmpdir(), 'fraiseql-clickhouse-body-'));
  const session = new chdb.Session(path);
  const sockets = new Set<Socket>();
  let tail: Promise<unknown> = Promise.resolve();
  let requests = 0;
  let bodies = 0;

  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://clickhouse');
    const raw = await readBody(req);
    if (url.pathname === '/ping' || url.pathname === '/replicas_status') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    if (url.pathname !== '/') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' }).end(`There is no handle ${url.pathname}\n`);
      return;
    }
    const search = url.searchParams;
    const queryId = search.get('query_id') ?? randomUUID();
    const database = search.get('database') ?? header(req, 'x-clickhouse-database') ?? 'default';
    const defaultFormat = search.get('default_format') ?? header(req, 'x-clickhouse-format') ?? 'TabSeparated';
    const settings: [string, string][] = [];
    const params = new Map<string, string>();
    for (const [name, value] of search) {
      if (name.startsWith('param_')) params.set(name.slice('param_'.length), value);
      else if (!NOT_SETTINGS.has(name) && SETTING_NAME.test(name)) settings.push([name, value]);
    }
    const urlQuery = search.get('query') ?? '';
    let format = defaultFormat;
    try {
      const body = decode(raw, header(req, 'content-encoding'));
      const insert = urlQuery !== '' && body.length > 0 ? INSERT_WITH_FORMAT.exec(urlQuery) : null;
      const text = insert ? urlQuery : [urlQuery, body.toString('utf8')].filter((part) => part !== '').join('\n');
      if (!insert) format = TRAILING_FORMAT.exec(text)?.[1] ?? defaultFormat;
      if (text.trim() === '') throw clickhouseError(62, 'Empty query', 'SYNTAX_ERROR');
      for (const [, name] of text.matchAll(PLACEHOLDER)) {
        if (!params.has(name!)) throw clickhouseError(456, `Substitution \`${name}\` is not set`, 'UNKNOWN_QUERY_PARAMETER');
      }
      const result = await exclusive(async () => {
        await session.queryAsync(`USE ${quoteIdentifier(database)}`);
        try {
          for (const [name, value] of settings) await session.queryAsync(`SET ${name} = ${literal(value)}`);
          for (const [name, value] of params) await session.queryAsync(`SET param_${name} = ${stringLiteral(value)}`);
          if (!insert) return await session.queryAsync(text, { format: defaultFormat });
          const file = join(scratch, `body-${++bodies}`);
          writeFileSync(file, body);
          try {
            const [, head, settingsClause = '', inputFormat] = insert as unknown as [string, string, string | undefined, string];
            return await session.queryAsync(`${head} FROM INFILE ${stringLiteral(file)}${settingsClause} FORMAT ${inputFormat}`);
          } finally {
            rmSync(file, { force: true });
          }
        } finally {
          for (const [name] of settings) await session.queryAsync(`SET ${name} = DEFAULT`).catch(() => undefined);
        }
      });
      const output = result.bytes();
      const rows = String(result.rowsRead);
      const summary = {
        read_rows: rows,
        read_bytes: String(result.bytesRead),
        written_rows: insert ? rows : '0',
        written_bytes: insert ? String(result.bytesRead) : '0',
        total_rows_to_read: '0',
        result_rows: insert ? '0' : rows,
        result_bytes: insert ? '0' : String(output.byteLength),
        elapsed_ns: String(Math.round(result.elapsed * 1e9)),
      };
      res.writeHead(200, {
        'Content-Type': contentType(format),
        'X-ClickHouse-Format': format,
        'X-ClickHouse-Query-Id': queryId,
        'X-ClickHouse-Timezone': 'UTC',
        'X-ClickHouse-Server-Display-Name': 'chdb',
        'X-ClickHouse-Summary': JSON.stringify(summary),
      });
      res.end(output);
    } catch (error) {
      const { code, message } = describe(error);
      res.writeHead(500, {
        'Content-Type': 'text/plain; charset=UTF-8',
        'X-ClickHouse-Exception-Code': String(code),
        'X-ClickHouse-Query-Id': queryId,
        'X-ClickHouse-Format': format,
      });
      res.end(`${message}\n`);
    }
  };

  // ClickHouse takes URLs up to http_max_uri_size (1 MiB); Node's default header limit is 16 KiB.
  const server: Server = createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
    requests++;
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'X-ClickHouse-Exception-Code': '1002' });
      res.end(`Code: 1002. DB::Exception: ${error instanceof Error ? error.message : String(error)}. (UNKNOWN_EXCEPTION)\n`);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  let listening = true;
  const port = await listen(options.port ?? 0);

  const stop = async (): Promise<void> => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    path,
    get requests() {
      return requests;
    },
    stop,
    async start() {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    async close() {
      await stop();
      await tail;
      session.close();
      rmSync(scratch, { recursive: true, force: true });
      if (ownsPath) rmSync(path, { recursive: true, force: true });
    },
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  if (body.length === 0 || encoding === undefined || encoding === 'identity') return body;
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  throw clickhouseError(36, `Unsupported Content-Encoding ${encoding}`, 'BAD_ARGUMENTS');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function contentType(format: string): string {
  if (/^JSON/i.test(format)) return 'application/json; charset=UTF-8';
  if (/^(TabSeparated|TSV)/i.test(format)) return 'text/tab-separated-values; charset=UTF-8';
  if (/^CSV/i.test(format)) return 'text/csv; charset=UTF-8';
  return 'application/octet-stream';
}

function stringLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** URL setting values are text; numbers go bare so numeric settings parse as they do on a server. */
function literal(value: string): string {
  return /^-?\d+(\.\d+)?$/.test(value) ? value : stringLiteral(value);
}

function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

class ClickhouseServerError extends Error {
  constructor(
    readonly clickhouseCode: number,
    message: string,
  ) {
    super(message);
  }
}

function clickhouseError(code: number, message: string, name: string): ClickhouseServerError {
  return new ClickhouseServerError(code, `Code: ${code}. DB::Exception: ${message}. (${name})`);
}

/** The engine's code and its exception text as a server sends it (chdb prefixes some messages). */
function describe(error: unknown): { code: number; message: string } {
  const raw = error instanceof Error ? error.message : String(error);
  const own = (error as { clickhouseCode?: unknown } | null)?.clickhouseCode;
  const at = raw.indexOf('Code: ');
  const parsed = at >= 0 ? /^Code: (\d+)\./.exec(raw.slice(at)) : null;
  const code = typeof own === 'number' ? own : parsed ? Number(parsed[1]) : 1002;
  const message = at >= 0 ? raw.slice(at).trimEnd() : `Code: ${code}. DB::Exception: ${raw}. (UNKNOWN_EXCEPTION)`;
  return { code, message };
}
