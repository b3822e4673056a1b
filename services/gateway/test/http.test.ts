import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { connect, type Msg, type NatsConnection, type Subscription } from 'nats';
import { Registry } from 'prom-client';
import { decodeOperationRequest, encodeOperationReply, OPERATION_SUBJECTS, type OperationRequest } from '@fraiseql/nats-contract';
import { QueryPlanner } from '@fraiseql/query-planner';
import type { CompiledSchema } from '@fraiseql/schema';
import { createLogger, createRedMetrics } from '@fraiseql/service-kit';
import { captureLines, startNatsServer, waitFor, type TestNatsServer } from '@fraiseql/testkit';
import { createQueryForwarder, type QueryForwarder } from '../src/forward-query';
import { buildServer } from '../src/server';

// The gateway's HTTP behaviour through fastify.inject(): the real app (plugins, auth, planner, forwarder
// over a real NATS server); the query-executor is a stand-in responder that records what it received
// and answers with canned bytes, so each test controls the executor's reply.

const SHOP = JSON.parse(readFileSync(join(__dirname, '../../../examples/shop/schema.compiled.json'), 'utf8')) as CompiledSchema;
const ORG = '00000000-0000-4000-8000-000000000001';
const JWT_SECRET = 'a-jwt-secret-of-at-least-32-characters!';
const QUERY = '{ orders(limit: 1) { id } }';
const GRAPHQL_RESPONSE = 'application/graphql-response+json';

interface StandInReply {
  body: string;
  status: number;
  errorCode?: 'FRAISEQL_DB_CONSTRAINT_VIOLATION' | 'FRAISEQL_TIMEOUT';
  /** The stand-in holds the reply until the test releases it. */
  hold?: boolean;
}

describe('gateway HTTP behaviour (fastify.inject, real NATS, stand-in executor)', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let forwarder: QueryForwarder;
  let app: FastifyInstance;
  let registry: Registry;
  let subscriptions: Subscription[];
  const received: OperationRequest[] = [];
  let next: StandInReply = { body: '{"data":{"orders":[]}}', status: 200 };
  /** Replies the stand-in holds back until the test releases them. */
  const held: Array<() => void> = [];
  const releaseHeld = (): void => held.splice(0).forEach((respond) => respond());

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    const answer = (msg: Msg): void => {
      received.push(decodeOperationRequest(msg));
      const reply = next;
      const { data, headers } = encodeOperationReply({
        body: reply.body,
        status: reply.status,
        schemaHash: SHOP.hash,
        ...(reply.errorCode ? { errorCode: reply.errorCode } : {}),
      });
      if (!reply.hold) msg.respond(data, { headers });
      else held.push(() => msg.respond(data, { headers }));
    };
    subscriptions = [
      nc.subscribe(OPERATION_SUBJECTS.query, { callback: (_e, m) => answer(m) }),
      nc.subscribe(OPERATION_SUBJECTS.mutation, { callback: (_e, m) => answer(m) }),
    ];
    await nc.flush();
    registry = new Registry();
    const logger = createLogger({ service: 'gateway', level: 'info', destination: captureLines().destination });
    forwarder = createQueryForwarder(nc, { livenessMs: 0, logger, registry });
    const planner = new QueryPlanner(SHOP, { cursorSecret: 'a-cursor-secret-of-at-least-32-characters' });
    app = buildServer({
      logger,
      graphiql: false,
      planner: () => planner,
      forwarder,
      requestTimeoutMs: 5000,
      maxInFlight: 1,
      bodyLimitBytes: 4096,
      auth: { devAuth: true, jwtSecret: JWT_SECRET },
      metrics: createRedMetrics(registry, { prefix: 'fraiseql_gateway' }),
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    forwarder?.close();
    for (const s of subscriptions ?? []) s.unsubscribe();
    await nc?.close();
    await nats?.dispose();
  });

  beforeEach(() => {
    received.length = 0;
    next = { body: '{"data":{"orders":[]}}', status: 200 };
  });

  const devCaller = { 'x-fraiseql-dev-subject': 'alice', 'x-fraiseql-dev-org': ORG, 'x-fraiseql-dev-roles': 'staff' };
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', ...devCaller, ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  it('forwards a POST with the caller and returns the executor bytes untouched, with the request id', async () => {
    next = { body: '{"data":{"orders":[{"id":"a"}]}}  ', status: 200 };
    const response = await post({ query: QUERY });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"data":{"orders":[{"id":"a"}]}}  ');
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['x-request-id']).toEqual(expect.any(String));
    expect(received).toHaveLength(1);
    expect(received[0]!.body).toEqual({ query: QUERY, variables: null, operationName: null });
    expect(received[0]!.meta.caller).toEqual({ subject: 'alice', orgId: ORG, roles: ['staff'] });
    expect(received[0]!.meta.requestId).toBe(response.headers['x-request-id']);
  });

  it("keeps the executor's status under application/graphql-response+json and answers 200 under legacy application/json", async () => {
    next = {
      body: '{"data":null,"errors":[{"message":"x","extensions":{"code":"FRAISEQL_TIMEOUT"}}]}',
      status: 504,
      errorCode: 'FRAISEQL_TIMEOUT',
    };
    const modern = await post({ query: QUERY }, { accept: GRAPHQL_RESPONSE });
    expect(modern.statusCode).toBe(504);
    expect(modern.headers['content-type']).toBe(`${GRAPHQL_RESPONSE}; charset=utf-8`);
    const legacy = await post({ query: QUERY }, { accept: 'application/json' });
    expect(legacy.statusCode).toBe(200);
    expect(legacy.body).toBe(modern.body);
  });

  it('refuses a document that does not validate before forwarding it (400 under graphql-response+json, 200 under legacy JSON)', async () => {
    const modern = await post({ query: '{ orders { nope } }' }, { accept: GRAPHQL_RESPONSE });
    expect(modern.statusCode).toBe(400);
    expect(modern.json().errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const legacy = await post({ query: '{ orders { nope } }' });
    expect(legacy.statusCode).toBe(200);
    expect(received).toHaveLength(0);
  });

  it('serves a query over GET and refuses a mutation over GET with 405 and Allow: POST', async () => {
    const get = await app.inject({ method: 'GET', url: `/graphql?query=${encodeURIComponent(QUERY)}`, headers: devCaller });
    expect(get.statusCode).toBe(200);
    const mutation = 'mutation { cancelOrder(input: { id: "00000000-0000-4000-8000-000000000009" }) { __typename } }';
    const refused = await app.inject({ method: 'GET', url: `/graphql?query=${encodeURIComponent(mutation)}`, headers: devCaller });
    expect(refused.statusCode).toBe(405);
    expect(refused.headers.allow).toBe('POST');
    expect(refused.json().errors[0].extensions.code).toBe('FRAISEQL_OPERATION_NOT_SUPPORTED');
    expect(received).toHaveLength(1);
  });

  it.each(['PUT', 'PATCH', 'DELETE'] as const)('answers %s /graphql with 405, Allow: GET, POST and a FRAISEQL_* code', async (method) => {
    const before = received.length;
    const response = await app.inject({
      method,
      url: '/graphql',
      headers: { 'content-type': 'application/json', ...devCaller },
      payload: { query: QUERY },
    });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET, POST');
    expect(response.json().errors[0].extensions.code).toBe('FRAISEQL_OPERATION_NOT_SUPPORTED');
    expect(received).toHaveLength(before);
  });

  it.each([
    ['a body that is not JSON', '{"query": ', 'application/json', 400, 'FRAISEQL_BAD_REQUEST'],
    ['a JSON body without a query', '{"variables": {}}', 'application/json', 400, 'FRAISEQL_BAD_REQUEST'],
    ['variables that are a list', `{"query": "${QUERY}", "variables": [1]}`, 'application/json', 400, 'FRAISEQL_BAD_REQUEST'],
    ['a media type the gateway does not read', '<query/>', 'application/xml', 400, 'FRAISEQL_BAD_REQUEST'],
    [
      'a body over the limit',
      JSON.stringify({ query: `{ orders { id } } #${'x'.repeat(5000)}` }),
      'application/json',
      413,
      'FRAISEQL_DOCUMENT_TOO_LARGE',
    ],
  ])('refuses %s with a GraphQL error body and a stable code', async (_name, payload, contentType, status, code) => {
    const response = await post(payload, { 'content-type': contentType, accept: GRAPHQL_RESPONSE });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toBe(`${GRAPHQL_RESPONSE}; charset=utf-8`);
    expect(response.json()).toEqual({ errors: [{ message: expect.any(String), extensions: { code } }] });
    expect(received).toHaveLength(0);
  });

  it('refuses credentials that do not verify with 401 and WWW-Authenticate, never as anonymous', async () => {
    const expired = await new SignJWT({ org_id: ORG })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bob')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(JWT_SECRET));
    const response = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${expired}` },
      payload: { query: QUERY },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json().errors[0].extensions.code).toBe('FRAISEQL_UNAUTHENTICATED');
    expect(received).toHaveLength(0);
  });

  it('passes a mutation with its Idempotency-Key and refuses a malformed key before forwarding', async () => {
    const mutation = 'mutation { cancelOrder(input: { id: "00000000-0000-4000-8000-000000000009" }) { __typename } }';
    await post({ query: mutation }, { 'idempotency-key': 'cancel-9' });
    expect(received.map((r) => r.meta.idempotencyKey)).toEqual(['cancel-9']);
    // Two Idempotency-Key lines on the wire: over a real socket, since inject() folds a repeated header into one.
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const repeated = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/graphql' }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.setHeader('content-type', 'application/json');
      for (const [name, value] of Object.entries(devCaller)) request.setHeader(name, value);
      request.setHeader('idempotency-key', ['k-1', 'k-2']);
      request.end(JSON.stringify({ query: mutation }));
    });
    expect(repeated.status).toBe(400);
    expect((JSON.parse(repeated.body) as { errors: Array<{ message: string }> }).errors[0]!.message).toMatch(/may appear only once/);
    const bad = await post({ query: mutation }, { 'idempotency-key': ' padded ' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].extensions.code).toBe('FRAISEQL_BAD_REQUEST');
    expect(received).toHaveLength(1);
  });

  it('refuses a request over the in-flight bound at once with 503 and Retry-After', async () => {
    // The stand-in holds its reply until the second request has been answered: the first is in flight throughout.
    next = { body: '{"data":{"orders":[]}}', status: 200, hold: true };
    const first = post({ query: QUERY });
    await waitFor(() => received.length === 1);
    const second = await post({ query: QUERY });
    releaseHeld();
    expect((await first).statusCode).toBe(200);
    expect(second.statusCode).toBe(503);
    expect(second.headers['retry-after']).toBe('1');
    expect(second.json().errors[0].extensions.code).toBe('FRAISEQL_OVERLOADED');
  });

  it("counts each request with its code, the executor's code for a forwarded failure, and the outcome that follows", async () => {
    next = { body: '{"data":{"createOrder":null},"errors":[]}', status: 409, errorCode: 'FRAISEQL_DB_CONSTRAINT_VIOLATION' };
    await post({ query: QUERY }, { accept: GRAPHQL_RESPONSE });
    const text = await registry.metrics();
    expect(text).toMatch(
      /fraiseql_gateway_requests_total\{operation="query",outcome="client_error",code="FRAISEQL_DB_CONSTRAINT_VIOLATION"\} 1/,
    );
    expect(text).toMatch(/fraiseql_gateway_requests_total\{operation="query",outcome="timeout",code="FRAISEQL_TIMEOUT"\} 2/);
    expect(text).toMatch(/fraiseql_gateway_requests_total\{operation="unknown",outcome="client_error",code="FRAISEQL_UNAUTHENTICATED"\} 1/);
    expect(text).toMatch(/fraiseql_gateway_requests_total\{operation="unknown",outcome="overloaded",code="FRAISEQL_OVERLOADED"\} 1/);
    expect(text).not.toMatch(/code="HTTP_/);
  });
});
