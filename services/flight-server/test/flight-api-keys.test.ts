import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { encodeApiKeyRecord, issueApiKey, type ApiKeyRecord } from '@fraiseql/auth';
import { FlightClient, type FlightInfo } from '@fraiseql/flight';
import { openApiKeysBucket } from '@fraiseql/nats-contract';
import type { CompiledSchema } from '@fraiseql/schema';
import { DEMO_ORG_IDS, migrateShop, seedShop } from '@fraiseql/shop';
import { waitFor } from '@fraiseql/testkit';
import { startFlightStack, type FlightStack } from './fixtures/flight-stack';

// Flight with API keys (docs/security.md, "API keys"): a key authenticates every call or a Handshake; the session
// token a Handshake returns stops working as soon as the key behind it is revoked, not only when the session expires.

const SHOP_SCHEMA = join(__dirname, '../../../examples/shop/schema.compiled.json');
const [ORG_1] = DEMO_ORG_IDS as readonly [string, ...string[]];
const path = (...parts: string[]) => ({ type: 1, path: parts });

describe('flight-server with API keys (real PostgreSQL, NATS KV)', () => {
  let stack: FlightStack;
  let nc: NatsConnection;
  const clients: FlightClient[] = [];

  beforeAll(async () => {
    stack = await startFlightStack({
      compiled: JSON.parse(readFileSync(SHOP_SCHEMA, 'utf8')) as CompiledSchema,
      prepare: async (admin) => {
        const url = (admin as unknown as { options: { connectionString: string } }).options.connectionString;
        await migrateShop({ connectionString: url });
        await seedShop({ connectionString: url, orders: 200 });
      },
      apiKeys: true,
    });
    nc = await connect({ servers: stack.nats.url });
  }, 120_000);
  afterAll(async () => {
    for (const client of clients) client.close();
    await nc?.close();
    await stack?.close();
  });

  async function storeKey(overrides: Partial<ApiKeyRecord> = {}): Promise<{ token: string; record: ApiKeyRecord }> {
    const issued = issueApiKey();
    const record: ApiKeyRecord = {
      id: issued.id,
      orgId: ORG_1,
      name: 'bi extract',
      roles: ['analyst'],
      hash: issued.hash,
      createdAt: new Date().toISOString(),
      createdBy: 'admin-1',
      expiresAt: null,
      revokedAt: null,
      version: 1,
      ...overrides,
    };
    await (await openApiKeysBucket(nc)).put(record.id, encodeApiKeyRecord(record));
    return { token: issued.token, record };
  }

  const client = (token?: string): FlightClient => {
    const c = new FlightClient(stack.server.address, token === undefined ? {} : { token });
    clients.push(c);
    return c;
  };

  async function rows(c: FlightClient): Promise<number> {
    const info: FlightInfo = await c.getFlightInfo(path('va_order'));
    let n = 0;
    for (const endpoint of info.endpoint ?? []) for await (const batch of c.doGet(endpoint.ticket!.ticket!)) n += batch.numRows;
    return n;
  }

  async function expected(): Promise<number> {
    const { rows: counted } = await stack.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM va_order WHERE org_id = $1', [ORG_1]);
    return counted[0]!.n;
  }

  it("serves a key's own org on every call (bearer per call), and refuses an unknown key", async () => {
    const { token } = await storeKey();
    const byKey = client(token);
    await waitFor(async () => (await rows(byKey).catch(() => -1)) >= 0, 10_000);
    const n = await rows(byKey);
    expect(n).toBe(await expected());
    expect(n).toBeGreaterThan(0);
    await expect(rows(client(issueApiKey().token))).rejects.toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED' });
  });

  it('ends a Handshake session made from a key when the key is revoked', async () => {
    const { token, record } = await storeKey();
    const session = client();
    await waitFor(async () => {
      try {
        await session.handshake(token);
        return true;
      } catch {
        return false;
      }
    }, 10_000);
    expect(await rows(session)).toBe(await expected());

    await (await openApiKeysBucket(nc)).put(record.id, encodeApiKeyRecord({ ...record, revokedAt: new Date().toISOString(), version: 2 }));
    await waitFor(async () => (await rows(session).catch((e: { code?: string }) => e.code)) === 'FRAISEQL_UNAUTHENTICATED', 10_000);
    await expect(rows(client(token))).rejects.toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED' });
  });
});
