import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { connect, type Msg, type NatsConnection, type Subscription } from 'nats';
import { Registry } from 'prom-client';
import { isErrorCode } from '@fraiseql/errors';
import { encodeOperationReply, OPERATION_SUBJECTS } from '@fraiseql/nats-contract';
import { QueryPlanner } from '@fraiseql/query-planner';
import { RateLimits } from '@fraiseql/rate-limits';
import type { CompiledSchema } from '@fraiseql/schema';
import { createLogger, createRedMetrics } from '@fraiseql/service-kit';
import { captureLines, startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { createQueryForwarder, type QueryForwarder } from '../src/forward-query';
import { buildServer } from '../src/server';

// Every way a request can fail, driven over the real app (plugins, auth, planner, Redis rate limits, a stand-in
// executor over real NATS): the metrics' `code` label and the access log name a documented code (docs/errors.md),
// never an HTTP status made into a code.

const SHOP = JSON.parse(readFileSync(join(__dirname, '../../../examples/shop/schema.compiled.json'), 'utf8')) as CompiledSchema;
const ORG = '00000000-0000-4000-8000-000000000001';
const JWT_SECRET = 'a-jwt-secret-of-at-least-32-characters!';
const SHARED_REDIS = 'redis://127.0.0.1:6379';
const QUERY = '{ orders(limit: 1) { id } }';

describe('gateway error codes in metrics and logs (real NATS, real Redis, fastify.inject)', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let forwarder: QueryForwarder;
  let subscription: Subscription;
  let rateLimits: RateLimits;
  let app: FastifyInstance;
  let registry: Registry;
  let lines: () => string[];
  const prefix = `fraiseql-h4-codes:${randomUUID()}`;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    subscription = nc.subscribe(OPERATION_SUBJECTS.query, {
      callback: (_e, msg: Msg) => {
        // The executor refuses with its own code after the gateway accepted the request.
        const { data, headers } = encodeOperationReply({
          body: '{"errors":[{"message":"duplicate","extensions":{"code":"FRAISEQL_DB_CONSTRAINT_VIOLATION"}}]}',
          status: 409,
          schemaHash: SHOP.hash,
          errorCode: 'FRAISEQL_DB_CONSTRAINT_VIOLATION',
        });
        msg.respond(data, { headers });
      },
    });
    await nc.flush();
    registry = new Registry();
    const captured = captureLines();
    lines = captured.lines;
    const logger = createLogger({ service: 'gateway', level: 'info', destination: captured.destination });
    forwarder = createQueryForwarder(nc, { livenessMs: 0, logger, registry });
    rateLimits = await RateLimits.open(
      { redisUrl: SHARED_REDIS, keyPrefix: prefix, principal: { requests: 1, windowS: 60 } },
      { logger, registry: new Registry() },
    );
    const planner = new QueryPlanner(SHOP, { cursorSecret: 'a-cursor-secret-of-at-least-32-characters' });
    app = buildServer({
      logger,
      graphiql: false,
      planner: () => planner,
      forwarder,
      requestTimeoutMs: 5000,
      maxInFlight: 64,
      bodyLimitBytes: 4096,
      auth: { devAuth: false, jwtSecret: JWT_SECRET },
      metrics: createRedMetrics(registry, { prefix: 'fraiseql_gateway' }),
      rateLimits,
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await rateLimits?.close();
    forwarder?.close();
    subscription?.unsubscribe();
    await nc?.close();
    await nats?.dispose();
    const redis = new Redis(SHARED_REDIS);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  async function token(subject: string): Promise<string> {
    return new SignJWT({ sub: subject, org_id: ORG, roles: ['staff'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET));
  }

  it('labels every failure, before and after the request was accepted, with a documented code', async () => {
    const json = { 'content-type': 'application/json' };
    const auth = async (subject: string) => ({ ...json, authorization: `Bearer ${await token(subject)}` });
    const failures: Array<{ status: number; code: string; response: Promise<{ statusCode: number; body: string }> }> = [
      // The body cannot be parsed (fastify's content parser, before the handler).
      {
        status: 400,
        code: 'FRAISEQL_BAD_REQUEST',
        response: app.inject({ method: 'POST', url: '/graphql', headers: json, payload: '{"query":' }),
      },
      // A content type GraphQL over HTTP does not accept (FRAISEQL_BAD_REQUEST is a 400, docs/errors.md).
      {
        status: 400,
        code: 'FRAISEQL_BAD_REQUEST',
        response: app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'text/csv' }, payload: 'a,b' }),
      },
      // Larger than the body limit.
      {
        status: 413,
        code: 'FRAISEQL_DOCUMENT_TOO_LARGE',
        response: app.inject({
          method: 'POST',
          url: '/graphql',
          headers: json,
          payload: JSON.stringify({ query: `{ ${'x'.repeat(5000)} }` }),
        }),
      },
      // A method GraphQL is not served over.
      { status: 405, code: 'FRAISEQL_OPERATION_NOT_SUPPORTED', response: app.inject({ method: 'DELETE', url: '/graphql' }) },
      // No route at all.
      { status: 404, code: 'FRAISEQL_ROUTE_NOT_FOUND', response: app.inject({ method: 'GET', url: '/no/such/route' }) },
      // A bad credential.
      {
        status: 401,
        code: 'FRAISEQL_UNAUTHENTICATED',
        response: app.inject({
          method: 'POST',
          url: '/graphql',
          headers: { ...json, authorization: 'Bearer nope' },
          payload: JSON.stringify({ query: QUERY }),
        }),
      },
      // Accepted, then refused by validation against the schema.
      {
        status: 200,
        code: 'GRAPHQL_VALIDATION_FAILED',
        response: app.inject({
          method: 'POST',
          url: '/graphql',
          headers: await auth('validation'),
          payload: JSON.stringify({ query: '{ noSuchField }' }),
        }),
      },
      // Accepted, forwarded, and refused by the executor with its code.
      {
        status: 200,
        code: 'FRAISEQL_DB_CONSTRAINT_VIOLATION',
        response: app.inject({
          method: 'POST',
          url: '/graphql',
          headers: await auth('executor'),
          payload: JSON.stringify({ query: QUERY }),
        }),
      },
    ];
    for (const failure of failures) {
      const response = await failure.response;
      const body = JSON.parse(response.body) as { errors?: Array<{ extensions?: { code?: string } }> };
      expect({ status: response.statusCode, code: body.errors?.[0]?.extensions?.code }).toEqual({
        status: failure.status,
        code: failure.code,
      });
    }
    // The second request of a caller allowed one per minute.
    const limited = await auth('limited');
    await app.inject({ method: 'POST', url: '/graphql', headers: limited, payload: JSON.stringify({ query: QUERY }) });
    const refused = await app.inject({ method: 'POST', url: '/graphql', headers: limited, payload: JSON.stringify({ query: QUERY }) });
    expect(refused.statusCode).toBe(429);

    const metrics = await registry.metrics();
    const labelled = [...metrics.matchAll(/^fraiseql_gateway_requests_total\{[^}]*code="([^"]*)"[^}]*\} (\d+)/gm)].map((m) => m[1]!);
    expect(new Set(labelled)).toEqual(
      new Set([
        'FRAISEQL_BAD_REQUEST',
        'FRAISEQL_DOCUMENT_TOO_LARGE',
        'FRAISEQL_OPERATION_NOT_SUPPORTED',
        'FRAISEQL_ROUTE_NOT_FOUND',
        'FRAISEQL_UNAUTHENTICATED',
        'GRAPHQL_VALIDATION_FAILED',
        'FRAISEQL_DB_CONSTRAINT_VIOLATION',
        'FRAISEQL_RATE_LIMITED',
      ]),
    );
    expect(labelled.every(isErrorCode)).toBe(true);
    expect(metrics).not.toMatch(/code="HTTP_/);

    const logged = lines()
      .map((line) => JSON.parse(line) as { msg: string; status?: number; code?: string })
      .filter((entry) => entry.msg === 'request completed' && (entry.status ?? 0) >= 400);
    // Every failed request's access-log line carries its code (a 200 with errors is counted above by its code).
    expect(logged.length).toBeGreaterThanOrEqual(7);
    for (const entry of logged)
      expect({ status: entry.status, code: entry.code, documented: isErrorCode(entry.code) }).toEqual({
        status: entry.status,
        code: expect.any(String),
        documented: true,
      });
    expect(lines().join('\n')).not.toMatch(/"code":"HTTP_/);
  });
});
