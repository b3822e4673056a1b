import { join } from 'node:path';
import { SignJWT } from 'jose';
import { connect, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { encodeApiKeyRecord, issueApiKey, type ApiKeyRecord } from '@fraiseql/auth';
import { openApiKeysBucket } from '@fraiseql/nats-contract';
import { DEFAULT_LIMITS } from '@fraiseql/query-planner';
import { createLogger } from '@fraiseql/service-kit';
import { captureLines, GraphqlWsClient, startNatsServer, waitFor, type TestNatsServer } from '@fraiseql/testkit';
import { createGateway, type Gateway } from '../src';

// A WebSocket of subscriptions lives as long as the credentials it was opened with (docs/security.md, "Authentication"):
// a JWT that expires, or an API key revoked while the socket is open, closes it with 4401.

const SHOP_SCHEMA = join(__dirname, '..', '..', '..', 'examples', 'shop', 'schema.compiled.json');
const JWT_SECRET = 'subscription-credentials-test-secret-0123456789';
const ORG = 'aaaaaaaa-0000-4000-8000-000000000001';

describe('subscription connections end with their credentials (real NATS KV, WebSocket)', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  let gateway: Gateway;
  let wsUrl: string;
  const clients: GraphqlWsClient[] = [];

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    gateway = await createGateway({
      host: '127.0.0.1',
      port: 0,
      natsUrl: server.url,
      schemaSource: SHOP_SCHEMA,
      cursorSecret: 'subscription-credentials-cursor-secret-0123',
      limits: DEFAULT_LIMITS,
      requestTimeoutMs: 5000,
      executorLivenessMs: 0,
      maxInFlight: 100,
      bodyLimitBytes: 1_048_576,
      auth: { jwtSecret: JWT_SECRET, devAuth: false },
      apiKeys: true,
      graphiql: false,
      logger: createLogger({ service: 'gateway', level: 'warn', destination: captureLines().destination }),
      registry: new Registry(),
    });
    wsUrl = `${gateway.address.replace(/^http/, 'ws')}/graphql`;
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await gateway?.close();
    await nc?.close();
    await server?.dispose();
  });

  const jwt = (expiresInS: number) =>
    new SignJWT({ org_id: ORG, roles: ['reader'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('sub-user')
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInS)
      .sign(new TextEncoder().encode(JWT_SECRET));

  async function open(payload: Record<string, unknown>): Promise<GraphqlWsClient> {
    const client = await GraphqlWsClient.connect(wsUrl, payload);
    clients.push(client);
    expect(client.closed).toBeUndefined();
    return client;
  }

  it('closes a connection when its JWT expires, and keeps one whose token is still valid', async () => {
    const shortLived = await open({ authorization: `Bearer ${await jwt(2)}` });
    const longLived = await open({ authorization: `Bearer ${await jwt(300)}` });
    await waitFor(() => shortLived.closed !== undefined, 10_000);
    expect(shortLived.closed?.code).toBe(4401);
    expect(shortLived.closed?.reason).toMatch(/^FRAISEQL_UNAUTHENTICATED: The credentials of this connection expired/);
    expect(longLived.closed).toBeUndefined();
  });

  it('closes a connection opened with an API key as soon as the key is revoked, and only that one', async () => {
    const kv = await openApiKeysBucket(nc);
    const store = async (): Promise<{ token: string; record: ApiKeyRecord }> => {
      const issued = issueApiKey();
      const record: ApiKeyRecord = {
        id: issued.id,
        orgId: ORG,
        name: 'dashboard',
        roles: ['reader'],
        hash: issued.hash,
        createdAt: new Date().toISOString(),
        createdBy: 'admin',
        expiresAt: null,
        revokedAt: null,
        version: 1,
      };
      await kv.put(record.id, encodeApiKeyRecord(record));
      return { token: issued.token, record };
    };
    const [revoked, kept] = [await store(), await store()];
    // The gateway's directory learns of the new keys through its KV watch.
    let first!: GraphqlWsClient;
    await waitFor(async () => {
      const client = await GraphqlWsClient.connect(wsUrl, { 'x-api-key': revoked.token });
      clients.push(client);
      if (client.closed === undefined) first = client;
      return client.closed === undefined;
    }, 10_000);
    const second = await open({ 'x-api-key': kept.token });
    await kv.put(revoked.record.id, encodeApiKeyRecord({ ...revoked.record, revokedAt: new Date().toISOString(), version: 2 }));
    await waitFor(() => first.closed !== undefined, 10_000);
    expect(first.closed).toEqual({ code: 4401, reason: 'FRAISEQL_UNAUTHENTICATED: The API key has been revoked' });
    expect(second.closed).toBeUndefined();
  });
});
