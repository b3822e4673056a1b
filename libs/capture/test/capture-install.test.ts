import { Client } from 'pg';
import { applyMigrations, FRAMEWORK_MIGRATIONS_DIR } from '@fraiseql/pg-migrations';
import type { CompiledSchema } from '@fraiseql/schema';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import { generateCaptureTriggers } from '../src';

// The generated SQL on a schema unlike the shop's: text ids, no tenant column, no pre-images, a child
// table; installed twice (idempotent) on top of the framework migrations.

const TABLES = `
CREATE TABLE tb_ticket (code text PRIMARY KEY, title text NOT NULL);
CREATE TABLE tb_ticket_note (id serial PRIMARY KEY, ticket_code text REFERENCES tb_ticket (code) ON UPDATE CASCADE ON DELETE CASCADE, body text NOT NULL);
CREATE VIEW v_ticket AS
SELECT t.code AS id, jsonb_build_object('code', t.code, 'title', t.title,
       'notes', coalesce((SELECT jsonb_agg(n.body ORDER BY n.id) FROM tb_ticket_note n WHERE n.ticket_code = t.code), '[]')) AS data
FROM tb_ticket t;`;

const SCHEMA: Pick<CompiledSchema, 'types'> = {
  types: [
    {
      name: 'Ticket',
      kind: 'entity',
      view: 'v_ticket',
      tenantScoped: false,
      fields: [],
      capture: {
        table: 'tb_ticket',
        idColumn: 'code',
        preImages: false,
        children: [{ table: 'tb_ticket_note', parentIdColumn: 'ticket_code' }],
      },
    },
  ],
};

let db: TestDatabase;
let client: Client;

beforeAll(async () => {
  db = await createTestDatabase('fraiseql_capture_install');
  await applyMigrations({ connectionString: db.url, directories: [FRAMEWORK_MIGRATIONS_DIR] });
  client = new Client({ connectionString: db.url });
  await client.connect();
  await client.query(TABLES);
  const sql = generateCaptureTriggers(SCHEMA);
  await client.query(sql);
  await client.query(sql);
});

afterAll(async () => {
  await client.end();
  await db.drop();
});

const events = async () =>
  (
    await client.query(
      'SELECT entity_type, entity_id, event_type, org_id, data, before, changed_fields FROM fraiseql.tb_entity_change_log ORDER BY seq',
    )
  ).rows;

it('captures an entity with a text id, no org column and no pre-images, its child rows rolling up', async () => {
  await client.query("INSERT INTO tb_ticket VALUES ('T-1', 'Printer on fire')");
  await client.query("INSERT INTO tb_ticket_note (ticket_code, body) VALUES ('T-1', 'called the fire brigade')");
  await client.query("UPDATE tb_ticket SET code = 'T-2' WHERE code = 'T-1'");
  expect(await events()).toEqual([
    {
      entity_type: 'Ticket',
      entity_id: 'T-1',
      event_type: 'INSERT',
      org_id: null,
      data: { code: 'T-1', title: 'Printer on fire', notes: [] },
      before: null,
      changed_fields: [],
    },
    {
      entity_type: 'Ticket',
      entity_id: 'T-1',
      event_type: 'UPDATE',
      org_id: null,
      data: { code: 'T-1', title: 'Printer on fire', notes: ['called the fire brigade'] },
      before: null,
      changed_fields: ['notes'],
    },
    // A new id is another entity: the old one is gone, the new one appears with the notes the FK moved.
    {
      entity_type: 'Ticket',
      entity_id: 'T-1',
      event_type: 'DELETE',
      org_id: null,
      data: { code: 'T-1', title: 'Printer on fire', notes: ['called the fire brigade'] },
      before: null,
      changed_fields: [],
    },
    {
      entity_type: 'Ticket',
      entity_id: 'T-2',
      event_type: 'INSERT',
      org_id: null,
      data: { code: 'T-2', title: 'Printer on fire', notes: ['called the fire brigade'] },
      before: null,
      changed_fields: [],
    },
  ]);
});
