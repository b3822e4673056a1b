import { connect, type KV, type NatsConnection } from 'nats';
import { Pool } from 'pg';
import { ANONYMOUS_CALLER, type Caller } from '@fraiseql/identity';
import { decodeObserverRuleEntry, observerRuleKey, openObserversBucket, SUBJECTS } from '@fraiseql/nats-contract';
import { migrateShop } from '@fraiseql/shop';
import { createTestDatabase, startNatsServer, waitFor, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { createQueryExecutor, type QueryExecutor } from '../src/create-query-executor';
import { sendOperation, shopExecutorOptions } from './fixtures/shop-executor';

// The admin GraphQL surface of run-time observer rules (docs/adr/0104-admin-observer-api.md) through the
// query-executor as main.ts wires it (createQueryExecutor: file schema source, planners with the rule check,
// the KV mirror): raw fraiseql.v1.* requests over a private nats-server, the demo shop's migrations (framework
// 0005 included) in a throwaway database; assertions on replies, rows of fraiseql.tb_observer(_history) and
// entries of the KV bucket FRAISEQL_OBSERVERS.

const ORG_A = '0a000000-0000-4000-8000-0000000000a1';
const ORG_B = '0b000000-0000-4000-8000-0000000000b2';
const ADMIN_A: Caller = { subject: 'ada', orgId: ORG_A, roles: ['admin'] };
const RULES_ADMIN_A: Caller = { subject: 'rita', orgId: ORG_A, roles: ['reader', 'observers:admin'] };
const READER_A: Caller = { subject: 'rob', orgId: ORG_A, roles: ['reader'] };
const ADMIN_B: Caller = { subject: 'bea', orgId: ORG_B, roles: ['admin'] };
const ORGLESS_ADMIN: Caller = { subject: 'olga', orgId: null, roles: ['admin'] };

const RESULT = `__typename ... on MutationError { errorClass message fieldErrors { field message } }`;
const OBSERVER = 'id name version enabled entityType eventTypes description rule updatedAt updatedBy';
const CREATE = `mutation($input: CreateObserverInput!) { createObserver(input: $input) { ${RESULT} ... on CreateObserverSuccess { message observer { ${OBSERVER} } } } }`;
const UPDATE = `mutation($input: UpdateObserverInput!) { updateObserver(input: $input) { ${RESULT} ... on UpdateObserverSuccess { observer { ${OBSERVER} } } } }`;
const DELETE = `mutation($input: DeleteObserverInput!) { deleteObserver(input: $input) { ${RESULT} ... on DeleteObserverSuccess { observer { id name } } } }`;
const LIST = `query($where: ObserverWhereInput) { observers(where: $where) { ${OBSERVER} } }`;

const SHIPPED_WEBHOOK = {
  description: 'Tell fulfilment',
  entityType: 'Order',
  eventTypes: ['UPDATE'],
  condition: "changed_to('status', 'SHIPPED') && data.total > 100.0",
  actions: [{ type: 'webhook', url: 'https://fulfilment.example.test/orders/{{ entity_id }}', bodyTemplate: '{"id": {{ entity_id }}}' }],
};

interface Reply {
  status: number;
  body: {
    data?: Record<string, any> | null;
    errors?: Array<{ message: string; path?: string[]; extensions: { code: string; problems?: Array<{ path: string; message: string }> } }>;
  };
}

describe('admin GraphQL for observer rules, through the query-executor', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let pool: Pool;
  let executor: QueryExecutor;
  let nc: NatsConnection;
  let kv: KV;

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('wt_admin_observers_executor')]);
    await migrateShop({ connectionString: db.url });
    pool = new Pool({ connectionString: db.url, max: 2 });
    executor = await createQueryExecutor(shopExecutorOptions(nats, db, { observerRules: { enabled: true, fullSyncIntervalMs: 60_000 } }));
    nc = await connect({ servers: nats.url });
    kv = await openObserversBucket(nc);
  });
  afterAll(async () => {
    await nc?.close();
    await executor?.close();
    await pool?.end();
    await nats?.dispose();
    await db?.drop();
  });

  const send = (subject: string, query: string, variables: Record<string, unknown>, as: Caller): Promise<Reply> =>
    sendOperation(nc, subject, query, variables, as) as Promise<Reply>;
  const mutate = (query: string, input: unknown, as: Caller) => send(SUBJECTS.mutation, query, { input }, as);
  const list = (as: Caller, where?: unknown) => send(SUBJECTS.query, LIST, where === undefined ? {} : { where }, as);
  const create = (name: string, rule: unknown, as: Caller = ADMIN_A, extra: Record<string, unknown> = {}) =>
    mutate(CREATE, { name, rule, ...extra }, as);
  const rows = async () =>
    (await pool.query('SELECT org_id::text, name, version, enabled, rule FROM fraiseql.tb_observer ORDER BY org_id, name')).rows;
  const historyCount = async () => Number((await pool.query('SELECT count(*) AS n FROM fraiseql.tb_observer_history')).rows[0].n);
  const entry = async (org: string, name: string) => {
    const got = await kv.get(observerRuleKey(org, name));
    return got && got.operation === 'PUT' ? decodeObserverRuleEntry(got.value) : undefined;
  };
  /** Runs `act` and checks that neither the rules nor their history changed. */
  const expectNothingWritten = async (act: () => Promise<void>): Promise<void> => {
    const before = [await rows(), await historyCount()];
    await act();
    expect([await rows(), await historyCount()]).toEqual(before);
  };

  it('creates, lists, updates and deletes a rule; every change is in the history and reaches FRAISEQL_OBSERVERS within seconds', async () => {
    const created = await create('orderShipped', SHIPPED_WEBHOOK);
    expect(created.body.errors).toBeUndefined();
    const observer = created.body.data!.createObserver.observer;
    expect(created.body.data!.createObserver).toMatchObject({ __typename: 'CreateObserverSuccess', message: 'Observer rule created' });
    expect(observer).toMatchObject({
      name: 'orderShipped',
      version: 1,
      enabled: true,
      entityType: 'Order',
      eventTypes: ['UPDATE'],
      description: 'Tell fulfilment',
      rule: SHIPPED_WEBHOOK,
      updatedBy: 'ada',
    });
    // Stored as given, without the members the API sets (name, org, enabled live in their own columns).
    expect(await rows()).toEqual([{ org_id: ORG_A, name: 'orderShipped', version: 1, enabled: true, rule: SHIPPED_WEBHOOK }]);
    await waitFor(async () => (await entry(ORG_A, 'orderShipped'))?.version === 1, 5000);
    expect(await entry(ORG_A, 'orderShipped')).toMatchObject({ id: observer.id, orgId: ORG_A, enabled: true, rule: SHIPPED_WEBHOOK });

    // The list, by a holder of observers:admin, filtered on name, enabled and entityType.
    const listed = await list(RULES_ADMIN_A, { name: { eq: 'orderShipped' }, enabled: { eq: true }, entityType: { eq: 'Order' } });
    expect(listed.body).toEqual({ data: { observers: [observer] } });
    expect((await list(ADMIN_A, { entityType: { eq: 'Product' } })).body).toEqual({ data: { observers: [] } });

    const email = { type: 'email', to: ['ops@shop.test'], subject: 'Order {{ entity_id }} shipped', text: 'Total {{ data.total }}' };
    const updated = await mutate(
      UPDATE,
      { id: observer.id, enabled: false, rule: { ...SHIPPED_WEBHOOK, actions: [email] } },
      RULES_ADMIN_A,
    );
    expect(updated.body.errors).toBeUndefined();
    expect(updated.body.data!.updateObserver.observer).toMatchObject({ version: 2, enabled: false, rule: { actions: [email] } });
    await waitFor(async () => (await entry(ORG_A, 'orderShipped'))?.version === 2, 5000);
    expect(await entry(ORG_A, 'orderShipped')).toMatchObject({ enabled: false, rule: { actions: [email] } });
    expect((await list(ADMIN_A, { enabled: { eq: true } })).body).toEqual({ data: { observers: [] } });

    const deleted = await mutate(DELETE, { id: observer.id }, ADMIN_A);
    expect(deleted.body.data!.deleteObserver).toEqual({
      __typename: 'DeleteObserverSuccess',
      observer: { id: observer.id, name: 'orderShipped' },
    });
    await waitFor(async () => (await entry(ORG_A, 'orderShipped')) === undefined, 5000);
    expect(await rows()).toEqual([]);

    const history = await pool.query(
      'SELECT operation, version, enabled, changed_by, org_id::text FROM fraiseql.tb_observer_history WHERE observer_id = $1 ORDER BY id',
      [observer.id],
    );
    expect(history.rows).toEqual([
      { operation: 'insert', version: 1, enabled: true, changed_by: 'ada', org_id: ORG_A },
      { operation: 'update', version: 2, enabled: false, changed_by: 'rita', org_id: ORG_A },
      { operation: 'delete', version: 2, enabled: null, changed_by: 'ada', org_id: ORG_A },
    ]);
  });

  const refusals: Array<[string, Record<string, unknown>, string, RegExp]> = [
    [
      'an unknown entity',
      { ...SHIPPED_WEBHOOK, entityType: 'Invoice', condition: undefined },
      'rule.entityType',
      /unknown entity "Invoice"/,
    ],
    ['an unknown field in the condition', { ...SHIPPED_WEBHOOK, condition: "data.stauts == 'SHIPPED'" }, 'rule.condition', /stauts/],
    ['a condition that does not type-check', { ...SHIPPED_WEBHOOK, condition: "data.total == 'a lot'" }, 'rule.condition', /./],
    [
      'a template that does not parse',
      { ...SHIPPED_WEBHOOK, actions: [{ type: 'webhook', url: 'https://x.example.test/', bodyTemplate: '{"id": {{ entity_id }' }] },
      'rule.actions[0].bodyTemplate',
      /parse/,
    ],
    ['a bad URL', { ...SHIPPED_WEBHOOK, actions: [{ type: 'webhook', url: 'ftp://x.example.test/drop' }] }, 'rule.actions[0].url', /http/],
    [
      'a URL that is not one',
      { ...SHIPPED_WEBHOOK, actions: [{ type: 'webhook', url: 'fulfilment' }] },
      'rule.actions[0].url',
      /absolute URL/,
    ],
    [
      'a literal credential',
      { ...SHIPPED_WEBHOOK, actions: [{ ...SHIPPED_WEBHOOK.actions[0], headers: { Authorization: 'Bearer x' } }] },
      'rule.actions[0].headers.Authorization',
      /credential/,
    ],
    ['an unknown member', { ...SHIPPED_WEBHOOK, when: 'true' }, 'rule.when', /not a member/],
  ];
  it.each(refusals)('refuses %s with FRAISEQL_OBSERVER_INVALID naming the field, and writes nothing', async (_, rule, path, problem) => {
    await expectNothingWritten(async () => {
      const reply = await create('refused', JSON.parse(JSON.stringify(rule)));
      expect(reply.body.data).toEqual({ createObserver: null });
      const [error] = reply.body.errors!;
      expect(error).toMatchObject({ path: ['createObserver'], extensions: { code: 'FRAISEQL_OBSERVER_INVALID' } });
      expect(error!.message).toContain(`${path}: `);
      expect(error!.extensions.problems).toContainEqual({ path, message: expect.stringMatching(problem) });
      expect(reply.status).toBe(422);
    });
  });

  it('refuses a bad rule in an update, and a bad name, leaving the stored rule as it was', async () => {
    const created = await create('kept', SHIPPED_WEBHOOK);
    const id = created.body.data!.createObserver.observer.id;
    await expectNothingWritten(async () => {
      const reply = await mutate(UPDATE, { id, rule: { ...SHIPPED_WEBHOOK, condition: 'data.nope > 1' } }, ADMIN_A);
      expect(reply.body.errors?.[0]).toMatchObject({
        extensions: { code: 'FRAISEQL_OBSERVER_INVALID', problems: [{ path: 'rule.condition' }] },
      });
      const explicitNull = await mutate(UPDATE, { id, rule: null }, ADMIN_A);
      expect(explicitNull.body.errors?.[0]).toMatchObject({
        extensions: { problems: [{ path: 'rule', message: expect.stringMatching(/leave rule out/) }] },
      });
      const renamed = await mutate(UPDATE, { id, rule: { ...SHIPPED_WEBHOOK, name: 'other' } }, ADMIN_A);
      expect(renamed.body.errors?.[0]).toMatchObject({
        extensions: { problems: [{ path: 'rule.name', message: expect.stringMatching(/keeps the name/) }] },
      });
      const badName = await create('not a name', SHIPPED_WEBHOOK);
      expect(badName.body.errors?.[0]).toMatchObject({ extensions: { code: 'FRAISEQL_OBSERVER_INVALID', problems: [{ path: 'name' }] } });
    });
    // Enabling alone does not re-validate the rule.
    expect((await mutate(UPDATE, { id, enabled: false }, ADMIN_A)).body.data!.updateObserver.observer).toMatchObject({
      version: 2,
      enabled: false,
    });
    await mutate(DELETE, { id }, ADMIN_A);
  });

  it('answers a caller without the role FORBIDDEN: the mutation as MutationError (the function decides), the list as a field error', async () => {
    await expectNothingWritten(async () => {
      const reply = await create('readerRule', SHIPPED_WEBHOOK, READER_A);
      expect(reply.body.data!.createObserver).toMatchObject({ __typename: 'MutationError', errorClass: 'FORBIDDEN' });
    });
    const listed = await list(READER_A);
    expect(listed.body.data).toEqual({ observers: null });
    expect(listed.body.errors).toEqual([
      expect.objectContaining({
        path: ['observers'],
        extensions: { code: 'FRAISEQL_FORBIDDEN' },
        message: expect.stringMatching(/admin or observers:admin/),
      }),
    ]);
  });

  it('refuses callers without an org as requireOrg does: UNAUTHENTICATED without credentials, FORBIDDEN outside any org', async () => {
    await expectNothingWritten(async () => {
      const anonymous = await create('anonymousRule', SHIPPED_WEBHOOK, ANONYMOUS_CALLER);
      expect(anonymous.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_UNAUTHENTICATED');
      const orgless = await create('orglessRule', SHIPPED_WEBHOOK, ORGLESS_ADMIN);
      expect(orgless.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_FORBIDDEN');
      const deleteOrgless = await mutate(DELETE, { id: '11111111-1111-4111-8111-111111111111' }, ORGLESS_ADMIN);
      expect(deleteOrgless.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_FORBIDDEN');
    });
    expect((await list(ANONYMOUS_CALLER)).body.errors?.[0]?.extensions.code).toBe('FRAISEQL_UNAUTHENTICATED');
  });

  it("keeps orgs apart: org B's admin neither sees nor changes org A's rules, and cannot create one for org A", async () => {
    const created = await create('orgARule', SHIPPED_WEBHOOK, ADMIN_A);
    const id = created.body.data!.createObserver.observer.id;
    await expectNothingWritten(async () => {
      expect((await list(ADMIN_B)).body).toEqual({ data: { observers: [] } });
      expect((await mutate(UPDATE, { id, enabled: false }, ADMIN_B)).body.data!.updateObserver).toMatchObject({ errorClass: 'NOT_FOUND' });
      expect((await mutate(DELETE, { id }, ADMIN_B)).body.data!.deleteObserver).toMatchObject({ errorClass: 'NOT_FOUND' });
      const forA = await create('planted', { ...SHIPPED_WEBHOOK, orgId: ORG_A }, ADMIN_B);
      expect(forA.body.errors?.[0]).toMatchObject({
        extensions: {
          code: 'FRAISEQL_OBSERVER_INVALID',
          problems: [{ path: 'rule.orgId', message: expect.stringMatching(/another organization/) }],
        },
      });
      const everyOrg = await create('planted', { ...SHIPPED_WEBHOOK, orgId: null }, ADMIN_B);
      expect(everyOrg.body.errors?.[0]).toMatchObject({ extensions: { problems: [{ path: 'rule.orgId' }] } });
    });
    // Naming its own org is accepted (and not stored: the org is the row's).
    const own = await create('ownOrg', { ...SHIPPED_WEBHOOK, orgId: ORG_B.toUpperCase() }, ADMIN_B);
    expect(own.body.data!.createObserver.observer).toMatchObject({ name: 'ownOrg', rule: SHIPPED_WEBHOOK });
    const { rows: stored } = await pool.query('SELECT org_id::text AS org, rule FROM fraiseql.tb_observer WHERE name = $1', ['ownOrg']);
    expect(stored).toEqual([{ org: ORG_B, rule: SHIPPED_WEBHOOK }]);
    expect((await list(ADMIN_B)).body.data!.observers.map((o: { name: string }) => o.name)).toEqual(['ownOrg']);
    expect((await list(ADMIN_A)).body.data!.observers.map((o: { name: string }) => o.name)).toEqual(['orgARule']);
    await waitFor(async () => (await entry(ORG_B, 'ownOrg')) !== undefined, 5000);
  });
});
