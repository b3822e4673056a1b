import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { connect, type Msg, type NatsConnection, type Subscription } from 'nats';
import { Registry } from 'prom-client';
import { encodeOperationReply, OPERATION_SUBJECTS } from '@fraiseql/nats-contract';
import { QueryPlanner } from '@fraiseql/query-planner';
import { RateLimits, type RateLimitedEvent, type RateLimitsOptions } from '@fraiseql/rate-limits';
import type { CompiledSchema } from '@fraiseql/schema';
import { createLogger, createRedMetrics, loadConfig } from '@fraiseql/service-kit';
import { captureLines, startNatsServer, startRedisServer, waitFor, type TestNatsServer } from '@fraiseql/testkit';
import { gatewayConfig } from '../src/config';
import { createQueryForwarder, type QueryForwarder } from '../src/forward-query';
import { buildServer } from '../src/server';

// Rate limits on the gateway's real HTTP app (fastify.inject), counted in real Redis (the shared server on 6379 under
// a key prefix of each test's own, or a private redis-server that a test stops); the query-executor is a stand-in
// on a real NATS server that counts what reaches it.

const SHOP = JSON.parse(readFileSync(join(__dirname, '../../../examples/shop/schema.compiled.json'), 'utf8')) as CompiledSchema;
const ORG = '00000000-0000-4000-8000-000000000001';
const JWT_SECRET = 'a-jwt-secret-of-at-least-32-characters!';
const QUERY = '{ orders(limit: 1) { id } }';
const SHARED_REDIS = 'redis://127.0.0.1:6379';

interface TestGateway {
  app: FastifyInstance;
  rateLimits: RateLimits;
  registry: Registry;
  lines: () => string[];
  refusals: RateLimitedEvent[];
}

describe('gateway rate limits (real Redis, fastify.inject, stand-in executor over real NATS)', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let forwarder: QueryForwarder;
  let subscriptions: Subscription[];
  let redis: Redis;
  let executed = 0;
  const started: TestGateway[] = [];
  const prefixes: string[] = [];
  const planner = new QueryPlanner(SHOP, { cursorSecret: 'a-cursor-secret-of-at-least-32-characters' });

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    const answer = (msg: Msg): void => {
      executed++;
      const { data, headers } = encodeOperationReply({ body: '{"data":{"orders":[]}}', status: 200, schemaHash: SHOP.hash });
      msg.respond(data, { headers });
    };
    subscriptions = [nc.subscribe(OPERATION_SUBJECTS.query, { callback: (_e, m) => answer(m) })];
    await nc.flush();
    forwarder = createQueryForwarder(nc, {
      livenessMs: 0,
      logger: createLogger({ service: 'gateway', level: 'silent' }),
      registry: new Registry(),
    });
    redis = new Redis(SHARED_REDIS);
  });

  afterEach(async () => {
    for (const gateway of started.splice(0)) {
      await gateway.app.close();
      await gateway.rateLimits.close();
    }
    for (const prefix of prefixes.splice(0)) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  });

  afterAll(async () => {
    forwarder?.close();
    for (const s of subscriptions ?? []) s.unsubscribe();
    await nc?.close();
    await nats?.dispose();
    redis?.disconnect();
  });

  beforeEach(() => {
    executed = 0;
  });

  /** A gateway replica whose limits count under `keyPrefix` (a fresh one unless given: replicas share it). */
  async function startGateway(limits: Partial<RateLimitsOptions>, keyPrefix?: string, trustProxy?: string[]): Promise<TestGateway> {
    const prefix = keyPrefix ?? `fraiseql-test:rl:${randomUUID()}`;
    if (!prefixes.includes(prefix)) prefixes.push(prefix);
    const registry = new Registry();
    const captured = captureLines();
    const logger = createLogger({ service: 'gateway', level: 'info', destination: captured.destination });
    const refusals: RateLimitedEvent[] = [];
    const rateLimits = await RateLimits.open(
      { redisUrl: SHARED_REDIS, keyPrefix: prefix, ...limits },
      { logger, registry, onRateLimited: (event) => refusals.push(event) },
    );
    const app = buildServer({
      logger,
      graphiql: false,
      planner: () => planner,
      forwarder,
      requestTimeoutMs: 5000,
      maxInFlight: 1000,
      bodyLimitBytes: 4096,
      auth: { devAuth: true, jwtSecret: JWT_SECRET },
      metrics: createRedMetrics(registry, { prefix: 'fraiseql_gateway' }),
      rateLimits,
      ...(trustProxy ? { trustProxy } : {}),
      exportDownloads: {
        signingKey: 'an-export-signing-key-of-at-least-32-chars',
        files: { stat: () => Promise.resolve(null), open: () => Promise.reject(new Error('no files')) },
        logger,
        rateLimits,
      },
    });
    await app.ready();
    const gateway = { app, rateLimits, registry, lines: captured.lines, refusals };
    started.push(gateway);
    return gateway;
  }

  const asCaller = (subject: string, roles = 'staff') => ({
    'x-fraiseql-dev-subject': subject,
    'x-fraiseql-dev-org': ORG,
    'x-fraiseql-dev-roles': roles,
  });
  const post = (app: FastifyInstance, headers: Record<string, string>, remoteAddress = '127.0.0.1') =>
    app.inject({
      method: 'POST',
      url: '/graphql',
      remoteAddress,
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify({ query: QUERY }),
    });
  const codeOf = (response: LightMyRequestResponse): string | undefined =>
    (response.json() as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code;
  const metric = async (registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> => {
    const found = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
    const value = found?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
    return Number(value?.value ?? 0);
  };
  const okCount = (responses: LightMyRequestResponse[]) => responses.filter((r) => r.statusCode === 200).length;

  it('two principals hammering two replicas at once: the one over its limit gets 429 + Retry-After + FRAISEQL_RATE_LIMITED, the other none', async () => {
    const limits = { ip: { requests: 0, windowS: 60 }, principal: { requests: 10, windowS: 60 } };
    const replicaA = await startGateway(limits);
    const replicaB = await startGateway(limits, prefixes[0]);
    const replicas = [replicaA.app, replicaB.app];
    // Interleaved: 40 requests of the noisy principal and 10 of the quiet one, spread over both replicas, all in flight together.
    const sends: Array<Promise<{ who: 'noisy' | 'quiet'; response: LightMyRequestResponse }>> = [];
    for (let i = 0; i < 40; i++) {
      sends.push(post(replicas[i % 2]!, asCaller('noisy')).then((response) => ({ who: 'noisy' as const, response })));
      if (i % 4 === 0)
        sends.push(post(replicas[(i + 1) % 2]!, asCaller('quiet')).then((response) => ({ who: 'quiet' as const, response })));
    }
    const results = await Promise.all(sends);
    const noisy = results.filter((r) => r.who === 'noisy').map((r) => r.response);
    const quiet = results.filter((r) => r.who === 'quiet').map((r) => r.response);

    expect(quiet.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    // One counter in Redis for both replicas: exactly the allowance passes, the rest is refused.
    expect(okCount(noisy)).toBe(10);
    const refused = noisy.filter((r) => r.statusCode !== 200);
    expect(refused).toHaveLength(30);
    for (const response of refused) {
      expect(response.statusCode).toBe(429);
      expect(codeOf(response)).toBe('FRAISEQL_RATE_LIMITED');
      const retryAfter = Number(response.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    // Refused requests never reached the executor.
    expect(executed).toBe(20);
    expect(await redis.get(`${prefixes[0]}:principal:${ORG}:noisy`)).toBe('40');
    expect(await redis.get(`${prefixes[0]}:principal:${ORG}:quiet`)).toBe('10');
    const counted =
      (await metric(replicaA.registry, 'fraiseql_rate_limited_total', { limiter: 'principal' })) +
      (await metric(replicaB.registry, 'fraiseql_rate_limited_total', { limiter: 'principal' }));
    expect(counted).toBe(30);
    const events = [...replicaA.refusals, ...replicaB.refusals];
    expect(events).toHaveLength(30);
    expect(events[0]).toMatchObject({ limiter: 'principal', key: `${ORG}:noisy`, caller: { subject: 'noisy', orgId: ORG } });
  });

  it('the per-address limit refuses before authentication: bad credentials from one address stop getting 401s, other addresses are unaffected', async () => {
    const gateway = await startGateway({ ip: { requests: 3, windowS: 60 }, principal: { requests: 0, windowS: 1 } });
    const badToken = { authorization: 'Bearer not.a.valid-token' };
    const attacker: LightMyRequestResponse[] = [];
    for (let i = 0; i < 5; i++) attacker.push(await post(gateway.app, badToken, '10.0.0.1'));
    expect(attacker.map((r) => r.statusCode)).toEqual([401, 401, 401, 429, 429]);
    expect(attacker.map(codeOf)).toEqual([
      'FRAISEQL_UNAUTHENTICATED',
      'FRAISEQL_UNAUTHENTICATED',
      'FRAISEQL_UNAUTHENTICATED',
      'FRAISEQL_RATE_LIMITED',
      'FRAISEQL_RATE_LIMITED',
    ]);
    expect(attacker[3]!.headers['retry-after']).toEqual(expect.stringMatching(/^\d+$/));
    // Valid credentials from the exhausted address are refused too: the address is counted before anything else.
    expect((await post(gateway.app, asCaller('alice'), '10.0.0.1')).statusCode).toBe(429);
    const other = await post(gateway.app, badToken, '10.0.0.2');
    expect(other.statusCode).toBe(401);
    expect((await post(gateway.app, asCaller('alice'), '10.0.0.3')).statusCode).toBe(200);
    expect(await metric(gateway.registry, 'fraiseql_rate_limited_total', { limiter: 'ip' })).toBe(3);
    expect(gateway.refusals.map((e) => e.key)).toEqual(['10.0.0.1', '10.0.0.1', '10.0.0.1']);
  });

  it('behind a trusted proxy the per-address limit counts the forwarded client address, not the proxy', async () => {
    const gateway = await startGateway({ ip: { requests: 2, windowS: 60 }, principal: { requests: 0, windowS: 1 } }, undefined, [
      '10.9.0.0/16',
    ]);
    const viaProxy = (client: string) => post(gateway.app, { ...asCaller('dana'), 'x-forwarded-for': client }, '10.9.0.5');
    expect(
      (await Promise.all([viaProxy('198.51.100.1'), viaProxy('198.51.100.1'), viaProxy('198.51.100.1')])).map((r) => r.statusCode).sort(),
    ).toEqual([200, 200, 429]);
    expect((await viaProxy('198.51.100.2')).statusCode).toBe(200);
    // An untrusted peer cannot choose its address by header.
    const direct = (forged: string) => post(gateway.app, { ...asCaller('dana'), 'x-forwarded-for': forged }, '203.0.113.9');
    const forged = await Promise.all([direct('192.0.2.1'), direct('192.0.2.2'), direct('192.0.2.3')]);
    expect(forged.map((r) => r.statusCode).sort()).toEqual([200, 200, 429]);
    expect(gateway.refusals.map((e) => e.key)).toEqual(['198.51.100.1', '203.0.113.9']);
  });

  it('a role override gives an analyst more than the principal default, and the most generous of the caller’s roles wins', async () => {
    const gateway = await startGateway({
      ip: { requests: 0, windowS: 1 },
      principal: { requests: 2, windowS: 60 },
      // Requests per second, over the principal's 60 s window: analyst 0.1/s → 6, admin 0.5/s → 30.
      roleRates: { analyst: 0.1, admin: 0.5 },
    });
    const burst = (subject: string, roles: string) =>
      Promise.all(Array.from({ length: 8 }, () => post(gateway.app, asCaller(subject, roles))));
    const [staff, analyst, both] = await Promise.all([burst('s', 'staff'), burst('a', 'staff,analyst'), burst('b', 'analyst,admin')]);
    expect(okCount(staff)).toBe(2);
    expect(okCount(analyst)).toBe(6);
    expect(okCount(both)).toBe(8);
    expect(executed).toBe(16);
  });

  it('export downloads are counted per client address: past the limit, a problem+json 429 with Retry-After', async () => {
    const gateway = await startGateway({ ip: { requests: 2, windowS: 60 } });
    const download = () => gateway.app.inject({ method: 'GET', url: '/v1/exports/not-a-token', remoteAddress: '10.1.1.1' });
    const first = await download();
    const second = await download();
    const third = await download();
    expect(first.statusCode).not.toBe(429);
    expect(second.statusCode).toBe(first.statusCode);
    expect(third.statusCode).toBe(429);
    expect(third.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(third.headers['retry-after']).toEqual(expect.stringMatching(/^\d+$/));
    expect(third.json()).toMatchObject({ status: 429, code: 'FRAISEQL_RATE_LIMITED' });
  });

  it('with Redis down the gateway keeps serving and enforces the limits per replica in memory; the outage shows in a metric and one log line', async () => {
    const own = await startRedisServer();
    try {
      const registry = new Registry();
      const captured = captureLines();
      const logger = createLogger({ service: 'gateway', level: 'info', destination: captured.destination });
      const rateLimits = await RateLimits.open(
        { redisUrl: own.url, keyPrefix: `fraiseql-test:rl:${randomUUID()}`, principal: { requests: 3, windowS: 60 } },
        { logger, registry },
      );
      const app = buildServer({
        logger,
        graphiql: false,
        planner: () => planner,
        forwarder,
        requestTimeoutMs: 5000,
        maxInFlight: 100,
        bodyLimitBytes: 4096,
        auth: { devAuth: true },
        metrics: createRedMetrics(registry, { prefix: 'fraiseql_gateway' }),
        rateLimits,
      });
      started.push({ app, rateLimits, registry, lines: captured.lines, refusals: [] });
      await app.ready();
      expect(await metric(registry, 'fraiseql_rate_limit_store_up')).toBe(1);
      expect((await post(app, asCaller('carol'))).statusCode).toBe(200);

      await own.stop();
      await waitFor(() => rateLimits.storeUp === false);
      const during: LightMyRequestResponse[] = [];
      for (let i = 0; i < 5; i++) during.push(await post(app, asCaller('carol')));
      // Not open (the limit still holds, counted afresh in this replica), not closed (requests within it pass).
      expect(during.map((r) => r.statusCode)).toEqual([200, 200, 200, 429, 429]);
      expect(codeOf(during[3]!)).toBe('FRAISEQL_RATE_LIMITED');
      expect(await metric(registry, 'fraiseql_rate_limit_store_up')).toBe(0);
      expect(await metric(registry, 'fraiseql_rate_limit_fallback_total', { limiter: 'principal' })).toBe(5);
      const outage = captured.lines().filter((l) => l.includes('rate-limit store unreachable'));
      expect(outage).toHaveLength(1);
      expect(JSON.parse(outage[0]!).level).toBe('warn');

      await own.start();
      await waitFor(() => rateLimits.storeUp === true, 15_000);
      expect(captured.lines().some((l) => l.includes('rate-limit store reachable'))).toBe(true);
      // Back on Redis (emptied by the restart): a fresh count there.
      expect((await post(app, asCaller('carol'))).statusCode).toBe(200);
      expect(await metric(registry, 'fraiseql_rate_limit_fallback_total', { limiter: 'principal' })).toBe(5);
    } finally {
      for (const gateway of started.splice(0)) {
        await gateway.app.close();
        await gateway.rateLimits.close();
      }
      await own.dispose();
    }
  }, 60_000);

  it('reads the limits from FRAISEQL_RATE_LIMIT_* and FRAISEQL_GATEWAY_TRUST_PROXY with defaults, and refuses malformed values at start-up naming the key', () => {
    const config = (env: Record<string, string>) => loadConfig(gatewayConfig, { env });
    const defaults = config({});
    expect(defaults.FRAISEQL_RATE_LIMIT_IP_REQUESTS).toBe(100);
    expect(defaults.FRAISEQL_RATE_LIMIT_PRINCIPAL_REQUESTS).toBe(50);
    expect(defaults.FRAISEQL_RATE_LIMIT_API_KEY_REQUESTS).toBe(100);
    expect(defaults.FRAISEQL_RATE_LIMIT_ROLES).toEqual({});
    expect(config({ FRAISEQL_RATE_LIMIT_ROLES: '{"analyst": 50, "admin": 1000}' }).FRAISEQL_RATE_LIMIT_ROLES).toEqual({
      analyst: 50,
      admin: 1000,
    });
    expect(() => config({ FRAISEQL_RATE_LIMIT_ROLES: '{"analyst": -1}' })).toThrow(/FRAISEQL_RATE_LIMIT_ROLES: .*analyst: a rate is ≥ 0/);
    expect(() => config({ FRAISEQL_RATE_LIMIT_ROLES: '{"analyst": "fast"}' })).toThrow(/FRAISEQL_RATE_LIMIT_ROLES: expected \{"<role>"/);
    expect(() => config({ FRAISEQL_RATE_LIMIT_ROLES: 'analyst=50' })).toThrow(
      /FRAISEQL_RATE_LIMIT_ROLES: expected a JSON object of role rates/,
    );
    expect(() => config({ FRAISEQL_RATE_LIMIT_PRINCIPAL_REQUESTS: '-5' })).toThrow(/FRAISEQL_RATE_LIMIT_PRINCIPAL_REQUESTS/);
    expect(defaults.FRAISEQL_GATEWAY_TRUST_PROXY).toBe(false);
    expect(config({ FRAISEQL_GATEWAY_TRUST_PROXY: '10.0.0.0/8, 10.1.2.3' }).FRAISEQL_GATEWAY_TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      '10.1.2.3',
    ]);
    expect(() => config({ FRAISEQL_GATEWAY_TRUST_PROXY: 'the ingress' })).toThrow(/FRAISEQL_GATEWAY_TRUST_PROXY: expected false, true/);
  });
});
