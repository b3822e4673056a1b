import { startClickhouseHttpServer, type TestClickhouseHttpServer } from '@fraiseql/testkit';
import { classifyClickhouseError, HttpClickhouse, readJsonRows } from '../src';
import { describeClickhouseAnalytics } from './analytics-scenarios';

// HttpClickhouse end to end: @clickhouse/client → ClickHouse's HTTP protocol → the current engine (the testkit
// stand-in server; no current ClickHouse server runs on this machine).
let server: TestClickhouseHttpServer;

beforeAll(async () => {
  server = await startClickhouseHttpServer();
});

afterAll(async () => {
  await server?.close();
});

describeClickhouseAnalytics('http', () => async (database) => new HttpClickhouse({ url: server.url, database, requestTimeoutMs: 20_000 }));

describe('HttpClickhouse', () => {
  it('creates its database on demand: a request naming a missing database is refused by the server', async () => {
    const ch = new HttpClickhouse({ url: server.url, database: `fq_created_${process.pid}` });
    try {
      const refused = await ch.command('SELECT 1').catch((error: unknown) => error);
      expect(classifyClickhouseError(refused)).toEqual({ kind: 'permanent', category: 'statement', code: 81, name: 'UNKNOWN_DATABASE' });
      await ch.createDatabase();
      await ch.command('CREATE TABLE t (a UInt8) ENGINE = MergeTree ORDER BY a');
      await ch.insert({ table: 't', format: 'CSV', body: '1\n2\n' });
      expect(await readJsonRows(ch, 'SELECT toUInt8(sum(a)) AS s FROM t')).toEqual([{ s: 3 }]);
    } finally {
      await ch.command(`DROP DATABASE IF EXISTS fq_created_${process.pid}`).catch(() => undefined);
      await ch.close();
    }
  });

  it('reports a syntax error as permanent, with ClickHouse code 62', async () => {
    const ch = new HttpClickhouse({ url: server.url, database: 'default' });
    try {
      const error = await ch.query('SELEC 1').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: '62', type: 'SYNTAX_ERROR' });
      expect(classifyClickhouseError(error)).toEqual({ kind: 'permanent', category: 'statement', code: 62, name: 'SYNTAX_ERROR' });
    } finally {
      await ch.close();
    }
  });

  it('reports rows that do not parse as a permanent data error', async () => {
    const ch = new HttpClickhouse({ url: server.url, database: 'default' });
    try {
      await ch.command(`CREATE TABLE IF NOT EXISTS typed_${process.pid} (a UInt32, at DateTime) ENGINE = MergeTree ORDER BY a`);
      const error = await ch
        .insert({
          table: `typed_${process.pid}`,
          format: 'JSONEachRow',
          body: '{"a":1,"at":"2026-01-01 00:00:00"}\n{"a":"not a number","at":"x"}\n',
        })
        .catch((e: unknown) => e);
      expect(classifyClickhouseError(error)).toMatchObject({ kind: 'permanent', category: 'data' });
      expect(await readJsonRows(ch, `SELECT toUInt8(count()) AS n FROM typed_${process.pid}`)).toEqual([{ n: 0 }]);
    } finally {
      await ch.command(`DROP TABLE IF EXISTS typed_${process.pid}`).catch(() => undefined);
      await ch.close();
    }
  });

  it('reports a server that stopped answering as transient (connection refused), and works again once it is back', async () => {
    const ch = new HttpClickhouse({ url: server.url, database: 'default', requestTimeoutMs: 5_000 });
    try {
      await ch.ping();
      await server.stop();
      const refused = await ch.query('SELECT 1').catch((e: unknown) => e);
      expect(classifyClickhouseError(refused)).toEqual({ kind: 'transient', category: 'network', name: 'ECONNREFUSED' });
      await expect(ch.ping()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await server.start();
      await ch.ping();
      expect(new TextDecoder().decode(await ch.query('SELECT 1 AS one'))).toBe('{"one":1}\n');
    } finally {
      await server.start();
      await ch.close();
    }
  });
});
