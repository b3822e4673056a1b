import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import type { Gateway } from '@fraiseql/gateway';
import { openApiKeysBucket } from '@fraiseql/nats-contract';
import type { QueryExecutor } from '@fraiseql/query-executor';
import { DEMO_ORG_IDS, migrateShop, seedShop } from '@fraiseql/shop';
import { createTestDatabase, startNatsServer, waitFor, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { graphql, jwtFor, startExecutor, startGateway } from './fixtures/services-in-process';
import { sql } from './fixtures/sql';

// API keys end to end (docs/security.md, "API keys"): an org admin creates, lists, rotates and revokes keys through the
// gateway; the query-executor stores their hashes in PostgreSQL and mirrors them into FRAISEQL_API_KEYS; the gateway
// authenticates from that bucket, so a revocation takes effect without a restart.

const SHOP_SCHEMA = join(__dirname, '../../examples/shop/schema.compiled.json');
const [ORG_1, ORG_2] = DEMO_ORG_IDS;
const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id name roles active createdBy } } }`;
const LIST = `query($all: Boolean) { apiKeys(includeInactive: $all) { id name roles active revokedAt expiresAt } }`;
const ROTATE = `mutation($id: ID!, $grace: Int) { rotateApiKey(id: $id, graceSeconds: $grace) { key apiKey { id name roles } } }`;
const REVOKE = `mutation($id: ID!) { revokeApiKey(id: $id) { id active revokedAt } }`;
const ORDERS = `{ orders(limit: 100) { id } }`;

describe('API keys through the gateway (real PostgreSQL, NATS KV, HTTP)', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let executor: QueryExecutor;
  let gateway: Gateway;
  let nc: NatsConnection;
  let admin1: string;
  let admin2: string;

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('wt_apikeys_e2e')]);
    await migrateShop({ connectionString: db.url });
    await seedShop({ connectionString: db.url, orders: 200 });
    executor = await startExecutor({ nats, db }, { schemaSource: SHOP_SCHEMA, jetStream: {}, apiKeySyncIntervalMs: 500 });
    gateway = (await startGateway({ nats, db }, { schemaSource: SHOP_SCHEMA, apiKeys: true })).gateway;
    nc = await connect({ servers: nats.url });
    admin1 = await jwtFor({ sub: 'admin-1', org_id: ORG_1, roles: ['admin', 'exporter'] });
    admin2 = await jwtFor({ sub: 'admin-2', org_id: ORG_2, roles: ['admin', 'exporter'] });
  }, 120_000);
  afterAll(async () => {
    await nc?.close();
    await gateway?.close();
    await executor?.close();
    await nats?.dispose();
    await db?.drop();
  });

  const withKey = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

  async function create(token: string, input: Record<string, unknown>) {
    return graphql(gateway, { query: CREATE, variables: { input } }, { token });
  }

  async function orderOrgs(key: string): Promise<{ status: number; code?: string; orgs?: string[] }> {
    const result = await graphql(gateway, { query: ORDERS }, withKey(key));
    if (result.body.errors) return { status: result.status, code: result.body.errors[0]!.extensions.code };
    const ids = (result.body.data.orders as Array<{ id: string }>).map((o) => o.id);
    const rows = await sql<{ org_id: string }>(db.url, 'SELECT DISTINCT org_id::text FROM tb_order WHERE id = ANY($1::uuid[])', [ids]);
    return { status: result.status, orgs: rows.map((r) => r.org_id) };
  }

  it('creates a key shown once, authenticates with it as its org, and stores only its hash', async () => {
    const created = await create(admin1, { name: 'nightly export', roles: ['exporter'] });
    expect(created.body.errors).toBeUndefined();
    const { key, apiKey } = created.body.data.createApiKey;
    expect(key).toMatch(/^fqk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toEqual({ id: key.slice(4, 20), name: 'nightly export', roles: ['exporter'], active: true, createdBy: 'admin-1' });

    await waitFor(async () => (await orderOrgs(key)).status === 200, 10_000);
    expect(await orderOrgs(key)).toEqual({ status: 200, orgs: [ORG_1] });

    const secret = key.slice(21);
    const rows = await sql<{ row: string }>(db.url, 'SELECT to_jsonb(k)::text AS row FROM fraiseql.tb_api_key k WHERE id = $1', [
      apiKey.id,
    ]);
    expect(rows[0]!.row).not.toContain(secret);
    const listed = await graphql(gateway, { query: LIST }, { token: admin1 });
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(listed.body.data.apiKeys.map((k: { id: string }) => k.id)).toContain(apiKey.id);
  });

  it('refuses a key with a role its creator does not hold, and keys to callers without admin or apikeys:admin', async () => {
    const escalation = await create(admin1, { name: 'too strong', roles: ['exporter', 'superuser'] });
    expect(escalation.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_FORBIDDEN');
    const member = await jwtFor({ sub: 'member-1', org_id: ORG_1, roles: ['exporter'] });
    for (const query of [LIST, CREATE]) {
      const refused = await graphql(gateway, { query, variables: { input: { name: 'x', roles: [] } } }, { token: member });
      expect(refused.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_FORBIDDEN');
    }
    const rows = await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM fraiseql.tb_api_key WHERE name IN ('too strong', 'x')`);
    expect(rows[0]!.n).toBe(0);
  });

  it("keeps each org's keys to itself: another org's admin neither sees, rotates nor revokes them", async () => {
    const { apiKey, key } = (await create(admin1, { name: 'org-1 only', roles: [] })).body.data.createApiKey;
    const listed = await graphql(gateway, { query: LIST, variables: { all: true } }, { token: admin2 });
    expect(listed.body.data.apiKeys.map((k: { id: string }) => k.id)).not.toContain(apiKey.id);
    for (const query of [ROTATE, REVOKE]) {
      const refused = await graphql(gateway, { query, variables: { id: apiKey.id } }, { token: admin2 });
      expect(refused.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_API_KEY_NOT_FOUND');
    }
    await waitFor(async () => (await orderOrgs(key)).status === 200, 10_000);
    // A key of org 1 cannot be pointed at org 2.
    const switched = await graphql(gateway, { query: ORDERS }, { headers: { authorization: `Bearer ${key}`, 'x-fraiseql-org': ORG_2 } });
    expect(switched.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_FORBIDDEN');
  });

  it('rotates a key (the old one stops, the new one works) and revokes one on every replica without a restart', async () => {
    const { apiKey, key: oldKey } = (await create(admin1, { name: 'rotating', roles: ['exporter'] })).body.data.createApiKey;
    await waitFor(async () => (await orderOrgs(oldKey)).status === 200, 10_000);
    const rotated = await graphql(gateway, { query: ROTATE, variables: { id: apiKey.id, grace: 0 } }, { token: admin1 });
    expect(rotated.body.errors).toBeUndefined();
    const { key: newKey, apiKey: successor } = rotated.body.data.rotateApiKey;
    expect(successor).toMatchObject({ name: 'rotating', roles: ['exporter'] });
    expect(successor.id).not.toBe(apiKey.id);
    await waitFor(async () => (await orderOrgs(oldKey)).code === 'FRAISEQL_UNAUTHENTICATED', 10_000);
    expect(await orderOrgs(oldKey)).toEqual({ status: 401, code: 'FRAISEQL_UNAUTHENTICATED' });
    await waitFor(async () => (await orderOrgs(newKey)).status === 200, 10_000);

    const revoked = await graphql(gateway, { query: REVOKE, variables: { id: successor.id } }, { token: admin1 });
    expect(revoked.body.data.revokeApiKey).toMatchObject({ id: successor.id, active: false });
    await waitFor(async () => (await orderOrgs(newKey)).code === 'FRAISEQL_UNAUTHENTICATED', 10_000);
    const active = await graphql(gateway, { query: LIST }, { token: admin1 });
    expect(active.body.data.apiKeys.map((k: { id: string }) => k.id)).not.toEqual(expect.arrayContaining([apiKey.id, successor.id]));
  });

  it('repairs a bucket entry that was lost (full sync from PostgreSQL), and never resurrects a revoked key', async () => {
    const { apiKey, key } = (await create(admin1, { name: 'repaired', roles: [] })).body.data.createApiKey;
    const kv = await openApiKeysBucket(nc);
    await kv.purge(apiKey.id);
    await waitFor(async () => (await orderOrgs(key)).status === 401, 10_000);
    await waitFor(async () => (await orderOrgs(key)).status === 200, 10_000);

    await graphql(gateway, { query: REVOKE, variables: { id: apiKey.id } }, { token: admin1 });
    await waitFor(async () => (await orderOrgs(key)).status === 401, 10_000);
    // Several full syncs later, still refused.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await orderOrgs(key)).toEqual({ status: 401, code: 'FRAISEQL_UNAUTHENTICATED' });
  });

  it('answers a request with a malformed, unknown or forged key 401, never as anonymous', async () => {
    for (const bad of ['fqk_0123456789abcdef_' + 'A'.repeat(43), 'fqk_nope', 'not-a-key-at-all']) {
      const result = await graphql(gateway, { query: ORDERS }, { headers: { 'x-api-key': bad } });
      expect({ status: result.status, code: result.body.errors?.[0]?.extensions.code }).toEqual({
        status: 401,
        code: 'FRAISEQL_UNAUTHENTICATED',
      });
    }
  });
});
