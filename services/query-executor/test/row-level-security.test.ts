import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { ANONYMOUS_CALLER, type Caller } from '@fraiseql/identity';
import { QueryPlanner } from '@fraiseql/query-planner';
import type { CompiledSchema } from '@fraiseql/schema';
import { DEMO_ORG_IDS, migrateShop, seedShop } from '@fraiseql/shop';
import { loadConfig } from '@fraiseql/service-kit';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import { queryExecutorConfig } from '../src/config';
import type { PlannedStatement } from '../src/pooled-transaction';
import { runMutationTransaction } from '../src/run-mutation-transaction';
import { runReadTransaction } from '../src/run-read-transaction';

// Row-level security as the second tenancy wall (docs/adr/0132-row-level-security.md): the planner's SQL with its
// org predicate removed, run in the executor's own request transactions as fraiseql_app, still sees one org only.

const SHOP = JSON.parse(readFileSync(join(__dirname, '../../../examples/shop/schema.compiled.json'), 'utf8')) as CompiledSchema;
const [ORG_A, ORG_B] = DEMO_ORG_IDS as unknown as [string, string];
const REQUEST_ROLE = 'fraiseql_app';
const staff = (orgId: string): Caller => ({ subject: `staff-of-${orgId}`, orgId, roles: ['staff', 'admin'] });

/** How libs/query-planner renders the org predicate of a root statement (root-statements.ts, filterConditions). */
const ORG_PREDICATE = /t\.org_id = \$(\d+)::uuid/g;

/**
 * The statement without its org predicate. The parameter stays referenced (`$n::uuid IS NOT NULL`, always true) so
 * the statement still binds the same values; a new name, so no connection reuses the prepared original.
 */
function withoutOrgPredicate(statement: PlannedStatement): PlannedStatement {
  const text = statement.text.replace(ORG_PREDICATE, (_m, n: string) => `$${n}::uuid IS NOT NULL`);
  expect(text).not.toBe(statement.text);
  expect(text).not.toMatch(/org_id\s*=/);
  return { name: `${statement.name}_no_org`, text, values: statement.values };
}

describe('the request role in the configuration', () => {
  it('defaults to fraiseql_app, accepts another role name or none, and refuses anything that is not a role name', () => {
    expect(loadConfig(queryExecutorConfig, { env: {} }).FRAISEQL_QUERY_EXECUTOR_REQUEST_ROLE).toBe('fraiseql_app');
    expect(
      loadConfig(queryExecutorConfig, { env: { FRAISEQL_QUERY_EXECUTOR_REQUEST_ROLE: 'none' } }).FRAISEQL_QUERY_EXECUTOR_REQUEST_ROLE,
    ).toBe('none');
    expect(() => loadConfig(queryExecutorConfig, { env: { FRAISEQL_QUERY_EXECUTOR_REQUEST_ROLE: 'app; DROP TABLE x' } })).toThrow(
      /FRAISEQL_QUERY_EXECUTOR_REQUEST_ROLE/,
    );
  });
});

describe('row-level security: the second tenancy wall under the planner', () => {
  let db: TestDatabase;
  let pool: Pool;
  const planner = new QueryPlanner(SHOP, { cursorSecret: 'row-level-security-test-cursor-secret-0123' });

  const planned = (query: string, caller: Caller, variables: Record<string, unknown> = {}): PlannedStatement[] => {
    const plan = planner.plan(planner.prepare({ query }), variables, caller);
    return plan.steps.flatMap((s) => (s.kind === 'sql' ? [{ name: s.name, text: s.text, values: s.values }] : []));
  };
  const read = async (caller: Caller, statements: PlannedStatement[]): Promise<unknown[]> => {
    const { outcomes } = await runReadTransaction(pool, { caller, statementTimeoutMs: 5000, role: REQUEST_ROLE }, statements);
    return outcomes.map((o) => {
      if (o instanceof Error) throw o;
      return o === null ? null : JSON.parse(o);
    });
  };
  const rows = async <T>(sql: string, values: unknown[] = []): Promise<T[]> => (await pool.query(sql, values)).rows as T[];
  const idsOf = async (table: string, orgId: string): Promise<string[]> =>
    (await rows<{ id: string }>(`SELECT id::text FROM ${table} WHERE org_id = $1 ORDER BY id`, [orgId])).map((r) => r.id);

  beforeAll(async () => {
    db = await createTestDatabase('wt_rls_executor');
    await migrateShop({ connectionString: db.url });
    await seedShop({ connectionString: db.url, orders: 200, orgs: 2 });
    pool = new Pool({ connectionString: db.url, max: 4 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('runs request transactions as a role without BYPASSRLS that owns no table, with every org table forced under a policy', async () => {
    const [role] = await rows<{ rolbypassrls: boolean; rolsuper: boolean; rolcanlogin: boolean }>(
      `SELECT rolbypassrls, rolsuper, rolcanlogin FROM pg_roles WHERE rolname = $1`,
      [REQUEST_ROLE],
    );
    expect(role).toEqual({ rolbypassrls: false, rolsuper: false, rolcanlogin: false });
    const [flight] = await rows<{ rolbypassrls: boolean; rolsuper: boolean }>(
      `SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = 'fraiseql_flight'`,
    );
    expect(flight).toEqual({ rolbypassrls: false, rolsuper: false });
    const owned = await rows(
      `SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname IN ('fraiseql_app', 'fraiseql_flight')`,
    );
    expect(owned).toEqual([]);

    // Every application table with an org column (and tb_organization, keyed by its id) is forced under the tenant policy.
    const tables = await rows<{ relname: string; forced: boolean; enabled: boolean; policy: string | null }>(
      `SELECT c.relname, c.relforcerowsecurity AS forced, c.relrowsecurity AS enabled,
              (SELECT p.qual FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname AND p.policyname = 'fraiseql_tenant') AS policy
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r'
         AND (c.relname = 'tb_organization' OR EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped))
       ORDER BY c.relname`,
    );
    expect(tables.map((t) => t.relname)).toEqual([
      'ta_order_fact',
      'ta_sales_target',
      'tb_category',
      'tb_order',
      'tb_order_item',
      'tb_organization',
      'tb_product',
      'tb_review',
      'tb_user',
      'tv_order',
    ]);
    for (const t of tables) {
      expect({ table: t.relname, enabled: t.enabled, forced: t.forced }).toEqual({ table: t.relname, enabled: true, forced: true });
      expect(t.policy).toContain("current_setting('fraiseql.org_id'::text, true)");
    }
    // Views apply the policies of their tables to whoever reads them.
    const definerViews = await rows(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'v' AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)`,
    );
    expect(definerViews).toEqual([]);
  });

  it.each([
    ['users', '{ users(limit: 500) { id } }', 'tb_user', (d: any) => d],
    ['products', '{ products(limit: 500) { id } }', 'tb_product', (d: any) => d],
    ['orders (tv_order projection)', '{ orders(limit: 500) { id } }', 'tb_order', (d: any) => d],
    [
      'an orders connection',
      '{ ordersConnection(first: 500) { edges { node { id } } } }',
      'tb_order',
      (d: any) => d.edges.map((e: any) => e.node),
    ],
  ])("returns only the caller's org's %s when the planner's org predicate is removed", async (_label, query, table, pick) => {
    for (const org of [ORG_A, ORG_B]) {
      const expected = await idsOf(table, org);
      expect(expected.length).toBeGreaterThan(0);
      const [result] = await read(staff(org), planned(query, staff(org)).map(withoutOrgPredicate));
      const ids = (pick(result) as Array<{ id: string }>).map((r) => r.id).sort();
      expect(ids).toEqual(expected);
    }
  });

  it("does not find another org's order by id once the org predicate is removed", async () => {
    const [orderOfB] = await idsOf('tb_order', ORG_B);
    const statements = planned(`{ order(id: "${orderOfB}") { id } }`, staff(ORG_A)).map(withoutOrgPredicate);
    expect(await read(staff(ORG_A), statements)).toEqual([null]);
    const own = planned(`{ order(id: "${orderOfB}") { id } }`, staff(ORG_B)).map(withoutOrgPredicate);
    expect(await read(staff(ORG_B), own)).toEqual([{ id: orderOfB }]);
  });

  it('sees no tenant row at all in a transaction without an org (anonymous or org-less caller)', async () => {
    const statements = planned('{ users(limit: 500) { id } orders(limit: 500) { id } products(limit: 500) { id } }', staff(ORG_A)).map(
      withoutOrgPredicate,
    );
    for (const caller of [ANONYMOUS_CALLER, { subject: 'nobody-in-particular', orgId: null, roles: [] }]) {
      expect(await read(caller, statements)).toEqual([[], [], []]);
    }
    // Straight SQL over the tables, in the same kind of transaction.
    const counted = await read(ANONYMOUS_CALLER, [
      {
        name: 'rls_count_all',
        text: `SELECT json_build_array((SELECT count(*) FROM tb_order), (SELECT count(*) FROM tb_user), (SELECT count(*) FROM tb_order_item),
                 (SELECT count(*) FROM tv_order), (SELECT count(*) FROM va_order), (SELECT count(*) FROM tb_organization))::text`,
        values: [],
      },
    ]);
    expect(counted).toEqual([[0, 0, 0, 0, 0, 0]]);
  });

  it("keeps a mutation function of org A from changing org B's order even when its ctx claims org B", async () => {
    const [orderOfB] = await rows<{ id: string; status: string }>(
      `SELECT id::text, status FROM tb_order WHERE org_id = $1 AND status = 'PENDING' ORDER BY id LIMIT 1`,
      [ORG_B],
    );
    // The function trusts ctx (org B, role admin); the transaction's settings say org A: row-level security wins.
    const spoofed = await runMutationTransaction(
      pool,
      { caller: staff(ORG_A), statementTimeoutMs: 5000, role: REQUEST_ROLE, traceparent: '', schemaVersion: 'rls-test' },
      [
        {
          name: 'rls_spoofed_ctx',
          text: `SELECT row_to_json(fn_update_order_status($1::jsonb, $2::jsonb))::text`,
          values: [
            JSON.stringify({ id: orderOfB!.id, status: 'PAID' }),
            JSON.stringify({ org_id: ORG_B, user_id: 'intruder', roles: ['admin'] }),
          ],
        },
        {
          name: 'rls_update_other_org',
          text: `WITH u AS (UPDATE tb_order SET notes = 'intruder' WHERE id = $1 RETURNING 1) SELECT count(*)::text FROM u`,
          values: [orderOfB!.id],
        },
      ],
    );
    expect(spoofed.kind).toBe('ran');
    if (spoofed.kind !== 'ran') return;
    expect(spoofed.committed).toBe(true);
    expect(JSON.parse(spoofed.outcomes[0] as string)).toMatchObject({ succeeded: false, error_class: 'not_found' });
    expect(spoofed.outcomes[1]).toBe('0');
    expect(await rows(`SELECT status, notes FROM tb_order WHERE id = $1`, [orderOfB!.id])).toEqual([{ status: 'PENDING', notes: null }]);

    // Writing a row into another org is refused by the policy's WITH CHECK, and nothing is written.
    const [userOfA] = await idsOf('tb_user', ORG_A);
    const smuggled = await runMutationTransaction(
      pool,
      { caller: staff(ORG_A), statementTimeoutMs: 5000, role: REQUEST_ROLE, traceparent: '', schemaVersion: 'rls-test' },
      [
        {
          name: 'rls_insert_other_org',
          text: `INSERT INTO tb_category (org_id, name, slug) VALUES ($1, 'smuggled', 'smuggled') RETURNING id::text`,
          values: [ORG_B],
        },
      ],
    );
    expect(smuggled).toMatchObject({ kind: 'ran', committed: false });
    expect(userOfA).toBeDefined();
    expect(await rows(`SELECT id FROM tb_category WHERE slug = 'smuggled'`)).toEqual([]);
  });

  it("runs a planned mutation of org A as the request role, with its change event, and org B's data untouched", async () => {
    const [orderOfA] = await rows<{ id: string }>(
      `SELECT id::text FROM tb_order WHERE org_id = $1 AND status = 'PENDING' ORDER BY id LIMIT 1`,
      [ORG_A],
    );
    const before = await rows<{ org_id: string; n: string }>(
      `SELECT org_id::text, count(*)::text AS n FROM tb_order GROUP BY org_id ORDER BY org_id`,
    );
    const plan = planner.plan(
      planner.prepare({
        query: `mutation { updateOrderStatus(input: { id: "${orderOfA!.id}", status: PAID }) { __typename ... on UpdateOrderStatusSuccess { order { id status } } } }`,
      }),
      {},
      staff(ORG_A),
    );
    const statements = plan.steps.flatMap((s) => (s.kind === 'sql' ? [{ name: s.name, text: s.text, values: s.values }] : []));
    const result = await runMutationTransaction(
      pool,
      { caller: staff(ORG_A), statementTimeoutMs: 5000, role: REQUEST_ROLE, traceparent: '', schemaVersion: 'rls-test' },
      statements,
    );
    expect(result).toMatchObject({ kind: 'ran', committed: true });
    if (result.kind !== 'ran') return;
    expect(JSON.parse(result.outcomes[0] as string)).toEqual({
      __typename: 'UpdateOrderStatusSuccess',
      order: { id: orderOfA!.id, status: 'PAID' },
    });
    expect(await rows(`SELECT status FROM tb_order WHERE id = $1`, [orderOfA!.id])).toEqual([{ status: 'PAID' }]);
    expect(await rows(`SELECT data->>'status' AS status FROM tv_order WHERE id = $1`, [orderOfA!.id])).toEqual([{ status: 'PAID' }]);
    // The capture flush ran at commit as the request role: one UPDATE event of org A.
    expect(
      await rows(`SELECT org_id::text, event_type, changed_fields FROM fraiseql.tb_entity_change_log WHERE entity_id = $1`, [orderOfA!.id]),
    ).toEqual([{ org_id: ORG_A, event_type: 'UPDATE', changed_fields: ['status', 'updatedAt'] }]);
    expect(await rows(`SELECT org_id::text, count(*)::text AS n FROM tb_order GROUP BY org_id ORDER BY org_id`)).toEqual(before);
  });

  it('does not let the request role read the change log (only the relay, as the system role, does)', async () => {
    const [outcome] = (
      await runReadTransaction(pool, { caller: staff(ORG_A), statementTimeoutMs: 5000, role: REQUEST_ROLE }, [
        { name: 'rls_read_change_log', text: `SELECT count(*)::text FROM fraiseql.tb_entity_change_log`, values: [] },
      ])
    ).outcomes;
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error & { code: string }).code).toBe('FRAISEQL_DB_PERMISSION_DENIED');
  });
});
