import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { Caller } from '@fraiseql/identity';
import { QueryPlanner } from '@fraiseql/query-planner';
import { arrowDataset, column, compileSchema, defineSchema, entity, field, listQuery } from '@fraiseql/schema';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import { LocalDirectoryStore, runExport, type ExportPayload } from '../src';

// Exports of a view or of events copy rows and documents as stored: the read rules of the compiled schema
// (docs/adr/0136-authorization-in-the-plan.md) refuse them when they would copy something the creator may not read.

const ORG = 'a0000000-0000-4000-8000-00000000000a';
const Visit = entity(
  'Visit',
  { view: 'v_visit', capture: true },
  { id: field.id(), reason: field.string({ nullable: true, requiresRole: ['clinician'], onDenied: 'mask' }) },
);
const compiled = compileSchema(
  defineSchema({
    types: [Visit],
    queries: [listQuery('visits', Visit)],
    datasets: [
      arrowDataset('va_visit', {
        columns: {
          id: column.uuid({ nullable: false }),
          org_id: column.uuid({ nullable: false }),
          reason: column.text({ requiresRole: ['clinician'], onDenied: 'mask' }),
          cost: column.numeric(10, 2, { requiresRole: ['billing'] }),
        },
      }),
    ],
  }),
);

describe('read rules on view and events exports (real PostgreSQL)', () => {
  let database: TestDatabase;
  let pool: Pool;
  let directory: string;
  let store: LocalDirectoryStore;
  const planner = new QueryPlanner(compiled, { cursorSecret: 'a-cursor-secret-of-at-least-32-characters' });

  beforeAll(async () => {
    database = await createTestDatabase('fraiseql_export_rules');
    pool = new Pool({ connectionString: database.url, max: 2 });
    await pool.query(`
      CREATE TABLE tb_visit (id uuid PRIMARY KEY, org_id uuid NOT NULL, reason text, cost numeric(10,2));
      INSERT INTO tb_visit VALUES (gen_random_uuid(), '${ORG}', 'migraine', 120), (gen_random_uuid(), '${ORG}', 'checkup', 80);
      CREATE VIEW va_visit AS SELECT id, org_id, reason, cost FROM tb_visit;
      CREATE VIEW v_visit AS SELECT id, org_id, jsonb_build_object('id', id, 'reason', reason) AS data FROM tb_visit;`);
    directory = mkdtempSync(join(tmpdir(), 'fraiseql-export-rules-'));
    store = new LocalDirectoryStore(directory);
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  const caller = (...roles: string[]): Caller => ({ subject: 'exporter-1', orgId: ORG, roles });
  const exportAs = (payload: ExportPayload, who: Caller, jobId: string) =>
    runExport(
      payload,
      { orgId: ORG, jobId, caller: who, signal: new AbortController().signal, progress: () => undefined },
      { pool, store, planner: () => planner },
    );
  const files = (): string[] => readdirSync(join(directory, ORG), { withFileTypes: true }).map((e) => e.name);

  it('leaves refused columns out of a whole-dataset export and masks masked ones; refuses them named, filtered or ordered by', async () => {
    const whole = await exportAs(
      { format: 'csv', source: { kind: 'view', view: 'va_visit', orderBy: [{ column: 'id' }] } },
      caller('exporter'),
      'ok1',
    );
    expect(whole.rows).toBe(2);
    const lines = readFileSync(whole.location, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,org_id,reason');
    expect(lines.slice(1).map((line) => line.split(',').slice(1))).toEqual([
      [ORG, ''],
      [ORG, ''],
    ]);
    for (const [jobId, source, denied] of [
      ['cost1', { kind: 'view', view: 'va_visit', columns: ['id', 'cost'] }, 'va_visit.cost'],
      ['cost2', { kind: 'view', view: 'va_visit', columns: ['id'], where: { cost: { gt: 100 } } }, 'va_visit.cost'],
      ['reason1', { kind: 'view', view: 'va_visit', columns: ['id'], orderBy: [{ column: 'reason' }] }, 'va_visit.reason'],
    ] as Array<[string, ExportPayload['source'], string]>) {
      await expect(exportAs({ format: 'csv', source }, caller('exporter'), jobId)).rejects.toMatchObject({
        code: 'FRAISEQL_FORBIDDEN',
        details: { denied: [denied] },
      });
    }
    expect(files()).toEqual(['ok1.csv']);
    const all = await exportAs({ format: 'csv', source: { kind: 'view', view: 'va_visit' } }, caller('billing', 'clinician'), 'ok2');
    expect(readFileSync(all.location, 'utf8').split('\n')[0]).toBe('id,org_id,reason,cost');
    expect(readFileSync(all.location, 'utf8')).toContain('migraine');
  });

  it("refuses an export of an entity's view or of its events when a field rule denies the creator part of the documents", async () => {
    await expect(exportAs({ format: 'csv', source: { kind: 'view', view: 'v_visit' } }, caller('exporter'), 'v1')).rejects.toMatchObject({
      code: 'FRAISEQL_FORBIDDEN',
      message: 'Exporting v_visit reads data the read rules deny this caller: Visit.reason.',
    });
    await expect(
      exportAs(
        { format: 'csv', source: { kind: 'events', entityType: 'Visit', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' } },
        caller(),
        'e1',
      ),
    ).rejects.toMatchObject({ code: 'FRAISEQL_FORBIDDEN' });
    const clinician = await exportAs({ format: 'csv', source: { kind: 'view', view: 'v_visit' } }, caller('clinician'), 'v2');
    expect(clinician.rows).toBe(2);
  });
});
