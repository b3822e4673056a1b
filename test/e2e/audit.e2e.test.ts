import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { decodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import type { Gateway } from '@fraiseql/gateway';
import { STREAMS } from '@fraiseql/nats-contract';
import type { QueryExecutor } from '@fraiseql/query-executor';
import { DEMO_ORG_IDS, migrateShop } from '@fraiseql/shop';
import { createTestDatabase, startNatsServer, waitFor, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { graphql, jwtFor, startExecutor, startGateway } from './fixtures/services-in-process';
import { sql } from './fixtures/sql';

// The audit log end to end (docs/security.md, "Audit log"; ADR 0137): the gateway and the query-executor publish entries on
// fraiseql.v1.audit.<org>, the executor's recorder writes them into fraiseql.tb_audit_log, admins read their org's through
// GraphQL (`auditLog`).

const SHOP_SCHEMA = join(__dirname, '../../examples/shop/schema.compiled.json');
const [ORG_1, ORG_2] = DEMO_ORG_IDS;
const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id } } }`;
const REVOKE = `mutation($id: ID!) { revokeApiKey(id: $id) { id active } }`;
const AUDIT_LOG = `query($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    entries { id at kind action outcome actorSubject actorRoles target source ip requestId code details }
    endCursor hasNextPage
  }
}`;

interface AuditRow {
  audit_id: string;
  org_id: string | null;
  kind: string;
  action: string;
  outcome: string;
  actor_subject: string | null;
  actor_roles: string[] | null;
  target: string | null;
  source: string;
  ip: string | null;
  request_id: string | null;
  code: string | null;
  details: Record<string, unknown>;
  row: string;
}

describe('audit log (real PostgreSQL, NATS JetStream, HTTP)', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let executor: QueryExecutor;
  let gateway: Gateway;
  let nc: NatsConnection;
  let admin1: string;
  let admin2: string;
  let member1: string;

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('wt_audit_e2e')]);
    await migrateShop({ connectionString: db.url });
    executor = await startExecutor({ nats, db }, { schemaSource: SHOP_SCHEMA, jetStream: {}, audit: { recorder: { enabled: true } } });
    gateway = (await startGateway({ nats, db }, { schemaSource: SHOP_SCHEMA, apiKeys: true })).gateway;
    nc = await connect({ servers: nats.url });
    admin1 = await jwtFor({ sub: 'admin-1', org_id: ORG_1, roles: ['admin', 'exporter'] });
    admin2 = await jwtFor({ sub: 'admin-2', org_id: ORG_2, roles: ['admin'] });
    member1 = await jwtFor({ sub: 'member-1', org_id: ORG_1, roles: ['exporter'] });
  }, 120_000);
  afterAll(async () => {
    await nc?.close();
    await gateway?.close();
    await executor?.close();
    await nats?.dispose();
    await db?.drop();
  });

  const rowsWhere = (where: string, values: unknown[]) =>
    sql<AuditRow>(
      db.url,
      `SELECT audit_id::text, org_id::text, kind, action, outcome, actor_subject, actor_roles, target, source, ip, request_id, code,
              details, to_jsonb(a)::text AS row
       FROM fraiseql.tb_audit_log a WHERE ${where} ORDER BY action, outcome, at, audit_id`,
      values,
    );

  /** Every message of FRAISEQL_AUDIT, with its subject. */
  async function auditMessages(): Promise<Array<{ subject: string; text: string; event: EntityEvent }>> {
    const jsm = await nc.jetstreamManager();
    const { first_seq: first, last_seq: last } = (await jsm.streams.info(STREAMS.audit)).state;
    const out = [];
    for (let seq = first; seq <= last && last > 0; seq++) {
      const message = await jsm.streams.getMessage(STREAMS.audit, { seq });
      out.push({ subject: message.subject, text: Buffer.from(message.data).toString(), event: decodeEntityEvent(message.data) });
    }
    return out;
  }

  it('records an admin creating and revoking an API key: actor, org, action, outcome, in PostgreSQL and on JetStream, never the key', async () => {
    const created = await graphql(
      gateway,
      { query: CREATE, variables: { input: { name: 'audited', roles: ['exporter'] } } },
      { token: admin1 },
    );
    expect(created.body.errors).toBeUndefined();
    const { key, apiKey } = created.body.data.createApiKey as { key: string; apiKey: { id: string } };
    const revoked = await graphql(gateway, { query: REVOKE, variables: { id: apiKey.id } }, { token: admin1 });
    expect(revoked.body.data.revokeApiKey).toEqual({ id: apiKey.id, active: false });

    const where = `target = $1 AND action IN ('CREATE_API_KEY', 'REVOKE_API_KEY')`;
    await waitFor(async () => (await rowsWhere(where, [apiKey.id])).length === 2, 10_000);
    const rows = await rowsWhere(where, [apiKey.id]);
    expect(rows.map(({ row: _row, audit_id: _id, request_id: _r, ...rest }) => rest)).toEqual([
      {
        org_id: ORG_1,
        kind: 'role_change',
        action: 'CREATE_API_KEY',
        outcome: 'ok',
        actor_subject: 'admin-1',
        actor_roles: ['admin', 'exporter'],
        target: apiKey.id,
        source: 'query-executor',
        ip: null,
        code: null,
        details: { field: 'createApiKey', roles: ['exporter'], name: 'audited', keyId: apiKey.id },
      },
      {
        org_id: ORG_1,
        kind: 'admin_action',
        action: 'REVOKE_API_KEY',
        outcome: 'ok',
        actor_subject: 'admin-1',
        actor_roles: ['admin', 'exporter'],
        target: apiKey.id,
        source: 'query-executor',
        ip: null,
        code: null,
        details: { field: 'revokeApiKey', arguments: { id: apiKey.id } },
      },
    ]);
    expect(rows.every((r) => r.request_id !== null)).toBe(true);

    const messages = (await auditMessages()).filter((m) => rows.some((r) => r.audit_id === m.event.event_id));
    expect(messages.map((m) => [m.subject, m.event.entity_type, m.event.event_type, m.event.org_id, m.event.user_id])).toEqual([
      [`fraiseql.v1.audit.${ORG_1}`, 'AuditEntry', 'CREATE_API_KEY', ORG_1, 'admin-1'],
      [`fraiseql.v1.audit.${ORG_1}`, 'AuditEntry', 'REVOKE_API_KEY', ORG_1, 'admin-1'],
    ]);
    const secret = key.slice(21);
    for (const text of [...rows.map((r) => r.row), ...messages.map((m) => m.text)]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(secret);
    }
  });

  it('records observer-rule admin mutations: created (ok) and a duplicate name (refused, with the error class)', async () => {
    const create = `mutation($input: CreateObserverInput!) { createObserver(input: $input) { __typename ... on MutationError { errorClass } } }`;
    const rule = {
      entityType: 'Order',
      eventTypes: ['UPDATE'],
      actions: [{ type: 'webhook', url: 'https://audit.example.test/orders/{{ entity_id }}' }],
    };
    const first = await graphql(gateway, { query: create, variables: { input: { name: 'audited_rule', rule } } }, { token: admin1 });
    expect(first.body.data.createObserver).toEqual({ __typename: 'CreateObserverSuccess' });
    const again = await graphql(gateway, { query: create, variables: { input: { name: 'audited_rule', rule } } }, { token: admin1 });
    expect(again.body.data.createObserver.__typename).toBe('MutationError');

    const where = `action = 'CREATE_OBSERVER' AND target = 'audited_rule'`;
    await waitFor(async () => (await rowsWhere(where, [])).length === 2, 10_000);
    const rows = await rowsWhere(where, []);
    expect(rows.map((r) => [r.org_id, r.kind, r.outcome, r.actor_subject, r.code, r.details])).toEqual([
      [ORG_1, 'admin_action', 'ok', 'admin-1', null, { field: 'createObserver' }],
      [
        ORG_1,
        'admin_action',
        'refused',
        'admin-1',
        null,
        { field: 'createObserver', errorClass: again.body.data.createObserver.errorClass },
      ],
    ]);
  });

  it('records a bad bearer token as a credential_failure without an org, with the client IP and code, never the token', async () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.bm90LWEtc2lnbmF0dXJl';
    const refused = await graphql(gateway, { query: '{ __typename }' }, { token });
    expect(refused.status).toBe(401);
    const where = `kind = 'credential_failure' AND details->>'transport' = 'http'`;
    await waitFor(async () => (await rowsWhere(where, [])).length === 1, 10_000);
    const [row] = await rowsWhere(where, []);
    expect(row).toMatchObject({
      org_id: null,
      action: 'CREDENTIAL_REFUSED',
      outcome: 'refused',
      actor_subject: null,
      source: 'gateway',
      ip: '127.0.0.1',
      code: 'FRAISEQL_UNAUTHENTICATED',
      details: { transport: 'http', scheme: 'bearer' },
    });
    expect(row!.request_id).not.toBeNull();
    expect(row!.row).not.toContain(token);
    const message = (await auditMessages()).find((m) => m.event.event_id === row!.audit_id);
    expect(message?.subject).toBe('fraiseql.v1.audit._');
    expect(message?.text).not.toContain(token);
  });

  it("records the planner's refusal of an admin mutation to a member without the role (nothing ran)", async () => {
    const refused = await graphql(gateway, { query: CREATE, variables: { input: { name: 'not allowed', roles: [] } } }, { token: member1 });
    expect(refused.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_FORBIDDEN');
    const where = `actor_subject = 'member-1' AND action = 'CREATE_API_KEY'`;
    await waitFor(async () => (await rowsWhere(where, [])).length === 1, 10_000);
    expect((await rowsWhere(where, []))[0]).toMatchObject({
      org_id: ORG_1,
      kind: 'admin_action',
      outcome: 'refused',
      code: 'FRAISEQL_FORBIDDEN',
      actor_roles: ['exporter'],
      source: 'query-executor',
    });
    expect(await sql(db.url, `SELECT id FROM fraiseql.tb_api_key WHERE name = 'not allowed'`)).toEqual([]);
  });

  it("serves auditLog to an org's admins and audit readers only, with their org's entries only", async () => {
    const org1Ids = (await rowsWhere('org_id = $1', [ORG_1])).map((r) => r.audit_id);
    expect(org1Ids.length).toBeGreaterThanOrEqual(3);

    const asAdmin1 = await graphql(gateway, { query: AUDIT_LOG, variables: { first: 500 } }, { token: admin1 });
    expect(asAdmin1.body.errors).toBeUndefined();
    const seen = asAdmin1.body.data.auditLog.entries as Array<{ id: string; at: string; actorSubject: string | null; details: unknown }>;
    expect(seen.map((e) => e.id).sort()).toEqual([...org1Ids].sort());
    // Newest first.
    expect([...seen].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.id < b.id ? 1 : -1)).map((e) => e.id)).toEqual(
      seen.map((e) => e.id),
    );

    const auditor = await jwtFor({ sub: 'auditor-1', org_id: ORG_1, roles: ['audit:reader'] });
    const filtered = await graphql(
      gateway,
      { query: AUDIT_LOG, variables: { filter: { kind: 'role_change', actorSubject: 'admin-1' } } },
      { token: auditor },
    );
    expect(filtered.body.errors).toBeUndefined();
    expect(filtered.body.data.auditLog.entries.map((e: { action: string; kind: string }) => [e.kind, e.action])).toEqual([
      ['role_change', 'CREATE_API_KEY'],
    ]);

    const asAdmin2 = await graphql(gateway, { query: AUDIT_LOG }, { token: admin2 });
    expect(asAdmin2.body.errors).toBeUndefined();
    expect(asAdmin2.body.data.auditLog.entries.filter((e: { id: string }) => org1Ids.includes(e.id))).toEqual([]);
    // Org-less entries (the refused token) are never served.
    const orgless = (await rowsWhere('org_id IS NULL', [])).map((r) => r.audit_id);
    expect(orgless.length).toBeGreaterThanOrEqual(1);
    expect(seen.filter((e) => orgless.includes(e.id))).toEqual([]);

    const asMember = await graphql(gateway, { query: AUDIT_LOG }, { token: member1 });
    expect(asMember.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_FORBIDDEN');
  });

  it('records a rate-limit refusal with the caller, its org and the limiter', async () => {
    const keyPrefix = `fraiseql-test:audit-rl:${randomUUID()}`;
    const limited = (
      await startGateway(
        { nats, db },
        {
          schemaSource: SHOP_SCHEMA,
          rateLimits: { redisUrl: 'redis://127.0.0.1:6379', keyPrefix, principal: { requests: 1, windowS: 60 } },
        },
      )
    ).gateway;
    const redis = new Redis('redis://127.0.0.1:6379');
    try {
      const limitedCaller = await jwtFor({ sub: 'busy-1', org_id: ORG_2, roles: ['member'] });
      expect((await graphql(limited, { query: '{ __typename }' }, { token: limitedCaller })).status).toBe(200);
      const refused = await graphql(limited, { query: '{ __typename }' }, { token: limitedCaller });
      expect(refused.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_RATE_LIMITED');
      const where = `kind = 'rate_limited' AND actor_subject = 'busy-1'`;
      await waitFor(async () => (await rowsWhere(where, [])).length === 1, 10_000);
      expect((await rowsWhere(where, []))[0]).toMatchObject({
        org_id: ORG_2,
        action: 'RATE_LIMITED',
        outcome: 'refused',
        actor_roles: ['member'],
        target: 'principal',
        source: 'gateway',
        code: 'FRAISEQL_RATE_LIMITED',
        details: { limiter: 'principal' },
      });
    } finally {
      await limited.close();
      const keys = await redis.keys(`${keyPrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  it('pages newest first with the cursor: every entry once, in the same order as one page', async () => {
    // More entries: three refused creations by the member.
    for (let i = 0; i < 3; i++) {
      await graphql(gateway, { query: CREATE, variables: { input: { name: `x${i}`, roles: [] } } }, { token: member1 });
    }
    await waitFor(async () => (await rowsWhere(`org_id = $1`, [ORG_1])).length >= 6, 10_000);
    const all = (await graphql(gateway, { query: AUDIT_LOG, variables: { first: 500 } }, { token: admin1 })).body.data.auditLog;
    expect(all.hasNextPage).toBe(false);
    const paged: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const result = await graphql(gateway, { query: AUDIT_LOG, variables: { first: 2, after } }, { token: admin1 });
      expect(result.body.errors).toBeUndefined();
      const { entries, endCursor, hasNextPage } = result.body.data.auditLog;
      expect(entries.length).toBeLessThanOrEqual(2);
      paged.push(...entries.map((e: { id: string }) => e.id));
      after = endCursor;
      if (!hasNextPage) break;
    }
    expect(paged).toEqual(all.entries.map((e: { id: string }) => e.id));
    const bad = await graphql(gateway, { query: AUDIT_LOG, variables: { after: 'not-a-cursor' } }, { token: admin1 });
    expect(bad.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_BAD_REQUEST');
  });
});
