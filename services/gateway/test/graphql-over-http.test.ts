import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { connect, type Msg, type NatsConnection, type Subscription } from 'nats';
import { Registry } from 'prom-client';
import { encodeOperationReply, HEADERS, readCallerHeaders, SUBJECTS } from '@fraiseql/nats-contract';
import { DEFAULT_LIMITS, QueryPlanner } from '@fraiseql/query-planner';
import { createLogger, createRedMetrics } from '@fraiseql/service-kit';
import { captureLines, startNatsServer, waitFor, type TestNatsServer } from '@fraiseql/testkit';
import { buildServer } from '../src';
import { createQueryForwarder, type QueryForwarder } from '../src/forward-query';

// The gateway's GraphQL-over-HTTP surface through fastify.inject(): the real app, the real
// forwarder over a private nats-server, and a stand-in executor on the query and mutation subjects.

const SHOP_SCHEMA = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', 'examples', 'shop', 'schema.compiled.json'), 'utf8'),
) as ConstructorParameters<typeof QueryPlanner>[0];
const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const ORG = 'aaaaaaaa-0000-4000-8000-000000000001';
const AS_ORG = { 'x-fraiseql-dev-subject': 'user-7', 'x-fraiseql-dev-org': ORG, 'x-fraiseql-dev-roles': 'reader,staff' };
const BODY_LIMIT = 2048;
// Odd spacing on purpose: the gateway must write the executor's bytes back untouched.
const EXECUTOR_BODY = '{"data":{"orders":[ {"id":"o-1"} ]}}';
const ORDERS = '{ orders { id } }';
const UPDATE_PRODUCT = 'mutation($input: UpdateProductInput!) { updateProduct(input: $input) { __typename } }';

interface Received {
  subject: string;
  body: { query: string; variables: unknown; operationName: unknown };
  headers: Msg['headers'];
}

describe('GraphQL over HTTP (fastify.inject)', () => {
  let nats: TestNatsServer;
  let gatewayNc: NatsConnection;
  let executorNc: NatsConnection;
  let subscriptions: Subscription[];
  let forwarder: QueryForwarder;
  let app: FastifyInstance;
  let registry: Registry;
  let logs: () => string[];
  let received: Received[];
  let executorReply: { body: string; status: number };
  /** The stand-in executor replies once this settles (a request stays in flight until then). */
  let held: Promise<void>;
  let planner: QueryPlanner | undefined;

  beforeAll(async () => {
    nats = await startNatsServer();
    gatewayNc = await connect({ servers: nats.url });
    executorNc = await connect({ servers: nats.url });
    subscriptions = [SUBJECTS.query, SUBJECTS.mutation].map((subject) =>
      executorNc.subscribe(subject, {
        callback: (_error, msg) => {
          received.push({ subject: msg.subject, body: JSON.parse(msg.string()), headers: msg.headers });
          const { body, status } = executorReply;
          void held.then(() => {
            const reply = encodeOperationReply({ body, status });
            msg.respond(reply.data, { headers: reply.headers });
          });
        },
      }),
    );
    await executorNc.flush();
    const captured = captureLines();
    logs = captured.lines;
    const logger = createLogger({ service: 'gateway', level: 'debug', destination: captured.destination });
    registry = new Registry();
    forwarder = createQueryForwarder(gatewayNc, { livenessMs: 0, logger, registry });
    app = buildServer({
      logger,
      graphiql: false,
      planner: () => planner,
      forwarder,
      requestTimeoutMs: 5000,
      maxInFlight: 10,
      bodyLimitBytes: BODY_LIMIT,
      auth: { devAuth: true },
      metrics: createRedMetrics(registry, { prefix: 'fraiseql_gateway' }),
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    forwarder.close();
    for (const s of subscriptions) s.unsubscribe();
    await executorNc.close();
    await gatewayNc.close();
    await nats.dispose();
  });
  beforeEach(() => {
    received = [];
    executorReply = { body: EXECUTOR_BODY, status: 200 };
    held = Promise.resolve();
    planner = new QueryPlanner(SHOP_SCHEMA, { cursorSecret: 'graphql-over-http-test-cursor-secret-0123', limits: DEFAULT_LIMITS });
  });

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/graphql', headers: { ...AS_ORG, ...headers }, payload: payload as string });
  const get = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: `/graphql?${new URLSearchParams(params)}`, headers: { ...AS_ORG, ...headers } });
  const codeOf = (body: string): string | undefined =>
    (JSON.parse(body) as { errors?: Array<{ extensions: { code: string } }> }).errors?.[0]?.extensions.code;

  describe('forwarding to the executor', () => {
    it('sends a POSTed query to fraiseql.v1.query with the caller, request id and deadline, and writes the reply bytes back untouched', async () => {
      const before = Date.now();
      const response = await post(
        { query: 'query Mine($n: Int) { orders(limit: $n) { id } }', variables: { n: 2 }, operationName: 'Mine' },
        { 'x-request-id': 'req-http-1' },
      );
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['x-request-id']).toBe('req-http-1');
      expect(response.body).toBe(EXECUTOR_BODY);
      expect(received).toHaveLength(1);
      const [sent] = received;
      expect(sent!.subject).toBe(SUBJECTS.query);
      expect(sent!.body).toEqual({ query: 'query Mine($n: Int) { orders(limit: $n) { id } }', variables: { n: 2 }, operationName: 'Mine' });
      expect(readCallerHeaders(sent!.headers)).toEqual({ subject: 'user-7', orgId: ORG, roles: ['reader', 'staff'] });
      expect(sent!.headers?.get(HEADERS.requestId)).toBe('req-http-1');
      const deadline = Number(sent!.headers?.get(HEADERS.deadlineEpochMs));
      expect(deadline).toBeGreaterThanOrEqual(before + 5000);
      expect(deadline).toBeLessThanOrEqual(Date.now() + 5000);
    });

    it('serves a GET query with its variables decoded from the query string', async () => {
      const response = await get({ query: 'query($n: Int) { orders(limit: $n) { id } }', variables: '{"n":3}' });
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe(EXECUTOR_BODY);
      expect(received.map((r) => r.body)).toEqual([
        { query: 'query($n: Int) { orders(limit: $n) { id } }', variables: { n: 3 }, operationName: null },
      ]);
    });

    it('takes an application/graphql body as the document itself', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { ...AS_ORG, 'content-type': 'application/graphql' },
        payload: ORDERS,
      });
      expect(response.statusCode).toBe(200);
      expect(received.map((r) => r.body.query)).toEqual([ORDERS]);
    });

    it('sends a POSTed mutation to fraiseql.v1.mutation with its Idempotency-Key', async () => {
      const response = await post(
        { query: UPDATE_PRODUCT, variables: { input: { id: 'p-1', stock: 4 } } },
        { 'idempotency-key': 'order-2024-0001' },
      );
      expect(response.statusCode).toBe(200);
      expect(received.map((r) => [r.subject, r.headers?.get(HEADERS.idempotencyKey)])).toEqual([[SUBJECTS.mutation, 'order-2024-0001']]);
      expect(received[0]!.body.variables).toEqual({ input: { id: 'p-1', stock: 4 } });
    });

    it('answers introspection itself, sending nothing to the executor', async () => {
      const response = await post({ query: '{ __schema { mutationType { name } } }' });
      expect(JSON.parse(response.body)).toEqual({ data: { __schema: { mutationType: { name: 'Mutation' } } } });
      expect(received).toEqual([]);
    });
  });

  describe('response media types', () => {
    it.each([
      [undefined, 'application/json'],
      ['application/json', 'application/json'],
      [GRAPHQL_RESPONSE, GRAPHQL_RESPONSE],
      [`${GRAPHQL_RESPONSE};q=0.5, application/json`, 'application/json'],
      [`application/json;q=0.2, ${GRAPHQL_RESPONSE};q=0.9`, GRAPHQL_RESPONSE],
      [`${GRAPHQL_RESPONSE};q=0`, 'application/json'],
      ['text/html, */*;q=0.1', 'application/json'],
    ])('answers Accept %s with %s', async (accept, mediaType) => {
      const response = await post({ query: ORDERS }, accept === undefined ? {} : { accept });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe(`${mediaType}; charset=utf-8`);
      expect(response.body).toBe(EXECUTOR_BODY);
    });

    it("passes the executor's status on under graphql-response+json and answers 200 under application/json", async () => {
      executorReply = {
        body: '{"data":null,"errors":[{"message":"x","extensions":{"code":"FRAISEQL_DB_UNDEFINED_OBJECT"}}]}',
        status: 500,
      };
      const modern = await post({ query: ORDERS }, { accept: GRAPHQL_RESPONSE });
      expect([modern.statusCode, modern.body]).toEqual([500, executorReply.body]);
      const legacy = await post({ query: ORDERS }, { accept: 'application/json' });
      expect([legacy.statusCode, legacy.body]).toEqual([200, executorReply.body]);
    });

    it('answers a validation error 400 under graphql-response+json and 200 under application/json, forwarding nothing', async () => {
      const modern = await post({ query: '{ orders { id password } }' }, { accept: GRAPHQL_RESPONSE });
      expect([modern.statusCode, codeOf(modern.body)]).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
      const legacy = await post({ query: '{ orders { id password } }' });
      expect([legacy.statusCode, codeOf(legacy.body)]).toEqual([200, 'GRAPHQL_VALIDATION_FAILED']);
      expect(received).toEqual([]);
    });
  });

  describe('GET and POST', () => {
    it.each([
      ['a mutation', UPDATE_PRODUCT],
      ['a mutation that would not even validate', 'mutation { dropEverything }'],
    ])('refuses %s over GET with 405, Allow: POST and FRAISEQL_OPERATION_NOT_SUPPORTED, under both media types', async (_name, query) => {
      for (const accept of ['application/json', GRAPHQL_RESPONSE]) {
        const response = await get({ query }, { accept });
        expect(response.statusCode).toBe(405);
        expect(response.headers.allow).toBe('POST');
        expect(codeOf(response.body)).toBe('FRAISEQL_OPERATION_NOT_SUPPORTED');
      }
      expect(received).toEqual([]);
    });

    it('refuses a subscription over HTTP with FRAISEQL_OPERATION_NOT_SUPPORTED (400), forwarding nothing', async () => {
      const response = await post({ query: 'subscription { orderChanged { eventId } }' }, { accept: GRAPHQL_RESPONSE });
      expect(response.statusCode).toBe(400);
      expect(response.headers.allow).toBeUndefined();
      expect(codeOf(response.body)).toBe('FRAISEQL_OPERATION_NOT_SUPPORTED');
      expect(received).toEqual([]);
    });
  });

  describe('malformed requests', () => {
    it.each([
      ['a body that is not JSON', 'application/json', '{"query": ', /Malformed GraphQL request/],
      ['an empty JSON body', 'application/json', '', /Body cannot be empty/],
      ['a JSON array', 'application/json', '[]', /body must be object/],
      ['a query that is not a string', 'application/json', '{"query": 42}', /Malformed GraphQL request/],
      ['no query', 'application/json', '{"variables": {}}', /no "query"/],
      ['variables that are not an object', 'application/json', '{"query": "{ orders { id } }", "variables": [1]}', /variables/],
      ['an operationName that is not a string', 'application/json', '{"query": "{ orders { id } }", "operationName": 7}', /operationName/],
      ['a text/plain body', 'text/plain', '{"query": "{ orders { id } }"}', /body must be object/],
      [
        'a form body (unsupported media type)',
        'application/x-www-form-urlencoded',
        'query=%7B%20orders%20%7B%20id%20%7D%20%7D',
        /Unsupported Media Type/,
      ],
    ])('refuses %s with 400 FRAISEQL_BAD_REQUEST, forwarding nothing', async (_name, contentType, payload, message) => {
      const response = await app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { ...AS_ORG, 'content-type': contentType, accept: GRAPHQL_RESPONSE },
        payload,
      });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toBe(`${GRAPHQL_RESPONSE}; charset=utf-8`);
      const body = JSON.parse(response.body) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0]!.extensions).toEqual({ code: 'FRAISEQL_BAD_REQUEST' });
      expect(body.errors[0]!.message).toMatch(message);
      expect(received).toEqual([]);
    });

    it.each([
      ['no query', {}, /no "query"/],
      ['variables that are not JSON', { query: ORDERS, variables: '{nope' }, /"variables" is not valid JSON/],
      ['extensions that are not JSON', { query: ORDERS, extensions: '{nope' }, /"extensions" is not valid JSON/],
    ])('refuses a GET with %s with 400 FRAISEQL_BAD_REQUEST', async (_name, params, message) => {
      const response = await get(params);
      expect(response.statusCode).toBe(400);
      expect(codeOf(response.body)).toBe('FRAISEQL_BAD_REQUEST');
      expect(JSON.parse(response.body).errors[0].message).toMatch(message);
      expect(received).toEqual([]);
    });

    it(`refuses a body over ${BODY_LIMIT} bytes with 413 FRAISEQL_DOCUMENT_TOO_LARGE, and serves the next request`, async () => {
      const response = await post({ query: `${ORDERS} # ${'x'.repeat(BODY_LIMIT)}` });
      expect(response.statusCode).toBe(413);
      expect(JSON.parse(response.body)).toEqual({
        errors: [{ message: `The request body exceeds ${BODY_LIMIT} bytes`, extensions: { code: 'FRAISEQL_DOCUMENT_TOO_LARGE' } }],
      });
      expect(received).toEqual([]);
      expect((await post({ query: ORDERS })).body).toBe(EXECUTOR_BODY);
    });

    it.each([
      ['an empty key', ''],
      ['a key with surrounding spaces', ' key-1 '],
      ['a key of 300 characters', 'k'.repeat(300)],
    ])('refuses a mutation with %s as Idempotency-Key with 400 FRAISEQL_BAD_REQUEST, forwarding nothing', async (_name, key) => {
      const response = await post({ query: UPDATE_PRODUCT, variables: { input: { id: 'p-1' } } }, { 'idempotency-key': key });
      expect(response.statusCode).toBe(400);
      expect(codeOf(response.body)).toBe('FRAISEQL_BAD_REQUEST');
      expect(JSON.parse(response.body).errors[0].message).toMatch(/Idempotency-Key/);
      expect(received).toEqual([]);
    });
  });

  describe('admission control', () => {
    it('refuses requests beyond maxInFlight with 503 FRAISEQL_OVERLOADED and Retry-After, then admits again once one finishes', async () => {
      const inFlight = async (): Promise<number> =>
        Number(/fraiseql_gateway_requests_in_flight\{operation="all"\} (\d+)/.exec(await registry.metrics())?.[1]);
      let release!: () => void;
      held = new Promise((resolve) => (release = resolve));
      const admitted = Array.from({ length: 10 }, () => post({ query: ORDERS }));
      await waitFor(() => received.length === 10);
      expect(await inFlight()).toBe(10);
      const refused = await post({ query: ORDERS }, { accept: GRAPHQL_RESPONSE });
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
      expect(codeOf(refused.body)).toBe('FRAISEQL_OVERLOADED');
      expect(received).toHaveLength(10);
      release();
      expect((await Promise.all(admitted)).map((r) => r.body)).toEqual(Array(10).fill(EXECUTOR_BODY));
      expect(await inFlight()).toBe(0);
      expect((await post({ query: ORDERS })).body).toBe(EXECUTOR_BODY);
    });
  });

  describe('before a schema is loaded', () => {
    it('answers 503 FRAISEQL_SCHEMA_UNAVAILABLE under both media types', async () => {
      planner = undefined;
      for (const accept of ['application/json', GRAPHQL_RESPONSE]) {
        const response = await post({ query: ORDERS }, { accept });
        expect(response.statusCode).toBe(503);
        expect(codeOf(response.body)).toBe('FRAISEQL_SCHEMA_UNAVAILABLE');
      }
      expect(received).toEqual([]);
    });
  });

  describe('request id, access log and metrics', () => {
    it('echoes a well-formed x-request-id and replaces a malformed one, on every route', async () => {
      expect((await post({ query: ORDERS }, { 'x-request-id': 'abc.DEF:1-2_3' })).headers['x-request-id']).toBe('abc.DEF:1-2_3');
      const replaced = await post({ query: ORDERS }, { 'x-request-id': 'no spaces allowed' });
      expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(received[1]!.headers?.get(HEADERS.requestId)).toBe(replaced.headers['x-request-id']);
      const missing = await app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'req-404' } });
      expect([missing.statusCode, missing.headers['x-request-id']]).toEqual([404, 'req-404']);
    });

    it('writes one access-log line per request with the operation facts, never the query text or variables', async () => {
      await post(
        { query: 'query SecretName($n: Int) { orders(limit: $n) { id } }', variables: { n: 987654 }, operationName: 'SecretName' },
        { 'x-request-id': 'req-log-1' },
      );
      await app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { ...AS_ORG, 'content-type': 'application/json', 'x-request-id': 'req-log-2' },
        payload: '{"query": ',
      });
      await app.inject({ method: 'GET', url: '/nowhere?q=1', headers: { 'x-request-id': 'req-log-3' } });
      const lines = logs()
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'request completed');
      const of = (id: string) => lines.filter((l) => l.requestId === id);
      expect(of('req-log-1')).toEqual([
        expect.objectContaining({
          method: 'POST',
          path: '/graphql',
          status: 200,
          operationType: 'query',
          operationName: 'SecretName',
          operationHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        }),
      ]);
      expect(JSON.stringify(of('req-log-1'))).not.toMatch(/orders|987654/);
      expect(of('req-log-2')).toEqual([expect.objectContaining({ status: 400, operationType: 'unknown', code: 'FRAISEQL_BAD_REQUEST' })]);
      // An unknown route is logged (and counted) with its code like any other refusal; it carries no GraphQL operation.
      expect(of('req-log-3')).toEqual([
        expect.objectContaining({
          method: 'GET',
          path: '/nowhere',
          status: 404,
          operationType: 'unknown',
          code: 'FRAISEQL_ROUTE_NOT_FOUND',
        }),
      ]);
      expect(of('req-log-3')[0]).not.toHaveProperty('operationHash');
    });

    it("counts requests by operation, the code they ended with and the outcome it implies (a failed reply without a code is the executor's bug: FRAISEQL_INTERNAL)", async () => {
      const count = async (labels: string): Promise<number> => {
        const match = new RegExp(`fraiseql_gateway_requests_total\\{${labels.replace(/[{}]/g, '\\$&')}\\} (\\d+)`).exec(
          await registry.metrics(),
        );
        return match ? Number(match[1]) : 0;
      };
      const success = 'operation="query",outcome="success",code=""';
      const badRequest = 'operation="unknown",outcome="client_error",code="FRAISEQL_BAD_REQUEST"';
      const tooLarge = 'operation="unknown",outcome="client_error",code="FRAISEQL_DOCUMENT_TOO_LARGE"';
      const executorError = 'operation="query",outcome="server_error",code="FRAISEQL_INTERNAL"';
      const before = await Promise.all([success, badRequest, tooLarge, executorError].map(count));
      await post({ query: ORDERS });
      await app.inject({ method: 'POST', url: '/graphql', headers: { ...AS_ORG, 'content-type': 'application/json' }, payload: '[]' });
      await post({ query: 'x'.repeat(BODY_LIMIT) });
      executorReply = { body: '{"errors":[]}', status: 500 };
      await post({ query: ORDERS });
      const after = await Promise.all([success, badRequest, tooLarge, executorError].map(count));
      expect(after.map((n, i) => n - before[i]!)).toEqual([1, 1, 1, 1]);
    });
  });
});
