import { Client } from 'pg';
import { HEADERS } from '@fraiseql/nats-contract';
import { createQueryExecutor, type QueryExecutor } from '@fraiseql/query-executor';
import { publishCompiledSchema } from '@fraiseql/schema-kv';
import { waitFor } from '@fraiseql/testkit';
import { ORG_A, ORG_B, notesSchema } from './fixtures/notes-schema';
import { activeSleeps, asOrg, capturedLogger, sendQuery, startNotesStack, type NotesStack } from './fixtures/notes-stack';
import { executorOptions } from './fixtures/services-in-process';

describe('query-executor over NATS', () => {
  let stack: NotesStack;
  let executor: QueryExecutor;
  let logs: () => string[];
  let options: ReturnType<typeof executorOptions>;

  beforeAll(async () => {
    stack = await startNotesStack();
    const captured = capturedLogger('query-executor');
    logs = captured.lines;
    options = executorOptions(stack, captured.logger, { statementTimeoutMs: 1000 });
    executor = await createQueryExecutor(options);
  });
  afterAll(async () => {
    await executor.close();
    await stack.dispose();
  });

  async function sql<T>(text: string, values: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: stack.db.url });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  }

  it("answers a query with the rows of the caller's org, as PostgreSQL built them", async () => {
    const reply = await sendQuery(
      stack.nc,
      { query: '{ notes(orderBy: [{ field: rank, direction: ASC }]) { id title body rank } }' },
      { auth: asOrg(ORG_A) },
    );
    const expected = await sql<{ id: string; title: string; body: string | null; rank: number }>(
      'SELECT id, title, body, rank FROM tb_note WHERE org_id = $1 ORDER BY rank',
      [ORG_A],
    );
    expect(reply.status).toBe(200);
    expect(reply.schemaHash).toBe(notesSchema().hash);
    expect(reply.body).toEqual({ data: { notes: expected } });
  });

  it('never shows one org the rows of another', async () => {
    const b = await sendQuery(stack.nc, { query: '{ notes { id title } }' }, { auth: asOrg(ORG_B) });
    expect(b.body.data.notes).toEqual([{ id: 'b1000000-0000-4000-8000-000000000001', title: 'bravo one' }]);
    const lookup = await sendQuery(
      stack.nc,
      { query: 'query($id: ID!) { note(id: $id) { id title } }', variables: { id: 'b1000000-0000-4000-8000-000000000001' } },
      { auth: asOrg(ORG_A) },
    );
    expect(lookup.body.data).toEqual({ note: null });
  });

  it('sets the request context as transaction-local settings of a read-only transaction', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const reply = await sendQuery(
      stack.nc,
      { query: '{ whoami { orgId userId roles traceId readOnly } }' },
      {
        auth: asOrg(ORG_A, 'user-42', ['reader', 'auditor']),
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      },
    );
    expect(reply.body.data.whoami).toEqual([{ orgId: ORG_A, userId: 'user-42', roles: 'reader,auditor', traceId, readOnly: 'on' }]);
  });

  it.each([
    ['a body that is not JSON', { rawBody: '{nope' }, {}],
    ['a body without a query', { rawBody: JSON.stringify({ variables: {} }) }, {}],
    ['forged auth headers', {}, { [HEADERS.roles]: 'admin,x y' }],
    ['a malformed deadline header', {}, { [HEADERS.deadlineEpochMs]: 'soon' }],
  ])('replies FRAISEQL_BAD_MESSAGE to %s', async (_name, body, headers) => {
    const reply = await sendQuery(stack.nc, { query: '{ notes { id } }' }, { ...body, headers, auth: asOrg(ORG_A) });
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_BAD_MESSAGE');
  });

  it('re-validates documents itself and refuses an invalid one with its stable code', async () => {
    const reply = await sendQuery(stack.nc, { query: '{ notes { id password } }' }, { auth: asOrg(ORG_A) });
    expect(reply.body.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(reply.body.data).toBeUndefined();
  });

  it('skips a request whose deadline has already passed', async () => {
    const reply = await sendQuery(
      stack.nc,
      { query: '{ slowNotes { id } }' },
      { auth: asOrg(ORG_A), headers: { [HEADERS.deadlineEpochMs]: String(Date.now() - 1) } },
    );
    expect(reply.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_TIMEOUT');
    expect(reply.body.errors?.[0]?.message).toMatch(/deadline passed before/);
  });

  it('maps a missing view to FRAISEQL_DB_UNDEFINED_OBJECT, logging the PostgreSQL error but never sending it', async () => {
    const reply = await sendQuery(
      stack.nc,
      { query: '{ ghosts { id name } }' },
      { auth: asOrg(ORG_A), headers: { [HEADERS.requestId]: 'req-ghost-1' } },
    );
    expect(reply.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_DB_UNDEFINED_OBJECT');
    expect(reply.status).toBe(500);
    expect(reply.text).not.toMatch(/v_ghost|SELECT|relation|42P01/);
    const logged = logs()
      .map((l) => JSON.parse(l))
      .find((l) => l.requestId === 'req-ghost-1');
    expect(logged).toMatchObject({ level: 'error', code: 'FRAISEQL_DB_UNDEFINED_OBJECT' });
    expect(JSON.stringify(logged)).toMatch(/v_ghost/);
  });

  it('cancels a statement that runs past the statement timeout with FRAISEQL_TIMEOUT', async () => {
    const reply = await sendQuery(stack.nc, { query: '{ slowNotes { id } }' }, { auth: asOrg(ORG_A) });
    expect(reply.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_TIMEOUT');
    expect(reply.status).toBe(504);
  });

  it('keeps the data of the other root fields when one fails', async () => {
    const reply = await sendQuery(
      stack.nc,
      { query: '{ notes(limit: 1, orderBy: [{ field: rank }]) { title } ghosts { id } }' },
      { auth: asOrg(ORG_A) },
    );
    expect(reply.body.data?.notes).toEqual([{ title: 'alpha one' }]);
    expect(reply.body.errors?.map((e) => e.extensions.code)).toEqual(['FRAISEQL_DB_UNDEFINED_OBJECT']);
    expect(reply.status).toBe(200);
  });

  it('counts requests by outcome and code in its metrics', async () => {
    const text = await options.registry.metrics();
    expect(text).toMatch(/fraiseql_query_executor_requests_total\{operation="query",outcome="success",code=""\} [1-9]/);
    expect(text).toMatch(
      /fraiseql_query_executor_requests_total\{operation="query",outcome="server_error",code="FRAISEQL_DB_UNDEFINED_OBJECT"\} [1-9]/,
    );
    expect(text).toMatch(/fraiseql_query_executor_pg_pool_connections [1-9]/);
  });

  it('is ready when NATS, PostgreSQL and the schema are', async () => {
    for (const check of Object.values(executor.readinessChecks)) await expect(Promise.resolve(check())).resolves.not.toBe(false);
  });
});

describe('query-executor schema lifecycle and limits', () => {
  let stack: NotesStack;

  beforeAll(async () => {
    stack = await startNotesStack({ publishSchema: false });
  });
  afterAll(async () => {
    await stack.dispose();
  });

  it('answers FRAISEQL_SCHEMA_UNAVAILABLE and is not ready until a schema is published, then serves it', async () => {
    const executor = await createQueryExecutor(executorOptions(stack, capturedLogger('query-executor').logger));
    try {
      expect(executor.readinessChecks.schema!()).toBe(false);
      const before = await sendQuery(stack.nc, { query: '{ notes { id } }' }, { auth: asOrg(ORG_A) });
      expect(before.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_SCHEMA_UNAVAILABLE');
      expect(before.status).toBe(503);

      await publishCompiledSchema(stack.nc, notesSchema());
      await waitFor(() => executor.schemaHash() === notesSchema().hash);
      expect(executor.readinessChecks.schema!()).toBe(true);
      const after = await sendQuery(stack.nc, { query: '{ notes { title } }' }, { auth: asOrg(ORG_A) });
      expect(after.body.data.notes).toHaveLength(3);
    } finally {
      await executor.close();
    }
  });

  it('refuses work beyond its in-flight bound with FRAISEQL_OVERLOADED and still finishes the admitted request', async () => {
    await publishCompiledSchema(stack.nc, notesSchema());
    const executor = await createQueryExecutor(executorOptions(stack, capturedLogger('query-executor').logger, { maxInFlight: 1 }));
    try {
      await waitFor(() => executor.schemaHash() !== undefined);
      const slow = sendQuery(stack.nc, { query: '{ slowNotes { id } }' }, { auth: asOrg(ORG_A) });
      await waitFor(async () => (await activeSleeps(stack)) > 0);
      const refused = await sendQuery(stack.nc, { query: '{ notes { id } }' }, { auth: asOrg(ORG_A) });
      expect(refused.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_OVERLOADED');
      expect(refused.status).toBe(503);
      expect((await slow).body.data.slowNotes).toEqual([{ id: 'a1000000-0000-4000-8000-000000000001' }]);
    } finally {
      await executor.close();
    }
  });

  it('drains on shutdown: stops taking requests but answers those in flight', async () => {
    await publishCompiledSchema(stack.nc, notesSchema());
    const executor = await createQueryExecutor(executorOptions(stack, capturedLogger('query-executor').logger));
    await waitFor(() => executor.schemaHash() !== undefined);
    const slow = sendQuery(stack.nc, { query: '{ slowNotes { id title } }' }, { auth: asOrg(ORG_A) });
    await waitFor(async () => (await activeSleeps(stack)) > 0);
    const closed = executor.close();
    expect((await slow).body.data.slowNotes).toEqual([{ id: 'a1000000-0000-4000-8000-000000000001', title: 'alpha one' }]);
    await closed;
    await expect(sendQuery(stack.nc, { query: '{ notes { id } }' }, { auth: asOrg(ORG_A) })).rejects.toMatchObject({ code: '503' });
  });
});
