import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { compileSchema, datasetColumnSqlType, type CompiledDataset } from '@fraiseql/schema';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import { migrateShop, seedShop } from '../src';
import { schema } from '../src/schema';
import { seedId } from '../src/seed-ids';

// Migration 0007 (va_order, va_product, ta_order_fact, ta_sales_target) against the datasets
// declared in src/schema.ts, and the fraiseql_flight role of framework migration 0004.

let db: TestDatabase;
let client: Client;
let flight: Client;
let applied: string[];

const datasets = compileSchema(schema).datasets;
const ORG_1 = seedId('organization', 1, 0);

beforeAll(async () => {
  db = await createTestDatabase('fraiseql_shop_analytics');
  ({ applied } = await migrateShop({ connectionString: db.url }));
  await seedShop({ connectionString: db.url, orders: 1000 });
  client = new Client({ connectionString: db.url });
  await client.connect();
  const asFlight = new URL(db.url);
  asFlight.username = 'fraiseql_flight';
  asFlight.password = '';
  flight = new Client({ connectionString: asFlight.toString() });
  await flight.connect();
});

afterAll(async () => {
  await flight?.end();
  await client?.end();
  await db?.drop();
});

/** The SQLSTATE `sql` fails with on `on`, or undefined when it succeeds (always rolled back). */
async function sqlStateOf(on: Client, sql: string, params: unknown[] = []): Promise<string | undefined> {
  await on.query('BEGIN');
  try {
    await on.query(sql, params);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  } finally {
    await on.query('ROLLBACK');
  }
}

interface PgColumn {
  relname: string;
  relkind: string;
  attname: string;
  sql_type: string;
  not_null: boolean;
  other_typmod: boolean;
}

/** Every column of the public relations named va_* / ta_*, in column order, typed as datasetColumnSqlType spells it. */
async function analyticsColumns(): Promise<PgColumn[]> {
  const { rows } = await client.query<PgColumn>(`
    SELECT c.relname, c.relkind::text AS relkind, a.attname, a.attnotnull AS not_null,
           base.typname
             || CASE WHEN base.typname = 'numeric' AND a.atttypmod >= 4
                     THEN '(' || (((a.atttypmod - 4) >> 16) & 65535) || ',' || ((a.atttypmod - 4) & 65535) || ')' ELSE '' END
             || CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN '[]' ELSE '' END AS sql_type,
           base.typname <> 'numeric' AND a.atttypmod <> -1 AS other_typmod
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_type t ON t.oid = a.atttypid
    JOIN pg_type base ON base.oid = CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN t.typelem ELSE t.oid END
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND (c.relname LIKE 'va\\_%' OR c.relname LIKE 'ta\\_%')
    ORDER BY c.relname, a.attnum`);
  return rows;
}

describe('shop analytics migration', () => {
  it('applies the framework role migration and the analytics migration', () => {
    expect(applied).toEqual(expect.arrayContaining(['0004_fraiseql_flight_role', '0007_shop_analytics']));
    expect(applied.indexOf('0004_fraiseql_flight_role')).toBeLessThan(applied.indexOf('0007_shop_analytics'));
  });

  it('declares exactly the va_/ta_ relations of the database, column for column: names, order, types with numeric precision and scale, arrays', async () => {
    const columns = await analyticsColumns();
    const actual = [...new Set(columns.map((c) => c.relname))].map((relname) => {
      const own = columns.filter((c) => c.relname === relname);
      return {
        name: relname,
        kind: own[0]!.relkind === 'v' ? 'view' : own[0]!.relkind === 'r' ? 'table' : own[0]!.relkind,
        columns: own.map((c) => `${c.attname} ${c.sql_type}`),
      };
    });
    const declared = datasets.map((d) => ({
      name: d.name,
      kind: d.kind,
      columns: d.columns.map((c) => `${c.name} ${datasetColumnSqlType(c)}`),
    }));
    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
    expect(actual.sort(byName)).toEqual(declared.sort(byName));
    // No length or precision modifier on any other type (the declarations have none).
    expect(columns.filter((c) => c.other_typmod)).toEqual([]);
  });

  it('declares a table column nullable exactly when PostgreSQL allows NULL in it', async () => {
    const columns = await analyticsColumns();
    for (const dataset of datasets.filter((d) => d.kind === 'table')) {
      const notNull = columns.filter((c) => c.relname === dataset.name).map((c) => `${c.attname} ${c.not_null ? 'not null' : 'null'}`);
      expect(notNull).toEqual(dataset.columns.map((c) => `${c.name} ${c.nullable ? 'null' : 'not null'}`));
    }
  });

  it('gives no NULL in a view column declared not nullable (seeded data)', async () => {
    for (const dataset of datasets.filter((d: CompiledDataset) => d.kind === 'view')) {
      const required = dataset.columns.filter((c) => !c.nullable).map((c) => c.name);
      const counts = required.map((c) => `count(*) FILTER (WHERE ${c} IS NULL) AS ${c}`).join(', ');
      const { rows } = await client.query(`SELECT count(*)::int AS rows, ${counts} FROM ${dataset.name}`);
      const { rows: total, ...nulls } = rows[0] as Record<string, string | number>;
      expect(total).toBeGreaterThan(0);
      expect(Object.fromEntries(Object.entries(nulls).map(([k, v]) => [k, Number(v)]))).toEqual(
        Object.fromEntries(required.map((c) => [c, 0])),
      );
    }
  });
});

describe('va_order', () => {
  interface OrderItemData {
    quantity: number;
    unitPrice: number;
    product: { sku: string };
  }
  interface OrderData {
    status: string;
    total: number;
    currency: string;
    notes: string | null;
    placedAt: string;
    itemCount: number;
    shippingAddress: { street: string; city: string; postalCode: string; country: string };
    customer: { id: string; email: string };
    items: OrderItemData[];
  }

  it("agrees with v_order's JSON for every seeded order", async () => {
    const { rows } = await client.query(`
      SELECT a.id, a.org_id, a.status, a.total::text AS total, a.currency, a.item_count, a.units::text AS units,
             fraiseql.to_iso8601(a.placed_at) AS placed_at, a.placed_on::text AS placed_on, a.customer_id, a.customer_email,
             a.is_cancelled, a.avg_unit_price, a.product_skus, a.shipping_address, a.notes,
             v.org_id AS view_org_id, v.data
      FROM va_order a JOIN v_order v ON v.id = a.id
      ORDER BY a.id`);
    expect(rows).toHaveLength(1000);
    // The sample covers the cases the columns distinguish.
    expect(rows.some((r) => r.is_cancelled)).toBe(true);
    expect(rows.some((r) => r.notes !== null)).toBe(true);
    expect(rows.some((r) => r.item_count > 1 && new Set(r.product_skus).size > 1)).toBe(true);
    for (const row of rows) {
      const data = row.data as OrderData;
      const units = data.items.reduce((n, i) => n + i.quantity, 0);
      const amount = data.items.reduce((n, i) => n + i.quantity * i.unitPrice, 0);
      const { street, city, postalCode, country } = data.shippingAddress;
      expect({ ...row, avg_unit_price: undefined, data: undefined }).toEqual({
        id: row.id,
        org_id: row.view_org_id,
        view_org_id: row.view_org_id,
        status: data.status,
        total: data.total.toFixed(2),
        currency: data.currency,
        item_count: data.itemCount,
        units: String(units),
        placed_at: data.placedAt,
        placed_on: data.placedAt.slice(0, 10),
        customer_id: data.customer.id,
        customer_email: data.customer.email,
        is_cancelled: data.status === 'CANCELLED',
        avg_unit_price: undefined,
        product_skus: data.items.map((i) => i.product.sku),
        shipping_address: { street, city, postal_code: postalCode, country },
        notes: data.notes,
        data: undefined,
      });
      expect(row.avg_unit_price).toBeCloseTo(amount / units, 9);
    }
  });

  it('gives an order without items 0 item lines, 0 units, no average price and no skus', async () => {
    await client.query('BEGIN');
    try {
      const order = seedId('order', 1, 999_999);
      await client.query(
        `
        INSERT INTO tb_order (id, org_id, customer_id, status, total, currency, shipping_address, placed_at)
        VALUES ($1, $2, $3, 'PENDING', 0, 'EUR', '{"street": "s", "city": "c", "postal_code": "p", "country": "FR"}', '2024-12-31 23:30:00-02')`,
        [order, ORG_1, seedId('user', 1, 1)],
      );
      const { rows } = await client.query(
        'SELECT item_count, units::text AS units, avg_unit_price, product_skus, placed_on::text AS placed_on FROM va_order WHERE id = $1',
        [order],
      );
      expect(rows).toEqual([{ item_count: 0, units: '0', avg_unit_price: null, product_skus: [], placed_on: '2025-01-01' }]);
    } finally {
      await client.query('ROLLBACK');
    }
  });

  it("reaches the item aggregate's scan with an org or id filter (no pass over every org's items)", async () => {
    /** The condition line right under the scan of tb_order_item in the plan of `SELECT * FROM va_order WHERE <where>`. */
    const itemScanCondition = async (where: string) => {
      const lines = (await client.query(`EXPLAIN (COSTS OFF) SELECT * FROM va_order WHERE ${where}`)).rows.map(
        (r) => r['QUERY PLAN'] as string,
      );
      const scan = lines.findIndex((l) => l.includes(' on tb_order_item oi'));
      expect(scan).toBeGreaterThan(-1);
      return lines[scan + 1]!.trim();
    };
    expect(await itemScanCondition(`org_id = '${ORG_1}'`)).toMatch(/^(Filter|Index Cond|Recheck Cond): \(org_id = /);
    expect(await itemScanCondition(`id = '${seedId('order', 1, 1)}'`)).toMatch(/^Index Cond: \(order_id = /);
  });
});

describe('va_product', () => {
  it("agrees with v_product's JSON for every seeded product", async () => {
    const { rows } = await client.query(`
      SELECT a.id, a.org_id, a.sku, a.name, a.price::text AS price, a.stock, a.is_active, a.tags, a.category, a.attributes,
             fraiseql.to_iso8601(a.created_at) AS created_at, v.org_id AS view_org_id, v.data
      FROM va_product a JOIN v_product v ON v.id = a.id`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.category === null) && rows.some((r) => r.category !== null)).toBe(true);
    for (const { data, view_org_id: viewOrg, ...row } of rows) {
      expect(row).toEqual({
        id: data.id,
        org_id: viewOrg,
        sku: data.sku,
        name: data.name,
        price: data.price.toFixed(2),
        stock: data.stock,
        is_active: data.isActive,
        tags: data.tags,
        category: data.category?.name ?? null,
        attributes: data.attributes,
        created_at: data.createdAt,
      });
    }
  });
});

describe('fraiseql_flight role', () => {
  it('is a login role without superuser, createdb or createrole', async () => {
    const { rows } = await client.query(
      `SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = 'fraiseql_flight'`,
    );
    expect(rows).toEqual([{ rolcanlogin: true, rolsuper: false, rolcreatedb: false, rolcreaterole: false }]);
  });

  it('holds SELECT on va_/ta_/v_ relations and the tb_/tv_ tables they read, INSERT and DELETE on ta_ tables, and nothing else', async () => {
    const { rows } = await client.query<{ relation: string; privileges: string[] }>(`
      SELECT n.nspname || '.' || c.relname AS relation,
             array(SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
                   WHERE has_table_privilege('fraiseql_flight', c.oid, p)) AS privileges
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN ('public', 'fraiseql') AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      ORDER BY 1`);
    const expected = (relation: string): string[] => {
      const [schemaName, name] = relation.split('.') as [string, string];
      if (schemaName !== 'public') return [];
      if (name.startsWith('ta_')) return ['SELECT', 'INSERT', 'DELETE'];
      // tb_/tv_: security_invoker views read them with the reader's rights, under row-level security (ADR 0132).
      return ['va_', 'v_', 'tb_', 'tv_'].some((prefix) => name.startsWith(prefix)) ? ['SELECT'] : [];
    };
    expect(rows.map((r) => r.relation)).toEqual(
      expect.arrayContaining([
        'public.tb_order',
        'public.tv_order',
        'public.v_order',
        'public.va_order',
        'public.ta_order_fact',
        'fraiseql.tb_entity_change_log',
      ]),
    );
    expect(Object.fromEntries(rows.map((r) => [r.relation, r.privileges]))).toEqual(
      Object.fromEntries(rows.map((r) => [r.relation, expected(r.relation)])),
    );
    const schemas = await client.query(
      `SELECT has_schema_privilege('fraiseql_flight', 'public', 'USAGE') AS public, has_schema_privilege('fraiseql_flight', 'fraiseql', 'USAGE') AS fraiseql`,
    );
    expect(schemas.rows).toEqual([{ public: true, fraiseql: false }]);
  });

  it("connected as fraiseql_flight, reads every va_, ta_ and v_ relation, the org in fraiseql.org_id's rows only", async () => {
    const { rows } = await client.query<{ relname: string }>(`
      SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v')
        AND (relname LIKE 'va\\_%' OR relname LIKE 'ta\\_%' OR relname LIKE 'v\\_%') ORDER BY relname`);
    expect(rows.map((r) => r.relname)).toEqual([
      'ta_order_fact',
      'ta_sales_target',
      'v_category',
      'v_order',
      'v_order_source',
      'v_product',
      'v_review',
      'v_user',
      'va_order',
      'va_product',
    ]);
    for (const { relname } of rows) {
      // Reading every column: security_invoker views read the tb_* tables with the reader's rights.
      expect(await sqlStateOf(flight, `SELECT * FROM ${relname} LIMIT 5`)).toBeUndefined();
    }
    // Row-level security (ADR 0132): no org set, no row; an org set, that org's rows only.
    expect((await flight.query('SELECT count(*)::int AS n FROM va_order')).rows).toEqual([{ n: 0 }]);
    await flight.query('BEGIN');
    await flight.query("SELECT set_config('fraiseql.org_id', $1, true)", [ORG_1]);
    expect((await flight.query('SELECT count(*)::int AS n, count(DISTINCT org_id)::int AS orgs FROM va_order')).rows).toEqual([
      { n: 334, orgs: 1 },
    ]);
    await flight.query('COMMIT');
  });

  it("connected as fraiseql_flight, refreshes an org's ta_order_fact rows from va_order (DELETE, INSERT ... SELECT)", async () => {
    await flight.query('BEGIN');
    await flight.query("SELECT set_config('fraiseql.org_id', $1, true)", [ORG_1]);
    await flight.query('DELETE FROM ta_order_fact WHERE org_id = $1', [ORG_1]);
    const inserted = await flight.query('INSERT INTO ta_order_fact SELECT * FROM va_order WHERE org_id = $1', [ORG_1]);
    await flight.query('COMMIT');
    expect(inserted.rowCount).toBe(334);
    const drift = await client.query(
      `
      SELECT count(*)::int AS n FROM (
        (SELECT * FROM ta_order_fact EXCEPT SELECT * FROM va_order WHERE org_id = $1)
        UNION ALL (SELECT * FROM va_order WHERE org_id = $1 EXCEPT SELECT * FROM ta_order_fact)) d`,
      [ORG_1],
    );
    expect(drift.rows).toEqual([{ n: 0 }]);
  });

  it('connected as fraiseql_flight, uploads into and deletes from ta_sales_target, for the org in fraiseql.org_id only', async () => {
    await flight.query('BEGIN');
    await flight.query("SELECT set_config('fraiseql.org_id', $1, true)", [ORG_1]);
    await flight.query(
      `INSERT INTO ta_sales_target (org_id, month, region, target, note) VALUES ($1, '2024-01-01', 'EU', 12345.67, NULL), ($1, '2024-01-01', 'US', 1, 'x')`,
      [ORG_1],
    );
    await flight.query('COMMIT');
    // Another org's row, or any row without an org set, is refused by the policy's WITH CHECK.
    expect(
      await sqlStateOf(flight, `INSERT INTO ta_sales_target (org_id, month, region, target) VALUES ($1, '2024-01-01', 'EU', 1)`, [
        seedId('organization', 2, 0),
      ]),
    ).toBe('42501');
    expect((await client.query('SELECT region, target::text AS target FROM ta_sales_target ORDER BY region')).rows).toEqual([
      { region: 'EU', target: '12345.67' },
      { region: 'US', target: '1.00' },
    ]);
    expect((await flight.query('DELETE FROM ta_sales_target WHERE org_id = $1', [ORG_1])).rowCount).toBe(0);
    await flight.query('BEGIN');
    await flight.query("SELECT set_config('fraiseql.org_id', $1, true)", [ORG_1]);
    expect((await flight.query('DELETE FROM ta_sales_target WHERE org_id = $1', [ORG_1])).rowCount).toBe(2);
    await flight.query('COMMIT');
  });

  it('connected as fraiseql_flight, reads no tb_/tv_ row without an org, cannot read the change log, nor write anything but ta_ INSERT/DELETE', async () => {
    expect((await flight.query('SELECT count(*)::int AS n FROM tb_order')).rows).toEqual([{ n: 0 }]);
    expect((await flight.query('SELECT count(*)::int AS n FROM tv_order')).rows).toEqual([{ n: 0 }]);
    expect(await sqlStateOf(flight, 'SELECT * FROM fraiseql.tb_entity_change_log LIMIT 1')).toBe('42501');
    expect(await sqlStateOf(flight, 'SELECT * FROM fraiseql.tb_idempotency_key LIMIT 1')).toBe('42501');
    expect(await sqlStateOf(flight, `UPDATE ta_order_fact SET notes = 'x'`)).toBe('42501');
    expect(await sqlStateOf(flight, 'TRUNCATE ta_sales_target')).toBe('42501');
    // v_user and v_order are simple views, which PostgreSQL would write through: refused by privilege.
    expect(await sqlStateOf(flight, `UPDATE v_order SET status = 'PAID'`)).toBe('42501');
    expect(await sqlStateOf(flight, 'INSERT INTO v_user (id) VALUES (gen_random_uuid())')).toBe('42501');
    // va_ views join tables, so they are not updatable at all (55000) — and the role has no such privilege either.
    expect(['42501', '55000']).toContain(await sqlStateOf(flight, `UPDATE va_order SET notes = 'x'`));
    expect(['42501', '55000']).toContain(await sqlStateOf(flight, 'INSERT INTO va_product (id) VALUES (gen_random_uuid())'));
  });

  it('grant_flight_access refuses the framework and system schemas', async () => {
    expect(await sqlStateOf(client, `SELECT fraiseql.grant_flight_access('fraiseql')`)).toBe('22023');
    expect(await sqlStateOf(client, `SELECT fraiseql.grant_flight_access('pg_catalog')`)).toBe('22023');
    // Idempotent on the application schema: the number of relations granted on.
    expect((await client.query('SELECT fraiseql.grant_flight_access() AS n')).rows).toEqual([{ n: 18 }]);
  });
});

describe('fraiseql_flight role creation', () => {
  // The DO block of migration 0004, creating a probe role instead, run by two transactions at
  // once: the second waits for the first and then finds the role created (roles are cluster-wide,
  // and parallel test workers migrate their own databases at the same time).
  const PROBE = `fraiseql_flight_probe_${process.pid}`;
  const migration = readFileSync(join(__dirname, '../../../migrations/postgres/0004_fraiseql_flight_role.sql'), 'utf8');
  const createRole = /^DO \$\$[\s\S]*?^\$\$;$/m.exec(migration)![0].replace(/fraiseql_flight\b/g, PROBE);

  afterAll(async () => {
    await client.query(`DROP ROLE IF EXISTS ${PROBE}`);
  });

  it('tolerates a concurrent creation of the role', async () => {
    expect(createRole).toContain(`CREATE ROLE ${PROBE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      await client.query('BEGIN');
      await client.query(createRole);
      await other.query('BEGIN');
      const otherPid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const second = other.query(createRole);
      let settled = false;
      void second.then(
        () => {
          settled = true;
        },
        () => {
          settled = true;
        },
      );
      // The second CREATE ROLE waits for the first transaction's row.
      for (;;) {
        const { rows } = await client.query(`SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = $1`, [otherPid]);
        if (rows[0]?.waiting) break;
        expect(settled).toBe(false);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await client.query('COMMIT');
      await expect(second).resolves.toBeDefined();
      await other.query('COMMIT');
      // And once the role exists, the block does nothing.
      await expect(other.query(createRole)).resolves.toBeDefined();
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
    expect((await client.query('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1', [PROBE])).rows).toEqual([{ n: 1 }]);
  });
});

describe('seedShop with reset', () => {
  it('empties ta_order_fact with the tables it was refreshed from, and keeps uploaded ta_sales_target rows', async () => {
    await client.query('INSERT INTO ta_order_fact SELECT * FROM va_order WHERE org_id = $1 ON CONFLICT DO NOTHING', [ORG_1]);
    await client.query(
      `INSERT INTO ta_sales_target (org_id, month, region, target) VALUES ($1, '2024-02-01', 'APAC', 5) ON CONFLICT DO NOTHING`,
      [ORG_1],
    );
    await seedShop({ connectionString: db.url, orders: 1000, reset: true });
    expect(
      (
        await client.query(
          'SELECT (SELECT count(*) FROM ta_order_fact)::int AS facts, (SELECT count(*) FROM ta_sales_target)::int AS targets',
        )
      ).rows,
    ).toEqual([{ facts: 0, targets: 1 }]);
  });
});
