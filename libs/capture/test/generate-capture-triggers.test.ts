import { readFileSync } from 'node:fs';
import type { CompiledSchema, CompiledType } from '@fraiseql/schema';
import { captureTargets, generateCaptureTriggers } from '../src';
import { SHOP_CAPTURE, SHOP_CAPTURE_MIGRATION, shopSchemaWithCapture } from './fixtures/shop-capture';

const ticket = (capture: CompiledType['capture'], overrides: Partial<CompiledType> = {}): Pick<CompiledSchema, 'types'> => ({
  types: [{ name: 'Ticket', kind: 'entity', view: 'v_ticket', tenantScoped: false, fields: [], capture, ...overrides }],
});

const TICKET_CAPTURE = { table: 'tb_ticket', idColumn: 'id', preImages: false, children: [] };

describe('generateCaptureTriggers', () => {
  it('reproduces the committed shop migration 0005 from the shop capture configuration', () => {
    expect(generateCaptureTriggers(shopSchemaWithCapture())).toBe(readFileSync(SHOP_CAPTURE_MIGRATION, 'utf8'));
  });

  it('covers every shop entity: Order with its items as a child, pre-images on', () => {
    const targets = captureTargets(shopSchemaWithCapture());
    expect(targets.map((t) => t.entityType)).toEqual(['User', 'Category', 'Product', 'Order', 'Review']);
    expect(Object.keys(SHOP_CAPTURE).sort()).toEqual(targets.map((t) => t.entityType).sort());
    const order = targets.find((t) => t.entityType === 'Order')!;
    expect(order.tables.map((t) => [t.table, t.quotedEntityIdColumn, t.triggerFunction])).toEqual([
      ['tb_order', '"id"', 'capture_order_on_tb_order'],
      ['tb_order_item', '"order_id"', 'capture_order_on_tb_order_item'],
    ]);
    expect(order.preImages).toBe(true);
  });

  it('is deterministic and installs idempotently (CREATE OR REPLACE, DROP TRIGGER IF EXISTS)', () => {
    const sql = generateCaptureTriggers(shopSchemaWithCapture());
    expect(generateCaptureTriggers(shopSchemaWithCapture())).toBe(sql);
    expect(sql).not.toMatch(/CREATE FUNCTION|CREATE TABLE/);
    expect(sql.match(/DROP TRIGGER IF EXISTS/g)).toHaveLength(6);
    expect(sql.match(/CREATE TRIGGER/g)).toHaveLength(6);
  });

  it('generates nothing but the header for a schema without capture', () => {
    const sql = generateCaptureTriggers(ticket(undefined));
    expect(sql).toContain('-- No entity declares capture.');
    expect(sql).not.toContain('CREATE');
  });

  it('reads a schema-qualified table and an entity without org column (org NULL)', () => {
    const sql = generateCaptureTriggers(ticket({ ...TICKET_CAPTURE, table: 'helpdesk.tb_ticket' }));
    expect(sql).toContain('FROM "helpdesk"."tb_ticket" e');
    expect(sql).toContain('SELECT NULL::uuid, v.data INTO entity_org, entity_data');
    expect(sql).toContain('PERFORM fraiseql.capture_ticket_touch(OLD."id"::text, NULL);');
  });

  it.each([
    ['a table name carrying SQL', { ...TICKET_CAPTURE, table: 'tb_ticket; DROP TABLE x' }, 'Ticket.capture.table'],
    ['a quoted column', { ...TICKET_CAPTURE, idColumn: 'id"--' }, 'Ticket.capture.idColumn'],
    [
      'a child column with spaces',
      { ...TICKET_CAPTURE, children: [{ table: 'tb_note', parentIdColumn: 'ticket id' }] },
      'Ticket.capture.children[0].parentIdColumn',
    ],
    ['a 64-byte name', { ...TICKET_CAPTURE, orgColumn: 'o'.repeat(64) }, 'Ticket.capture.orgColumn'],
    ['a table listed twice', { ...TICKET_CAPTURE, children: [{ table: 'tb_ticket', parentIdColumn: 'id' }] }, 'listed twice'],
  ])('refuses %s with FRAISEQL_SCHEMA_INVALID naming the place', (_what, capture, where) => {
    expect(() => generateCaptureTriggers(ticket(capture))).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_SCHEMA_INVALID', message: expect.stringContaining(where) }),
    );
  });

  it('refuses capture on a non-entity and names that collide', () => {
    expect(() => generateCaptureTriggers(ticket(TICKET_CAPTURE, { kind: 'object' }))).toThrow(/only entities are captured/);
    const twins: Pick<CompiledSchema, 'types'> = {
      types: [
        { name: 'TicketNote', kind: 'entity', view: 'v_a', tenantScoped: false, fields: [], capture: { ...TICKET_CAPTURE, table: 'tb_a' } },
        {
          name: 'Ticket_Note',
          kind: 'entity',
          view: 'v_b',
          tenantScoped: false,
          fields: [],
          capture: { ...TICKET_CAPTURE, table: 'tb_b' },
        },
      ],
    };
    expect(() => generateCaptureTriggers(twins)).toThrow(/is also generated for TicketNote/);
  });
});
