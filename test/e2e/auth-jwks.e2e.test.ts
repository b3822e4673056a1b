import { join } from 'node:path';
import { authOptionsFromConfig } from '@fraiseql/auth';
import { gatewayConfig, type Gateway } from '@fraiseql/gateway';
import type { QueryExecutor } from '@fraiseql/query-executor';
import { loadConfig } from '@fraiseql/service-kit';
import { DEMO_ORG_IDS, migrateShop, seedShop } from '@fraiseql/shop';
import {
  createSigningKey,
  createTestDatabase,
  startNatsServer,
  TestIdentityProvider,
  type SigningKey,
  type TestDatabase,
  type TestNatsServer,
} from '@fraiseql/testkit';
import { graphql, startExecutor, startGateway } from './fixtures/services-in-process';
import { sql } from './fixtures/sql';

// The gateway configured from its environment for an OIDC identity provider (docs/security.md, "Authentication"):
// FRAISEQL_AUTH_OIDC_ISSUER + FRAISEQL_AUTH_AUDIENCE, tokens signed by keys the provider publishes, over real HTTP.

const SHOP_SCHEMA = join(__dirname, '../../examples/shop/schema.compiled.json');
const [ORG_1, ORG_2] = DEMO_ORG_IDS;
const ORDERS = `{ orders(limit: 100) { id } }`;

describe('gateway authentication against an OIDC identity provider (config from the environment)', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let idp: TestIdentityProvider;
  let key: SigningKey;
  let executor: QueryExecutor;
  let gateway: Gateway;

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('wt_jwks_e2e')]);
    await migrateShop({ connectionString: db.url });
    await seedShop({ connectionString: db.url, orders: 200 });
    key = await createSigningKey('k1', 'ES256');
    idp = await TestIdentityProvider.start([key]);
    const config = loadConfig(gatewayConfig, {
      env: { FRAISEQL_AUTH_OIDC_ISSUER: idp.url, FRAISEQL_AUTH_AUDIENCE: 'fraiseql-api', FRAISEQL_AUTH_JWKS_COOLDOWN_MS: '0' },
    });
    executor = await startExecutor({ nats, db }, { schemaSource: SHOP_SCHEMA });
    gateway = (await startGateway({ nats, db }, { schemaSource: SHOP_SCHEMA, auth: authOptionsFromConfig('gateway', config) })).gateway;
  }, 120_000);
  afterAll(async () => {
    await gateway?.close();
    await executor?.close();
    await idp?.stop();
    await nats?.dispose();
    await db?.drop();
  });

  async function ordersAs(token: string, headers: Record<string, string> = {}) {
    const result = await graphql(gateway, { query: ORDERS }, { token, headers });
    if (result.body.errors) return { status: result.status, code: result.body.errors[0]!.extensions.code };
    const ids = (result.body.data.orders as Array<{ id: string }>).map((o) => o.id);
    const rows = await sql<{ org_id: string }>(db.url, 'SELECT DISTINCT org_id::text FROM tb_order WHERE id = ANY($1::uuid[])', [ids]);
    return { status: result.status, orgs: rows.map((r) => r.org_id), count: ids.length };
  }

  it("serves a verified token's org only, and switches to another org the token lists as a membership", async () => {
    const token = await idp.token(key, { sub: 'ana', org_id: ORG_1, orgs: [ORG_1, ORG_2], roles: ['analyst'] });
    expect(await ordersAs(token)).toMatchObject({ status: 200, orgs: [ORG_1] });
    expect(await ordersAs(token, { 'x-fraiseql-org': ORG_2 })).toMatchObject({ status: 200, orgs: [ORG_2] });
    const single = await idp.token(key, { sub: 'bo', org_id: ORG_1 });
    expect(await ordersAs(single, { 'x-fraiseql-org': ORG_2 })).toEqual({ status: 403, code: 'FRAISEQL_FORBIDDEN' });
  });

  it('answers 401 FRAISEQL_UNAUTHENTICATED to forged, expired, wrong-issuer, wrong-audience and unknown-kid tokens', async () => {
    const stranger = await createSigningKey('k1', 'ES256');
    const unknownKid = await createSigningKey('k9', 'ES256');
    const claims = { sub: 'mallory', org_id: ORG_1 };
    for (const token of [
      await idp.token(stranger, claims),
      await idp.token(key, claims, { expiresIn: -120 }),
      await idp.token(key, claims, { issuer: 'https://issuer.example' }),
      await idp.token(key, claims, { audience: 'another-api' }),
      await idp.token(unknownKid, claims),
    ]) {
      expect(await ordersAs(token)).toEqual({ status: 401, code: 'FRAISEQL_UNAUTHENTICATED' });
    }
  });

  it('accepts the next signing key once the provider publishes it, with no gateway restart', async () => {
    const next = await createSigningKey('k2', 'EdDSA');
    idp.keys = [key, next];
    expect(await ordersAs(await idp.token(next, { sub: 'ana', org_id: ORG_2 }))).toMatchObject({ status: 200, orgs: [ORG_2] });
    expect(await ordersAs(await idp.token(key, { sub: 'ana', org_id: ORG_2 }))).toMatchObject({ status: 200, orgs: [ORG_2] });
  });

  it('answers 503 FRAISEQL_AUTH_UNAVAILABLE while the provider cannot be reached for an unknown key', async () => {
    const later = await createSigningKey('k3', 'RS256');
    idp.down = true;
    try {
      expect(await ordersAs(await idp.token(later, { sub: 'ana', org_id: ORG_1 }))).toEqual({
        status: 503,
        code: 'FRAISEQL_AUTH_UNAVAILABLE',
      });
    } finally {
      idp.down = false;
    }
  });

  it('refuses to start with an identity provider but no audience, naming the key', () => {
    const config = loadConfig(gatewayConfig, { env: { FRAISEQL_AUTH_JWKS_URL: idp.jwksUrl, FRAISEQL_AUTH_ISSUER: idp.url } });
    expect(() => authOptionsFromConfig('gateway', config)).toThrow(/FRAISEQL_AUTH_AUDIENCE: required/);
  });
});
