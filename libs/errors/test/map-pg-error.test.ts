import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Client, Pool } from 'pg';
import { mapPgError, pgErrorCode } from '../src';

// libs/testkit depends on this package, so this test does not use it: it works in a schema of its own
// in the server's `postgres` database (PG* variables, else 127.0.0.1:5432 as postgres, as testkit does).
const SERVER = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  user: process.env.PGUSER ?? 'postgres',
  password: process.env.PGPASSWORD,
  database: 'postgres',
};

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('pgErrorCode: every SQLSTATE class it maps', () => {
  it.each([
    ['22P02', 'FRAISEQL_DB_INVALID_INPUT'],
    ['22007', 'FRAISEQL_DB_INVALID_INPUT'],
    ['22008', 'FRAISEQL_DB_INVALID_INPUT'],
    ['22003', 'FRAISEQL_DB_INVALID_INPUT'],
    ['57014', 'FRAISEQL_TIMEOUT'],
    ['42P01', 'FRAISEQL_DB_UNDEFINED_OBJECT'],
    ['42703', 'FRAISEQL_DB_UNDEFINED_OBJECT'],
    ['42883', 'FRAISEQL_DB_UNDEFINED_OBJECT'],
    ['42501', 'FRAISEQL_DB_PERMISSION_DENIED'],
    ['23505', 'FRAISEQL_DB_CONSTRAINT_VIOLATION'],
    ['23503', 'FRAISEQL_DB_CONSTRAINT_VIOLATION'],
    ['23514', 'FRAISEQL_DB_CONSTRAINT_VIOLATION'],
    ['40001', 'FRAISEQL_DB_SERIALIZATION_FAILURE'],
    ['40P01', 'FRAISEQL_DB_SERIALIZATION_FAILURE'],
    ['08006', 'FRAISEQL_DB_UNAVAILABLE'],
    ['57P01', 'FRAISEQL_DB_UNAVAILABLE'],
    ['57P02', 'FRAISEQL_DB_UNAVAILABLE'],
    ['57P03', 'FRAISEQL_DB_UNAVAILABLE'],
    ['ECONNREFUSED', 'FRAISEQL_DB_UNAVAILABLE'],
    ['ECONNRESET', 'FRAISEQL_DB_UNAVAILABLE'],
    ['XX000', 'FRAISEQL_DB_ERROR'],
    ['P0001', 'FRAISEQL_DB_ERROR'],
  ])('maps SQLSTATE %s to %s', (sqlstate, code) => {
    expect(pgErrorCode(sqlstate)).toBe(code);
  });

  it('maps a connection pg lost without a SQLSTATE to FRAISEQL_DB_UNAVAILABLE', () => {
    expect(mapPgError(new Error('Connection terminated unexpectedly')).code).toBe('FRAISEQL_DB_UNAVAILABLE');
  });

  it("maps an error that is not PostgreSQL's (no SQLSTATE, no lost connection) to FRAISEQL_INTERNAL, not a database error", () => {
    const mapped = mapPgError(new TypeError('cannot read properties of undefined'));
    expect(mapped.code).toBe('FRAISEQL_INTERNAL');
    expect(mapped.message).toBe('Internal error');
  });
});

describe('mapPgError on errors a real PostgreSQL raises', () => {
  const schema = `fraiseql_errors_${randomBytes(4).toString('hex')}`;
  let pool: Pool;
  beforeAll(async () => {
    pool = new Pool({ ...SERVER, max: 4, options: `-c search_path=${schema}` });
    await pool.query(`CREATE SCHEMA ${schema}`);
    await pool.query(`CREATE TABLE t (id int PRIMARY KEY, qty int CHECK (qty >= 0), parent int REFERENCES t(id))`);
    await pool.query('INSERT INTO t (id, qty) VALUES (1, 1)');
    await pool.query('CREATE ROLE fraiseql_errors_nobody NOLOGIN').catch(() => undefined);
  });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  });

  const failureOf = async (sql: string, values: unknown[] = []): Promise<unknown> =>
    pool.query(sql, values).then(
      () => undefined,
      (e: unknown) => e,
    );

  it.each([
    ['a unique violation', 'INSERT INTO t (id, qty) VALUES (1, 1)', 'FRAISEQL_DB_CONSTRAINT_VIOLATION'],
    ['a check violation', 'INSERT INTO t (id, qty) VALUES (2, -1)', 'FRAISEQL_DB_CONSTRAINT_VIOLATION'],
    ['a foreign key violation', 'INSERT INTO t (id, qty, parent) VALUES (3, 0, 99)', 'FRAISEQL_DB_CONSTRAINT_VIOLATION'],
    ['a value that is not an integer', "SELECT 'x'::int", 'FRAISEQL_DB_INVALID_INPUT'],
    ['a malformed date', "SELECT '2024-13-45'::date", 'FRAISEQL_DB_INVALID_INPUT'],
    ['an integer out of range', 'SELECT 2147483647::int + 1', 'FRAISEQL_DB_INVALID_INPUT'],
    ['an unknown table', 'SELECT * FROM v_missing', 'FRAISEQL_DB_UNDEFINED_OBJECT'],
    ['an unknown column', 'SELECT missing FROM t', 'FRAISEQL_DB_UNDEFINED_OBJECT'],
    ['an unknown function', 'SELECT fn_missing(1)', 'FRAISEQL_DB_UNDEFINED_OBJECT'],
    ['an exception raised by a function', "DO $$ BEGIN RAISE EXCEPTION 'nope'; END $$", 'FRAISEQL_DB_ERROR'],
  ])('%s', async (_name, sql, code) => {
    const mapped = mapPgError(await failureOf(sql));
    expect(mapped.code).toBe(code);
    // The message is the stable one of the code: no SQL text or values leak to the caller.
    expect(mapped.message).not.toContain('t (id');
  });

  it('a statement cancelled by statement_timeout is FRAISEQL_TIMEOUT', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SET LOCAL statement_timeout = '50ms'");
      const error = await client.query('SELECT pg_sleep(5)').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(mapPgError(error).code).toBe('FRAISEQL_TIMEOUT');
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('a privilege the role lacks is FRAISEQL_DB_PERMISSION_DENIED', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`GRANT USAGE ON SCHEMA ${schema} TO fraiseql_errors_nobody`);
      await client.query('SET LOCAL ROLE fraiseql_errors_nobody');
      const error = await client.query('SELECT * FROM t').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(mapPgError(error).code).toBe('FRAISEQL_DB_PERMISSION_DENIED');
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('a serialization failure between two serializable transactions is FRAISEQL_DB_SERIALIZATION_FAILURE', async () => {
    const a = await pool.connect();
    const b = await pool.connect();
    try {
      await a.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      await b.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      await a.query('SELECT sum(qty) FROM t');
      await b.query('SELECT sum(qty) FROM t');
      await a.query('INSERT INTO t (id, qty) VALUES (10, 1)');
      await b.query('INSERT INTO t (id, qty) VALUES (11, 1)');
      await a.query('COMMIT');
      const error = await b.query('COMMIT').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(mapPgError(error).code).toBe('FRAISEQL_DB_SERIALIZATION_FAILURE');
    } finally {
      await a.query('ROLLBACK').catch(() => undefined);
      await b.query('ROLLBACK').catch(() => undefined);
      a.release();
      b.release();
      await pool.query('DELETE FROM t WHERE id IN (10, 11)');
    }
  });

  it('a backend terminated under a query, and a server that is not there, are FRAISEQL_DB_UNAVAILABLE', async () => {
    const victim = new Client({ ...SERVER });
    await victim.connect();
    victim.on('error', () => undefined);
    const { rows } = await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const running = victim.query('SELECT pg_sleep(30)').then(
      () => undefined,
      (e: unknown) => e,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    expect(mapPgError(await running).code).toBe('FRAISEQL_DB_UNAVAILABLE');
    await victim.end().catch(() => undefined);

    const nobody = new Client({ ...SERVER, port: await unusedPort(), connectionTimeoutMillis: 2000 });
    const refused = await nobody.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(mapPgError(refused).code).toBe('FRAISEQL_DB_UNAVAILABLE');
  });
});
