import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { provisionJetStream, STREAMS } from '@fraiseql/nats-contract';
import { DEFAULT_LIMITS } from '@fraiseql/query-planner';
import type { RateLimitedEvent } from '@fraiseql/rate-limits';
import { createLogger } from '@fraiseql/service-kit';
import { captureLines, GraphqlWsClient, startNatsServer, waitFor, type TestNatsServer } from '@fraiseql/testkit';
import { createGateway, type Gateway } from '../src';

// Rate limits on GraphQL subscriptions: the real gateway (createGateway, a real WebSocket), real NATS JetStream and
// the shared Redis on 6379 under a key prefix of this file's own.

const SHOP_SCHEMA = join(__dirname, '..', '..', '..', 'examples', 'shop', 'schema.compiled.json');
const ORG = 'aaaaaaaa-0000-4000-8000-000000000001';
const REDIS = 'redis://127.0.0.1:6379';
const QUERY = 'subscription { orderChanged { order { id } } }';

describe('gateway rate limits on WebSocket subscriptions (createGateway, real socket, JetStream, Redis)', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let gateway: Gateway;
  let wsUrl: string;
  let redis: Redis;
  const keyPrefix = `fraiseql-test:rl-ws:${randomUUID()}`;
  const refusals: RateLimitedEvent[] = [];
  const clients: GraphqlWsClient[] = [];

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    await provisionJetStream(nc);
    jsm = await nc.jetstreamManager();
    redis = new Redis(REDIS);
    gateway = await createGateway({
      host: '127.0.0.1',
      port: 0,
      natsUrl: server.url,
      schemaSource: SHOP_SCHEMA,
      cursorSecret: 'rate-limit-test-cursor-secret-0123456789',
      limits: DEFAULT_LIMITS,
      requestTimeoutMs: 5000,
      executorLivenessMs: 0,
      maxInFlight: 100,
      bodyLimitBytes: 1_048_576,
      auth: { devAuth: true },
      graphiql: false,
      rateLimits: { redisUrl: REDIS, keyPrefix, ip: { requests: 0, windowS: 60 }, principal: { requests: 3, windowS: 60 } },
      onRateLimited: (event) => refusals.push(event),
      logger: createLogger({ service: 'gateway', level: 'warn', destination: captureLines().destination }),
      registry: new Registry(),
    });
    wsUrl = `${gateway.address.replace(/^http/, 'ws')}/graphql`;
  });

  afterAll(async () => {
    for (const client of clients) await client.close();
    await gateway?.close();
    await nc?.close();
    await server?.dispose();
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const asCaller = (subject: string) => ({ 'x-fraiseql-dev-subject': subject, 'x-fraiseql-dev-org': ORG });
  const consumerCount = async (): Promise<number> => (await jsm.consumers.list(STREAMS.events).next()).length;
  async function open(subject: string): Promise<GraphqlWsClient> {
    const client = await GraphqlWsClient.connect(wsUrl, asCaller(subject));
    clients.push(client);
    return client;
  }
  async function subscribe(client: GraphqlWsClient, id: string): Promise<'subscribed' | unknown[]> {
    const before = await consumerCount();
    client.subscribe(id, QUERY);
    await waitFor(async () => (await consumerCount()) > before || client.errorOf(id) !== undefined);
    return client.errorOf(id) ?? 'subscribed';
  }

  it('counts connection_init and every subscribe against the caller: past the allowance a subscribe errors, a new connection closes with 4429', async () => {
    // connection_init (1) + two subscriptions (2, 3): the whole allowance of 3.
    const busy = await open('ws-busy');
    expect(busy.acknowledged).toBe(true);
    expect(await subscribe(busy, 'a')).toBe('subscribed');
    expect(await subscribe(busy, 'b')).toBe('subscribed');
    const refused = await subscribe(busy, 'c');
    expect(refused).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'FRAISEQL_RATE_LIMITED' }) })]);

    const again = await open('ws-busy');
    expect(again.acknowledged).toBe(false);
    expect(again.closed?.code).toBe(4429);
    expect(again.closed?.reason).toMatch(/^FRAISEQL_RATE_LIMITED: /);

    // Another caller is not held to the busy one's count.
    const calm = await open('ws-calm');
    expect(calm.acknowledged).toBe(true);
    expect(await subscribe(calm, 'x')).toBe('subscribed');

    expect(refusals.map((e) => [e.limiter, e.key])).toEqual([
      ['principal', `${ORG}:ws-busy`],
      ['principal', `${ORG}:ws-busy`],
    ]);
    expect(await redis.get(`${keyPrefix}:principal:${ORG}:ws-busy`)).toBe('5');
  }, 60_000);
});
