import { gzipSync } from 'node:zlib';
import { startClickhouseHttpServer, type TestClickhouseHttpServer } from '../src';

// The protocol as bytes on the wire (plain fetch); libs/clickhouse's tests drive it through @clickhouse/client.
let server: TestClickhouseHttpServer;

beforeAll(async () => {
  server = await startClickhouseHttpServer();
});

afterAll(async () => {
  await server?.close();
});

const post = (search: Record<string, string>, body?: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${server.url}/?${new URLSearchParams(search).toString()}`, { method: 'POST', body, headers });

describe('startClickhouseHttpServer', () => {
  it('answers /ping with Ok.', async () => {
    const res = await fetch(`${server.url}/ping`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Ok.\n');
  });

  it('runs a query from the body or the URL in default_format, with the summary, format and query id headers', async () => {
    const res = await post({ default_format: 'JSONEachRow', query_id: 'q-1' }, 'SELECT number AS n FROM numbers(3)');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"n":0}\n{"n":1}\n{"n":2}\n');
    expect(res.headers.get('x-clickhouse-format')).toBe('JSONEachRow');
    expect(res.headers.get('x-clickhouse-query-id')).toBe('q-1');
    expect(JSON.parse(res.headers.get('x-clickhouse-summary')!)).toMatchObject({ result_rows: '3', written_rows: '0' });

    const get = await fetch(`${server.url}/?query=${encodeURIComponent('SELECT 1 + 1 FORMAT CSV')}`);
    expect(get.headers.get('x-clickhouse-format')).toBe('CSV');
    expect(await get.text()).toBe('2\n');
  });

  it('inserts the rows of the body in the format the URL names, text or binary, plain or gzip, into the database named', async () => {
    expect((await post({}, 'CREATE DATABASE IF NOT EXISTS wire')).status).toBe(200);
    expect((await post({ database: 'wire' }, 'CREATE TABLE t (id UInt32, s String) ENGINE = MergeTree ORDER BY id')).status).toBe(200);

    const json = await post({ database: 'wire', query: 'INSERT INTO t FORMAT JSONEachRow' }, '{"id":1,"s":"a"}\n{"id":2,"s":"b"}\n');
    expect(json.status).toBe(200);
    expect(JSON.parse(json.headers.get('x-clickhouse-summary')!)).toMatchObject({ written_rows: '2' });

    // RowBinary: UInt32 little-endian, then a length-prefixed string with a NUL byte in it.
    const binary = Uint8Array.from([3, 0, 0, 0, 3, 0x78, 0x00, 0x79]);
    expect((await post({ database: 'wire', query: 'INSERT INTO t (id, s) FORMAT RowBinary' }, binary)).status).toBe(200);
    const gzipped = gzipSync('{"id":4,"s":"gz"}\n');
    expect(
      (await post({ database: 'wire', query: 'INSERT INTO t FORMAT JSONEachRow' }, gzipped, { 'Content-Encoding': 'gzip' })).status,
    ).toBe(200);

    const rows = await post({ database: 'wire', default_format: 'JSONCompactEachRow' }, 'SELECT id, hex(s) FROM t ORDER BY id');
    expect(await rows.text()).toBe('[1, "61"]\n[2, "62"]\n[3, "780079"]\n[4, "677A"]\n');
  });

  it('applies URL settings to that request only, insert_deduplication_token included', async () => {
    await post(
      {},
      'CREATE TABLE IF NOT EXISTS dedup (id UInt32) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100',
    );
    for (let i = 0; i < 2; i++) {
      const res = await post({ query: 'INSERT INTO dedup FORMAT CSV', insert_deduplication_token: 'batch-1' }, '1\n2\n');
      expect(res.status).toBe(200);
    }
    expect(await (await post({}, 'SELECT count() FROM dedup')).text()).toBe('2\n');
    expect(await (await post({}, "SELECT getSetting('insert_deduplication_token')")).text()).toBe('\n');
    expect(await (await post({ max_threads: '1' }, "SELECT getSetting('max_threads')")).text()).toBe('1\n');
  });

  it('binds param_<name> to {name:Type} placeholders, escaping as ClickHouse does, and refuses a missing one', async () => {
    const res = await post(
      { param_name: "it\\'s\\ta", param_ids: '[1,2,3]', default_format: 'JSONEachRow' },
      'SELECT {name:String} AS name, arraySum({ids:Array(UInt8)}) AS total',
    );
    expect(await res.json()).toEqual({ name: "it's\ta", total: 6 });
    const missing = await post({}, 'SELECT {other:String}');
    expect(missing.status).toBe(500);
    expect(missing.headers.get('x-clickhouse-exception-code')).toBe('456');
  });

  it('answers an error with HTTP 500, the exception code header and `Code: N. DB::Exception: …`', async () => {
    const res = await post({}, 'SELEC 1');
    expect(res.status).toBe(500);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('62');
    expect(await res.text()).toMatch(/^Code: 62\. DB::Exception: Syntax error[\s\S]*\(SYNTAX_ERROR\)\n$/);

    const unknown = await post({ database: 'no_such_database' }, 'SELECT 1');
    expect(unknown.status).toBe(500);
    expect(unknown.headers.get('x-clickhouse-exception-code')).toBe('81');
  });

  it('refuses connections between stop() and start(), then serves the same data on the same port', async () => {
    await post({}, 'CREATE TABLE IF NOT EXISTS kept (a UInt8) ENGINE = MergeTree ORDER BY a');
    await post({ query: 'INSERT INTO kept FORMAT CSV' }, '7\n');
    await server.stop();
    const failure = async (): Promise<string | undefined> =>
      (
        await fetch(`${server.url}/ping`).then(
          () => undefined,
          (error: Error & { cause?: { code?: string } }) => error,
        )
      )?.cause?.code;
    // A kept-alive socket the stop destroyed fails first (reset); a new connection is refused.
    expect(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET']).toContain(await failure());
    expect(await failure()).toBe('ECONNREFUSED');
    await server.start();
    expect(await (await post({}, 'SELECT a FROM kept')).text()).toBe('7\n');
  });
});
