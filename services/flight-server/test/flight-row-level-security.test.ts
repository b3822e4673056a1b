import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import { QueryPlanner } from '@fraiseql/query-planner';
import type { CompiledSchema } from '@fraiseql/schema';
import { DEMO_ORG_IDS, migrateShop, seedShop } from '@fraiseql/shop';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import { PostgresSession } from '../src/postgres-session';

// Row-level security under flight-server (docs/adr/0132-row-level-security.md): its sessions log in as fraiseql_flight
// and switch no role, so the policies apply to that role directly. The planner's Arrow SQL with its org predicate
// removed, in a real PostgresSession, still returns the principal's org only.

const SHOP = JSON.parse(readFileSync(join(__dirname, '../../../examples/shop/schema.compiled.json'), 'utf8')) as CompiledSchema;
const [ORG_A, ORG_B] = DEMO_ORG_IDS as unknown as [string, string];
const analyst = (orgId: string | null): AuthenticatedCaller => ({ subject: `analyst-of-${orgId ?? 'none'}`, orgId, roles: ['analyst'] });

describe('flight-server sessions under row-level security', () => {
  let db: TestDatabase;
  let admin: Pool;
  let flight: Pool;
  const planner = new QueryPlanner(SHOP, { cursorSecret: 'flight-row-level-security-cursor-secret-0123' });

  /** The Arrow SQL of a GraphQL ticket for `orders` (libs/query-planner planArrow), without `t.org_id = $n::uuid`. */
  const ordersWithoutOrgPredicate = (caller: AuthenticatedCaller): { sql: string; values: unknown[] } => {
    const plan = planner.planArrow(planner.prepare({ query: '{ orders { id } }' }), {}, caller);
    const sql = plan.sql.replace(/t\.org_id = \$(\d+)::uuid/g, (_m, n: string) => `$${n}::uuid IS NOT NULL`);
    expect(sql).not.toBe(plan.sql);
    expect(sql).not.toMatch(/org_id\s*=/);
    return { sql, values: plan.values as unknown[] };
  };
  const inSession = async <T>(principal: AuthenticatedCaller, readOnly: boolean, work: (s: PostgresSession) => Promise<T>): Promise<T> => {
    const session = await PostgresSession.open(flight, { readOnly, statementTimeoutMs: 0, principal });
    try {
      const result = await work(session);
      await session.commit();
      return result;
    } catch (error) {
      await session.rollback();
      throw error;
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase('wt_rls_flight');
    await migrateShop({ connectionString: db.url });
    await seedShop({ connectionString: db.url, orders: 200, orgs: 2 });
    admin = new Pool({ connectionString: db.url, max: 2 });
    const url = new URL(db.url);
    url.username = 'fraiseql_flight';
    url.password = '';
    flight = new Pool({ connectionString: url.toString(), max: 2 });
  });
  afterAll(async () => {
    await flight?.end();
    await admin?.end();
    await db?.drop();
  });

  it("returns only the principal's org's orders when the planner's org predicate is removed", async () => {
    for (const org of [ORG_A, ORG_B]) {
      const expected = (await admin.query(`SELECT id::text FROM tb_order WHERE org_id = $1 ORDER BY id`, [org])).rows.map((r) => r.id);
      expect(expected.length).toBeGreaterThan(0);
      const statement = ordersWithoutOrgPredicate(analyst(org));
      const got = await inSession(analyst(org), true, async (s) => (await s.client.query(statement.sql, statement.values)).rows);
      // planArrow names its columns c0, c1, … in selection order.
      expect(got.map((r: { c0: string }) => r.c0).sort()).toEqual(expected);
    }
  });

  it('sees no row of any dataset in a session without an org', async () => {
    const counts = await inSession(
      analyst(null),
      true,
      async (s) =>
        (
          await s.client.query(
            `SELECT (SELECT count(*) FROM va_order)::int AS va_order, (SELECT count(*) FROM va_product)::int AS va_product,
                  (SELECT count(*) FROM ta_order_fact)::int AS ta_order_fact, (SELECT count(*) FROM v_order)::int AS v_order`,
          )
        ).rows,
    );
    expect(counts).toEqual([{ va_order: 0, va_product: 0, ta_order_fact: 0, v_order: 0 }]);
  });

  it("refuses to write a row of another org into a ta_ table, and refreshes only the session's org", async () => {
    await expect(
      inSession(analyst(ORG_A), false, (s) =>
        s.client.query(`INSERT INTO ta_sales_target (org_id, month, region, target) VALUES ($1, '2024-01-01', 'EU', 1)`, [ORG_B]),
      ),
    ).rejects.toMatchObject({ code: '42501' });
    // The `refresh` action's statements with the org filter forgotten: only org A's rows move.
    const inserted = await inSession(analyst(ORG_A), false, async (s) => {
      await s.client.query('DELETE FROM ta_order_fact');
      return (await s.client.query('INSERT INTO ta_order_fact SELECT * FROM va_order')).rowCount;
    });
    const { rows } = await admin.query(`SELECT org_id::text, count(*)::int AS n FROM ta_order_fact GROUP BY org_id`);
    const ordersOfA = (await admin.query(`SELECT count(*)::int AS n FROM tb_order WHERE org_id = $1`, [ORG_A])).rows[0].n;
    expect(rows).toEqual([{ org_id: ORG_A, n: ordersOfA }]);
    expect(inserted).toBe(ordersOfA);
    expect(await admin.query(`SELECT count(*)::int AS n FROM ta_sales_target`).then((r) => r.rows)).toEqual([{ n: 0 }]);
  });
});
