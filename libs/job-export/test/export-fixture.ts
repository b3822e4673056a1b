import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import { LocalDirectoryStore } from '../src';

export const ORG_A = 'a0000000-0000-4000-8000-00000000000a';
export const ORG_B = 'b0000000-0000-4000-8000-00000000000b';
export const BIG_ROWS = 1_000_000;
export const ORG_B_ROWS = 5_000;

/**
 * A database with tb_item (BIG_ROWS rows of ORG_A, ORG_B_ROWS of ORG_B, every type the export must carry),
 * the typed view va_item over it, a global view va_country (no org_id) and a v_item JSON view.
 */
export interface ExportFixture {
  database: TestDatabase;
  pool: Pool;
  directory: string;
  store: LocalDirectoryStore;
  dispose(): Promise<void>;
}

export async function createExportFixture(): Promise<ExportFixture> {
  const database = await createTestDatabase('fraiseql_test_export');
  const pool = new Pool({ connectionString: database.url, max: 6 });
  await pool.query(`
    CREATE TABLE tb_item (
      pk bigint PRIMARY KEY,
      id uuid NOT NULL,
      org_id uuid NOT NULL,
      n_int integer,
      n_big bigint NOT NULL,
      amount numeric(12, 2) NOT NULL,
      ratio double precision NOT NULL,
      label text,
      flag boolean NOT NULL,
      created_at timestamptz NOT NULL,
      day date NOT NULL,
      tags text[] NOT NULL
    );
    INSERT INTO tb_item
    SELECT i,
           md5('item' || i)::uuid,
           CASE WHEN i <= ${BIG_ROWS} THEN '${ORG_A}'::uuid ELSE '${ORG_B}'::uuid END,
           CASE WHEN i % 101 = 0 THEN NULL ELSE (i % 100000)::int - 50000 END,
           i::bigint * 3000000007,
           ((i % 1000000) / 100.0 + 0.01)::numeric(12, 2),
           i / 7.0,
           CASE WHEN i % 97 = 0 THEN NULL ELSE 'label "' || (i % 5003) || '", é' END,
           i % 3 = 0,
           timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second' + (i % 1000) * interval '1 microsecond',
           date '2000-01-01' + (i % 9000),
           ARRAY['t' || (i % 3), 'x']
      FROM generate_series(1, ${BIG_ROWS + ORG_B_ROWS}) AS i;
    CREATE VIEW va_item AS SELECT id, org_id, n_int, n_big, amount, ratio, label, flag, created_at, day, tags FROM tb_item;
    CREATE VIEW v_item AS SELECT id, org_id, jsonb_build_object('label', label, 'amount', amount) AS data FROM tb_item;
    CREATE VIEW va_country AS SELECT * FROM (VALUES ('FR', 'France'), ('DE', 'Germany')) AS c(code, name);
    ANALYZE tb_item;
  `);
  const directory = mkdtempSync(join(tmpdir(), 'fraiseql-export-'));
  return {
    database,
    pool,
    directory,
    store: new LocalDirectoryStore(directory),
    dispose: async () => {
      await pool.end();
      await database.drop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
