import { publishCompiledSchema } from '@fraiseql/schema-kv';
import type { Gateway } from '@fraiseql/gateway';
import type { QueryExecutor } from '@fraiseql/query-executor';
import { waitFor } from '@fraiseql/testkit';
import { ORG_A, ORG_B, notesSchema } from './fixtures/notes-schema';
import { activeSleeps, startNotesStack, type NotesStack } from './fixtures/notes-stack';
import { sql } from './fixtures/sql';
import { GRAPHQL_RESPONSE, graphql, jwtFor, startExecutor, startGateway } from './fixtures/services-in-process';

describe('gateway → NATS → query-executor → PostgreSQL', () => {
  let stack: NotesStack;
  let executor: QueryExecutor;
  let gateway: Gateway;
  let logs: () => string[];
  let metricsText: () => Promise<string>;
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    stack = await startNotesStack();
    executor = await startExecutor(stack);
    const started = await startGateway(stack, { limits: { maxDepth: 3, maxCost: 200, maxAliases: 3, maxDocumentBytes: 2048 } });
    gateway = started.gateway;
    logs = started.logs;
    metricsText = () => started.registry.metrics();
    tokenA = await jwtFor({ sub: 'alice', org_id: ORG_A, roles: ['reader'] });
    tokenB = await jwtFor({ sub: 'bob', org_id: ORG_B, roles: ['reader'] });
  });
  afterAll(async () => {
    await gateway.close();
    await executor.close();
    await stack.dispose();
  });

  it("serves a POSTed query with the rows PostgreSQL holds for the caller's org", async () => {
    const result = await graphql(
      gateway,
      { query: 'query Ranked { notes(orderBy: [{ field: rank }]) { id title body rank createdAt } }', operationName: 'Ranked' },
      { token: tokenA },
    );
    const rows = await sql<{ id: string; title: string; body: string | null; rank: number; created_at: Date }>(
      stack.db.url,
      'SELECT id, title, body, rank, created_at FROM tb_note WHERE org_id = $1 ORDER BY rank',
      [ORG_A],
    );
    expect(result.status).toBe(200);
    expect(result.contentType).toBe('application/json; charset=utf-8');
    expect(result.body).toEqual({
      data: {
        notes: rows.map((r) => ({
          id: r.id,
          title: r.title,
          body: r.body,
          rank: r.rank,
          createdAt: r.created_at.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
        })),
      },
    });
  });

  it('serves the same query over GET with variables in the query string', async () => {
    const result = await graphql(
      gateway,
      { query: 'query($n: Int) { notes(limit: $n, orderBy: [{ field: rank, direction: DESC }]) { title } }', variables: { n: 2 } },
      { method: 'GET', token: tokenA },
    );
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: { notes: [{ title: 'alpha three' }, { title: 'alpha two' }] } });
  });

  it('answers application/graphql-response+json with that media type', async () => {
    const result = await graphql(
      gateway,
      { query: '{ notes(limit: 1, orderBy: [{ field: rank }]) { title } }' },
      { token: tokenA, accept: GRAPHQL_RESPONSE },
    );
    expect(result.status).toBe(200);
    expect(result.contentType).toBe(`${GRAPHQL_RESPONSE}; charset=utf-8`);
    expect(result.body.data.notes).toEqual([{ title: 'alpha one' }]);
  });

  it('never shows one org the notes of another', async () => {
    const b = await graphql(gateway, { query: '{ notes { id title body } }' }, { token: tokenB });
    expect(b.body.data.notes).toEqual([{ id: 'b1000000-0000-4000-8000-000000000001', title: 'bravo one', body: 'secret of B' }]);
    const a = await graphql(gateway, { query: '{ notes { body } }' }, { token: tokenA });
    expect(a.text).not.toContain('secret of B');
    const lookup = await graphql(gateway, { query: '{ note(id: "b1000000-0000-4000-8000-000000000001") { id } }' }, { token: tokenA });
    expect(lookup.body.data).toEqual({ note: null });
  });

  it('refuses invalid or expired credentials with 401 FRAISEQL_UNAUTHENTICATED', async () => {
    const expired = await jwtFor({ sub: 'alice', org_id: ORG_A }, { expiresInS: -60 });
    const forged = await jwtFor({ sub: 'alice', org_id: ORG_A }, { secret: 'some-other-secret-of-at-least-32-characters' });
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', org_id: ORG_A })).toString('base64url')}.`;
    for (const token of [expired, forged, unsigned]) {
      const result = await graphql(gateway, { query: '{ notes { id } }' }, { token });
      expect(result.status).toBe(401);
      expect(result.headers.get('www-authenticate')).toBe('Bearer');
      expect(result.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_UNAUTHENTICATED');
    }
  });

  it('ignores the development auth headers when FRAISEQL_DEV_AUTH is off', async () => {
    const result = await graphql(
      gateway,
      { query: '{ notes { id } }' },
      { headers: { 'x-fraiseql-dev-subject': 'dev', 'x-fraiseql-dev-org': ORG_A }, accept: GRAPHQL_RESPONSE },
    );
    expect(result.body.data).toEqual({ notes: null });
    expect(result.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_UNAUTHENTICATED');
    expect(result.status).toBe(401);
  });

  it('reports a document error with 200 under application/json and its own status under graphql-response+json', async () => {
    const legacy = await graphql(gateway, { query: '{ notes { id password } }' }, { token: tokenA });
    expect(legacy.status).toBe(200);
    expect(legacy.body.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const modern = await graphql(gateway, { query: '{ notes { id password } }' }, { token: tokenA, accept: GRAPHQL_RESPONSE });
    expect(modern.status).toBe(400);
    expect(modern.body.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it.each([
    ['a body that is not JSON', { rawBody: '{"query": ' }],
    ['a body without a query', { rawBody: '{"variables": {}}' }],
    ['a query that is not a string', { rawBody: '{"query": 42}' }],
  ])('refuses %s with 400 FRAISEQL_BAD_REQUEST', async (_name, options) => {
    const result = await graphql(gateway, { query: '' }, { ...options, token: tokenA });
    expect(result.status).toBe(400);
    expect(result.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_BAD_REQUEST');
  });

  it('refuses a mutation over GET with 405 FRAISEQL_OPERATION_NOT_SUPPORTED', async () => {
    const result = await graphql(gateway, { query: 'mutation { deleteEverything }' }, { method: 'GET', token: tokenA });
    expect(result.status).toBe(405);
    expect(result.headers.get('allow')).toBe('POST');
    expect(result.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_OPERATION_NOT_SUPPORTED');
  });

  it.each([
    ['a syntax error', { query: '{ notes { id ' }, 'GRAPHQL_PARSE_FAILED'],
    ['an unknown field', { query: '{ notes { id secret } }' }, 'GRAPHQL_VALIDATION_FAILED'],
    ['an unknown argument', { query: '{ notes(drop: true) { id } }' }, 'GRAPHQL_VALIDATION_FAILED'],
    ['a variable of the wrong type', { query: 'query($n: Int) { notes(limit: $n) { id } }', variables: { n: 'ten' } }, 'BAD_USER_INPUT'],
    ['a document nested too deep', { query: '{ notesConnection { edges { node { id } } } }' }, 'FRAISEQL_DEPTH_LIMIT_EXCEEDED'],
    ['a document too costly', { query: '{ notes(limit: 100) { id title body rank createdAt } }' }, 'FRAISEQL_COST_LIMIT_EXCEEDED'],
    ['too many aliases', { query: '{ a: notes { id } b: notes { id } c: notes { id } d: notes { id } }' }, 'FRAISEQL_ALIAS_LIMIT_EXCEEDED'],
    ['an oversized document', { query: `{ notes { id } } # ${'x'.repeat(4096)}` }, 'FRAISEQL_DOCUMENT_TOO_LARGE'],
    ['a page above the maximum', { query: '{ notes(limit: 5000) { id } }' }, 'FRAISEQL_PAGE_TOO_LARGE'],
    [
      'a forged cursor',
      { query: '{ notesConnection(first: 1, after: "eyJrIjpbMV19.Zm9yZ2Vk") { totalCount } }' },
      'FRAISEQL_INVALID_CURSOR',
    ],
  ])('refuses %s with a stable code, and keeps serving', async (_name, request, code) => {
    const result = await graphql(gateway, request, { token: tokenA, accept: GRAPHQL_RESPONSE });
    expect(result.body.errors?.[0]?.extensions.code).toBe(code);
    expect(result.status).toBeGreaterThanOrEqual(400);
    const after = await graphql(gateway, { query: '{ notes(limit: 1, orderBy: [{ field: rank }]) { title } }' }, { token: tokenA });
    expect(after.body).toEqual({ data: { notes: [{ title: 'alpha one' }] } });
  });

  it('treats injection strings as plain values', async () => {
    const hostile = "'; DROP TABLE tb_note; --";
    const filtered = await graphql(
      gateway,
      { query: 'query($t: String) { notes(where: { title: { eq: $t } }) { id } }', variables: { t: hostile } },
      { token: tokenA },
    );
    expect(filtered.body).toEqual({ data: { notes: [] } });
    const stored = await graphql(gateway, { query: '{ notes(where: { body: { contains: "DROP TABLE" } }) { rank } }' }, { token: tokenA });
    expect(stored.body).toEqual({ data: { notes: [{ rank: 3 }] } });
    const badId = await graphql(gateway, { query: `{ note(id: "1' OR '1'='1") { id } }` }, { token: tokenA, accept: GRAPHQL_RESPONSE });
    expect(badId.body.errors?.[0]?.extensions.code).toMatch(/^(BAD_USER_INPUT|FRAISEQL_DB_INVALID_INPUT)$/);
    expect((await sql<{ n: number }>(stack.db.url, 'SELECT count(*)::int AS n FROM tb_note'))[0]!.n).toBe(4);
  });

  it('maps a PostgreSQL failure to its stable code without SQL text', async () => {
    const result = await graphql(gateway, { query: '{ ghosts { id name } }' }, { token: tokenA, accept: GRAPHQL_RESPONSE });
    expect(result.status).toBe(500);
    expect(result.body).toEqual({
      data: { ghosts: null },
      errors: [expect.objectContaining({ path: ['ghosts'], extensions: { code: 'FRAISEQL_DB_UNDEFINED_OBJECT' } })],
    });
    expect(result.text).not.toMatch(/v_ghost|SELECT|relation/);
  });

  it('answers introspection itself from the schema it validates with', async () => {
    const result = await graphql(
      gateway,
      { query: '{ __schema { queryType { name } } __type(name: "Note") { fields { name } } }' },
      { token: tokenA },
    );
    expect(result.body.data.__schema).toEqual({ queryType: { name: 'Query' } });
    expect(result.body.data.__type.fields.map((f: { name: string }) => f.name)).toEqual(['id', 'title', 'body', 'rank', 'createdAt']);
  });

  it('echoes a valid x-request-id, replaces a malformed one, and writes one access-log line without variables or token', async () => {
    const secretValue = 'variable-value-that-must-not-be-logged';
    const result = await graphql(
      gateway,
      {
        query: 'query Logged($t: String) { notes(where: { title: { eq: $t } }) { id } }',
        variables: { t: secretValue },
        operationName: 'Logged',
      },
      { token: tokenA, headers: { 'x-request-id': 'req-e2e-42' } },
    );
    expect(result.headers.get('x-request-id')).toBe('req-e2e-42');
    const bad = await graphql(gateway, { query: '{ notes { id } }' }, { token: tokenA, headers: { 'x-request-id': 'not/a valid id' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    await waitFor(() => logs().some((l) => l.includes('req-e2e-42')));
    const lines = logs().filter((l) => l.includes('req-e2e-42'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      requestId: 'req-e2e-42',
      method: 'POST',
      path: '/graphql',
      status: 200,
      operationName: 'Logged',
      operationType: 'query',
      operationHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(lines[0]).not.toContain(secretValue);
    expect(lines[0]).not.toContain(tokenA);
  });

  it('counts requests by operation type, outcome and code', async () => {
    const text = await metricsText();
    expect(text).toMatch(/fraiseql_gateway_requests_total\{operation="query",outcome="success",code=""\} [1-9]/);
    expect(text).toMatch(
      /fraiseql_gateway_requests_total\{operation="unknown",outcome="client_error",code="FRAISEQL_UNAUTHENTICATED"\} [1-9]/,
    );
    expect(text).toMatch(/fraiseql_gateway_request_duration_seconds_count\{operation="query",outcome="success"\} [1-9]/);
    expect(text).toMatch(/fraiseql_gateway_max_in_flight 64/);
  });

  it('is ready when NATS and the schema are', async () => {
    for (const check of Object.values(gateway.readinessChecks)) await expect(Promise.resolve(check())).resolves.not.toBe(false);
  });

  it('serves GraphiQL only when asked to (development)', async () => {
    expect((await fetch(`${gateway.address}/graphiql`)).status).toBe(404);
    const dev = await startGateway(stack, { graphiql: true });
    try {
      expect((await fetch(`${dev.gateway.address}/graphiql`)).status).toBe(200);
    } finally {
      await dev.gateway.close();
    }
  });

  it('takes the auth context from the development headers when FRAISEQL_DEV_AUTH is on', async () => {
    const dev = await startGateway(stack, { auth: { devAuth: true } });
    try {
      const result = await graphql(
        dev.gateway,
        { query: '{ notes { title } }' },
        { headers: { 'x-fraiseql-dev-subject': 'dev', 'x-fraiseql-dev-org': ORG_B, 'x-fraiseql-dev-roles': 'reader' } },
      );
      expect(result.body).toEqual({ data: { notes: [{ title: 'bravo one' }] } });
    } finally {
      await dev.gateway.close();
    }
  });

  it('refuses requests beyond its in-flight bound with 503 FRAISEQL_OVERLOADED at once', async () => {
    const small = await startGateway(stack, { maxInFlight: 1 });
    try {
      const slow = graphql(small.gateway, { query: '{ slowNotes { id } }' }, { token: tokenA });
      await waitFor(async () => (await activeSleeps(stack)) > 0);
      const refused = await graphql(small.gateway, { query: '{ notes { id } }' }, { token: tokenA });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_OVERLOADED');
      expect((await slow).body.data.slowNotes).toHaveLength(1);
    } finally {
      await small.gateway.close();
    }
  });

  it('answers FRAISEQL_TIMEOUT when the executor does not reply in time', async () => {
    const impatient = await startGateway(stack, { requestTimeoutMs: 300 });
    try {
      const result = await graphql(impatient.gateway, { query: '{ slowNotes { id } }' }, { token: tokenA, accept: GRAPHQL_RESPONSE });
      expect(result.status).toBe(504);
      expect(result.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_TIMEOUT');
    } finally {
      await impatient.gateway.close();
    }
    // The executor saw the deadline: the late reply goes nowhere, and it keeps serving.
    expect(
      (await graphql(gateway, { query: '{ notes(limit: 1, orderBy: [{ field: rank }]) { title } }' }, { token: tokenA })).body.data.notes,
    ).toEqual([{ title: 'alpha one' }]);
  });

  it('hot-reloads a new schema from KV without dropping requests in flight', async () => {
    const query = '{ notes(orderBy: [{ field: rank }], limit: 1) { title shout } }';
    const before = await graphql(gateway, { query }, { token: tokenA, accept: GRAPHQL_RESPONSE });
    expect(before.body.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const inFlight = graphql(gateway, { query: '{ slowNotes { title } }' }, { token: tokenA });
    await waitFor(async () => (await activeSleeps(stack)) > 0);
    const v2 = notesSchema({ extraField: true });
    await publishCompiledSchema(stack.nc, v2);
    await waitFor(() => gateway.schemaHash() === v2.hash && executor.schemaHash() === v2.hash);

    expect((await inFlight).body).toEqual({ data: { slowNotes: [{ title: 'alpha one' }] } });
    const after = await graphql(gateway, { query }, { token: tokenA });
    expect(after.body).toEqual({ data: { notes: [{ title: 'alpha one', shout: 'ALPHA ONE' }] } });
  });
});

describe('gateway without a query-executor', () => {
  let stack: NotesStack;
  let gateway: Gateway;

  beforeAll(async () => {
    stack = await startNotesStack();
    gateway = (await startGateway(stack)).gateway;
  });
  afterAll(async () => {
    await gateway.close();
    await stack.dispose();
  });

  it('answers 503 FRAISEQL_EXECUTOR_UNAVAILABLE at once when no executor is subscribed', async () => {
    const token = await jwtFor({ sub: 'alice', org_id: ORG_A });
    for (const accept of [GRAPHQL_RESPONSE, 'application/json']) {
      const result = await graphql(gateway, { query: '{ notes { id } }' }, { token, accept });
      expect(result.status).toBe(503);
      expect(result.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_EXECUTOR_UNAVAILABLE');
    }
  });

  it('still validates documents and answers introspection by itself', async () => {
    const invalid = await graphql(gateway, { query: '{ nope }' }, { accept: GRAPHQL_RESPONSE });
    expect(invalid.body.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const introspection = await graphql(gateway, { query: '{ __typename }' });
    expect(introspection.body).toEqual({ data: { __typename: 'Query' } });
  });
});
