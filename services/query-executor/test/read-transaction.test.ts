import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import { runReadTransaction } from '../src/run-read-transaction';

describe('runReadTransaction against PostgreSQL', () => {
  let db: TestDatabase;
  let pool: Pool;
  const settings = {
    caller: { orgId: '0a000000-0000-4000-8000-00000000000a', subject: 'user-1', roles: ['reader', 'auditor'] },
    traceId: 'abc123',
    statementTimeoutMs: 5000,
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 1, pipeline: true });
    await pool.query('CREATE TABLE tb_item (n int PRIMARY KEY)');
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('runs every statement in one read-only transaction that carries the request context', async () => {
    const { outcomes } = await runReadTransaction(pool, settings, [
      {
        name: 'ctx',
        text: `SELECT json_build_object('org', current_setting('fraiseql.org_id'), 'user', current_setting('fraiseql.user_id'), 'roles', current_setting('fraiseql.roles'), 'trace', current_setting('fraiseql.trace_id'), 'ro', current_setting('transaction_read_only'), 'timeout', current_setting('statement_timeout'))::text AS result`,
        values: [],
      },
      { name: 'tx1', text: 'SELECT pg_sleep(0.01)::text || transaction_timestamp()::text AS result', values: [] },
      { name: 'tx2', text: 'SELECT transaction_timestamp()::text AS result', values: [] },
    ]);
    // transaction_timestamp() is fixed per transaction: equal values mean one transaction.
    expect(outcomes[1]).toBe(outcomes[2]);
    expect(JSON.parse(outcomes[0] as string)).toEqual({
      org: settings.caller.orgId,
      user: 'user-1',
      roles: 'reader,auditor',
      trace: 'abc123',
      ro: 'on',
      timeout: '5s',
    });
    // The settings are transaction-local: the next use of the pooled connection sees none.
    const after = await pool.query("SELECT current_setting('fraiseql.org_id', true) AS org");
    expect(after.rows[0].org === null || after.rows[0].org === '').toBe(true);
  });

  it('prepares the request-settings statement once per connection and keeps setting every request its own context', async () => {
    const read = { name: 'org_now', text: "SELECT current_setting('fraiseql.org_id') AS result", values: [] };
    const other = { ...settings, caller: { ...settings.caller, orgId: '0b000000-0000-4000-8000-00000000000b' } };
    const first = await runReadTransaction(pool, settings, [read]);
    const second = await runReadTransaction(pool, other, [read]);
    expect(first.outcomes).toEqual([settings.caller.orgId]);
    expect(second.outcomes).toEqual([other.caller.orgId]);
    // The pool has one connection: its prepared statements are the ones this session holds.
    const prepared = await pool.query<{ name: string; statement: string }>(
      "SELECT name, statement FROM pg_prepared_statements WHERE name = 'fraiseql_request_settings'",
    );
    expect(prepared.rows).toHaveLength(1);
    expect(prepared.rows[0]!.statement).toContain("set_config('fraiseql.org_id', $1, true)");
  });

  it('refuses writes: the transaction is read-only', async () => {
    const { outcomes, failure } = await runReadTransaction(pool, settings, [
      { name: 'w', text: "INSERT INTO tb_item VALUES (1) RETURNING 'x' AS result", values: [] },
    ]);
    expect(outcomes[0]).toMatchObject({ code: 'FRAISEQL_DB_ERROR' });
    expect((failure as { code: string }).code).toBe('25006');
    expect((await pool.query('SELECT count(*)::int AS n FROM tb_item')).rows[0].n).toBe(0);
  });

  it('maps a missing view to FRAISEQL_DB_UNDEFINED_OBJECT without SQL text, and reports later statements as not run', async () => {
    const { outcomes } = await runReadTransaction(pool, settings, [
      { name: 'ok', text: "SELECT 'fine' AS result", values: [] },
      { name: 'missing', text: 'SELECT data::text AS result FROM v_missing_view', values: [] },
      { name: 'later', text: "SELECT 'later' AS result", values: [] },
    ]);
    expect(outcomes[0]).toBe('fine');
    expect(outcomes[1]).toMatchObject({ code: 'FRAISEQL_DB_UNDEFINED_OBJECT' });
    expect((outcomes[1] as Error).message).not.toMatch(/v_missing_view|SELECT|relation/);
    expect(outcomes[2]).toMatchObject({ code: 'FRAISEQL_DB_UNDEFINED_OBJECT' });
    // The connection went back clean: it serves the next transaction.
    expect((await runReadTransaction(pool, settings, [{ name: 'ok', text: "SELECT 'fine' AS result", values: [] }])).outcomes).toEqual([
      'fine',
    ]);
  });

  it('maps a statement over the timeout to FRAISEQL_TIMEOUT', async () => {
    const { outcomes } = await runReadTransaction(pool, { ...settings, statementTimeoutMs: 50 }, [
      { name: 'sleep', text: 'SELECT pg_sleep(5)::text AS result', values: [] },
    ]);
    expect(outcomes[0]).toMatchObject({ code: 'FRAISEQL_TIMEOUT' });
  });

  it('maps a value PostgreSQL cannot read to FRAISEQL_DB_INVALID_INPUT', async () => {
    const { outcomes } = await runReadTransaction(pool, settings, [
      { name: 'uuid', text: 'SELECT $1::uuid::text AS result', values: ["'; DROP TABLE tb_item; --"] },
    ]);
    expect(outcomes[0]).toMatchObject({ code: 'FRAISEQL_DB_INVALID_INPUT' });
    expect((await pool.query("SELECT to_regclass('tb_item') IS NOT NULL AS present")).rows[0].present).toBe(true);
  });

  it('reports FRAISEQL_DB_UNAVAILABLE when PostgreSQL cannot be reached', async () => {
    const unreachable = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1, pipeline: true });
    const { outcomes } = await runReadTransaction(unreachable, settings, [{ name: 'x', text: "SELECT 'x' AS result", values: [] }]);
    expect(outcomes[0]).toMatchObject({ code: 'FRAISEQL_DB_UNAVAILABLE' });
    await unreachable.end();
  });
});
