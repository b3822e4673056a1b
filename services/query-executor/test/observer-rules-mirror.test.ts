import { connect, type KV, type NatsConnection } from 'nats';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { applyMigrations, FRAMEWORK_MIGRATIONS_DIR } from '@fraiseql/pg-migrations';
import { decodeObserverRuleEntry, encodeObserverRuleEntry, observerRuleKey, openObserversBucket } from '@fraiseql/nats-contract';
import { createLogger } from '@fraiseql/service-kit';
import { captureLines, createTestDatabase, startNatsServer, waitFor, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { ObserverRulesMirror } from '../src/observers/observer-rules-mirror';

// Run-time observer rules (migrations/postgres/0005) and their mirror into the KV bucket FRAISEQL_OBSERVERS:
// real PostgreSQL (the framework migrations), real NATS JetStream KV.

const ORG_A = '0a000000-0000-4000-8000-00000000000a';
const ORG_B = '0b000000-0000-4000-8000-00000000000b';
const admin = (org: string) => ({ org_id: org, user_id: 'ada', roles: ['admin'] });
const RULE = { entityType: 'Order', eventTypes: ['UPDATE'], actions: [{ type: 'webhook', url: 'https://example.test/hook' }] };

describe('run-time observer rules: storage, history and the KV mirror', () => {
  let db: TestDatabase;
  let pool: Pool;
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let kv: KV;
  const mirrors: ObserverRulesMirror[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('fraiseql_observers');
    await applyMigrations({ connectionString: db.url, directories: [FRAMEWORK_MIGRATIONS_DIR] });
    pool = new Pool({ connectionString: db.url, max: 4 });
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    kv = await openObserversBucket(nc);
  });
  afterAll(async () => {
    for (const m of mirrors) await m.stop();
    await nc?.close();
    await nats?.dispose();
    await pool?.end();
    await db?.drop();
  });

  const mirror = async (fullSyncIntervalMs = 60_000): Promise<ObserverRulesMirror> => {
    const m = new ObserverRulesMirror({
      nc,
      pool,
      databaseUrl: db.url,
      logger: createLogger({ service: 'query-executor', level: 'debug', destination: captureLines().destination }),
      registry: new Registry(),
      fullSyncIntervalMs,
      retry: { initialIntervalMs: 100, backoffCoefficient: 2, maximumIntervalMs: 1000, jitter: 0 },
    });
    mirrors.push(m);
    await m.start();
    await m.idle();
    return m;
  };
  const call = async (fn: string, input: unknown, ctx: unknown) =>
    (
      await pool.query(`SELECT (r).* FROM (SELECT fraiseql.${fn}($1::jsonb, $2::jsonb) AS r) x`, [
        JSON.stringify(input),
        JSON.stringify(ctx),
      ])
    ).rows[0];
  const entry = async (org: string, name: string) => {
    const got = await kv.get(observerRuleKey(org, name));
    return got && got.operation === 'PUT' ? decodeObserverRuleEntry(got.value) : undefined;
  };

  it('creates, updates and deletes a rule for admins of its org, keeps every change in the history, and mirrors each into KV', async () => {
    await mirror();
    const created = await call('fn_create_observer', { name: 'orderShipped', rule: RULE }, admin(ORG_A));
    expect(created).toMatchObject({ succeeded: true, entity_type: 'Observer' });
    const id = created.entity_id as string;
    await waitFor(async () => (await entry(ORG_A, 'orderShipped'))?.version === 1);
    expect(await entry(ORG_A, 'orderShipped')).toMatchObject({ id, orgId: ORG_A, name: 'orderShipped', enabled: true, rule: RULE });

    const disabled = await call('fn_update_observer', { id, enabled: false }, admin(ORG_A));
    expect(disabled).toMatchObject({ succeeded: true, updated_fields: ['enabled', 'version'] });
    await waitFor(async () => (await entry(ORG_A, 'orderShipped'))?.version === 2);
    expect((await entry(ORG_A, 'orderShipped'))?.enabled).toBe(false);

    expect(await call('fn_delete_observer', { id }, admin(ORG_A))).toMatchObject({ succeeded: true });
    await waitFor(async () => (await entry(ORG_A, 'orderShipped')) === undefined);

    const history = await pool.query(
      'SELECT operation, version, enabled, changed_by FROM fraiseql.tb_observer_history WHERE observer_id = $1 ORDER BY id',
      [id],
    );
    expect(history.rows).toEqual([
      { operation: 'insert', version: 1, enabled: true, changed_by: null },
      { operation: 'update', version: 2, enabled: false, changed_by: null },
      { operation: 'delete', version: 2, enabled: null, changed_by: null },
    ]);
  });

  it("refuses callers without the role or the org, and never touches another org's rule", async () => {
    expect(await call('fn_create_observer', { name: 'x', rule: RULE }, { org_id: ORG_A, user_id: 'bob', roles: ['staff'] })).toMatchObject({
      succeeded: false,
      error_class: 'forbidden',
    });
    expect(await call('fn_create_observer', { name: 'x', rule: RULE }, { org_id: '', user_id: '', roles: [] })).toMatchObject({
      succeeded: false,
      error_class: 'unauthorized',
    });
    expect(await call('fn_create_observer', { name: 'x', rule: RULE }, { org_id: '', user_id: 'bob', roles: ['admin'] })).toMatchObject({
      succeeded: false,
      error_class: 'forbidden',
    });
    const created = await call('fn_create_observer', { name: 'orgAOnly', rule: RULE }, admin(ORG_A));
    expect(await call('fn_create_observer', { name: 'orgAOnly', rule: RULE }, admin(ORG_A))).toMatchObject({
      succeeded: false,
      error_class: 'conflict',
    });
    expect(await call('fn_update_observer', { id: created.entity_id, enabled: false }, admin(ORG_B))).toMatchObject({
      succeeded: false,
      error_class: 'not_found',
    });
    expect(await call('fn_delete_observer', { id: created.entity_id }, admin(ORG_B))).toMatchObject({
      succeeded: false,
      error_class: 'not_found',
    });
    const { rows } = await pool.query('SELECT enabled, version FROM fraiseql.tb_observer WHERE id = $1', [created.entity_id]);
    expect(rows).toEqual([{ enabled: true, version: 1 }]);
    expect(await pool.query('SELECT count(*)::int AS n FROM fraiseql.tb_observer WHERE name = $1', ['x'])).toMatchObject({
      rows: [{ n: 0 }],
    });
  });

  it('repairs the bucket at start: stale keys removed, older versions replaced, newer versions of the same rule kept', async () => {
    for (const m of mirrors.splice(0)) await m.stop();
    const kept = await call('fn_create_observer', { name: 'kept', rule: RULE }, admin(ORG_B));
    await call('fn_update_observer', { id: kept.entity_id, enabled: false }, admin(ORG_B));
    const stale = {
      id: kept.entity_id as string,
      orgId: ORG_B,
      name: 'kept',
      version: 1,
      enabled: true,
      rule: RULE,
      updatedAt: new Date().toISOString(),
    };
    await kv.put(observerRuleKey(ORG_B, 'kept'), encodeObserverRuleEntry(stale));
    const orphan = { ...stale, id: '0c000000-0000-4000-8000-00000000000c', name: 'orphan' };
    await kv.put(observerRuleKey(ORG_B, 'orphan'), encodeObserverRuleEntry(orphan));

    const [one, two] = await Promise.all([mirror(), mirror()]);
    await Promise.all([one.idle(), two.idle()]);
    expect(await entry(ORG_B, 'orphan')).toBeUndefined();
    expect(await entry(ORG_B, 'kept')).toMatchObject({ version: 2, enabled: false });
    const keys: string[] = [];
    const listed: string[] = [];
    for await (const key of await kv.keys()) listed.push(key);
    for (const key of listed) if ((await kv.get(key))?.operation === 'PUT') keys.push(key);
    const { rows } = await pool.query<{ org_id: string; name: string }>('SELECT org_id::text, name FROM fraiseql.tb_observer');
    expect(keys.sort()).toEqual(rows.map((r) => observerRuleKey(r.org_id, r.name)).sort());
  });
});
