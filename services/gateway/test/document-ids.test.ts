import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { documentIdOf, RoleQueryLimits } from '@fraiseql/graphql-runtime';
import { QueryPlanner } from '@fraiseql/query-planner';
import type { CompiledSchema } from '@fraiseql/schema';
import { captureLines } from '@fraiseql/testkit';
import { createLogger, createRedMetrics } from '@fraiseql/service-kit';
import type { GraphqlRequest } from '../src/graphql-request';
import { buildServer } from '../src/server';
import { TrustedDocuments } from '../src/trusted-documents';

// How the gateway reads document ids and applies per-role limits, through fastify.inject() on the real app:
// what matters here is what reaches the executor, so the forwarder records the requests it is given.

const SHOP = JSON.parse(readFileSync(join(__dirname, '../../../examples/shop/schema.compiled.json'), 'utf8')) as CompiledSchema;
const QUERY = '{ orders(limit: 2) { id } }';
const ORG = '00000000-0000-4000-8000-000000000001';

describe('document ids and per-role limits over HTTP (off mode, no bucket read)', () => {
  let app: FastifyInstance;
  const forwarded: GraphqlRequest[] = [];

  beforeAll(async () => {
    const logger = createLogger({ service: 'gateway', level: 'warn', destination: captureLines().destination });
    const registry = new Registry();
    const planner = new QueryPlanner(SHOP, { cursorSecret: 'a-cursor-secret-of-at-least-32-characters' });
    app = buildServer({
      logger,
      graphiql: false,
      planner: () => planner,
      forwarder: {
        forward: async (request) => {
          forwarded.push(request);
          return { status: 200, body: Buffer.from('{"data":{"orders":[]}}') };
        },
      },
      requestTimeoutMs: 5000,
      maxInFlight: 10,
      bodyLimitBytes: 65_536,
      auth: { devAuth: true },
      metrics: createRedMetrics(registry, { prefix: 'fraiseql_gateway' }),
      trustedDocuments: new TrustedDocuments({ mode: 'off', logger }),
      queryLimits: new RoleQueryLimits({ defaults: { depth: 15, nodes: 10, cost: 1000 }, roles: { bulk: { nodes: 1000 } } }),
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
  });
  beforeEach(() => {
    forwarded.length = 0;
  });

  const post = (payload: unknown, roles = 'staff') =>
    app.inject({
      method: 'POST',
      url: '/graphql',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        'x-fraiseql-dev-subject': 'alice',
        'x-fraiseql-dev-org': ORG,
        'x-fraiseql-dev-roles': roles,
      },
      payload: JSON.stringify(payload),
    });
  const codeOf = (body: string): unknown =>
    (JSON.parse(body) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code;

  it('forwards the text of a request that also carries its matching Apollo persisted-query hash', async () => {
    const response = await post({ query: QUERY, extensions: { persistedQuery: { version: 1, sha256Hash: documentIdOf(QUERY) } } });
    expect(response.statusCode).toBe(200);
    expect(forwarded).toEqual([{ query: QUERY, variables: null, operationName: null }]);
  });

  it.each([
    ['a documentId that is not a string', { documentId: 42 }, 'FRAISEQL_BAD_REQUEST'],
    ['a documentId that is not sha256:<hex>', { documentId: 'md5:abc' }, 'FRAISEQL_BAD_REQUEST'],
    ['a persistedQuery without sha256Hash', { extensions: { persistedQuery: { version: 1 } } }, 'FRAISEQL_BAD_REQUEST'],
    ['a text that does not hash to its id', { query: QUERY, documentId: `sha256:${'b'.repeat(64)}` }, 'FRAISEQL_BAD_REQUEST'],
    ['an id while trusted documents are off', { documentId: `sha256:${documentIdOf(QUERY)}` }, 'FRAISEQL_DOCUMENT_NOT_FOUND'],
  ])('refuses %s and forwards nothing', async (_what, payload, code) => {
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    expect(codeOf(response.body)).toBe(code);
    expect(forwarded).toEqual([]);
  });

  it('refuses a caller over its node limit before anything reaches an executor, and forwards it for a role allowed more', async () => {
    const query = '{ orders(limit: 11) { id } }';
    const refused = await post({ query });
    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body).errors[0].extensions).toEqual({ code: 'FRAISEQL_NODE_LIMIT_EXCEEDED', nodes: 11, maxNodes: 10 });
    expect(forwarded).toEqual([]);
    expect((await post({ query }, 'staff,bulk')).statusCode).toBe(200);
    expect(forwarded).toEqual([{ query, variables: null, operationName: null }]);
  });
});
