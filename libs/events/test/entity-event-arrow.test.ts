import { Table, TimeUnit, tableFromIPC, tableToIPC, type Timestamp } from 'apache-arrow';
import {
  ENTITY_EVENT_ARROW_SCHEMA,
  decodeEntityEvent,
  entityEventsToRecordBatch,
  recordBatchToEntityEvents,
  type EntityEvent,
} from '../src';

const FULL: EntityEvent = {
  event_id: '018f3c1e-7b2a-7c00-8a1b-123456789abc',
  seq: 42,
  event_type: 'UPDATE',
  entity_type: 'Order',
  entity_id: 'a0000000-0000-4000-8000-000000000001',
  org_id: 'b0000000-0000-4000-8000-000000000001',
  user_id: 'user-7',
  timestamp: '2024-03-01T09:05:00.123456Z',
  data: { id: 'a0000000-0000-4000-8000-000000000001', status: 'PAID', total: 12.5, lines: [{ sku: 'x', qty: 2 }] },
  before: { id: 'a0000000-0000-4000-8000-000000000001', status: 'PENDING', total: 12.5 },
  changed_fields: ['status', 'total'],
  schema_version: 'abc123',
};

const BARE: EntityEvent = {
  ...FULL,
  event_id: 'ffffffff-ffff-7fff-bfff-ffffffffffff',
  seq: 1,
  event_type: 'INSERT',
  org_id: null,
  user_id: null,
  before: null,
  changed_fields: [],
  schema_version: null,
};

const UNICODE: EntityEvent = {
  ...FULL,
  event_id: '00000000-0000-7000-8000-000000000000',
  seq: Number.MAX_SAFE_INTEGER,
  event_type: 'Bestellung_geändert',
  entity_type: 'Commande',
  entity_id: 'clé-🔑-鍵',
  user_id: 'Zoë 👩‍💻',
  timestamp: '1969-12-31T23:59:59.999999Z',
  data: { name: 'Crème brûlée 🍮', emoji: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', zh: '订单' },
  changed_fields: ['name', 'ünïcødé', ''],
};

function roundTrip(events: EntityEvent[]): EntityEvent[] {
  return recordBatchToEntityEvents(entityEventsToRecordBatch(events));
}

function timestampMicros(events: EntityEvent[]): bigint[] {
  const data = entityEventsToRecordBatch(events).getChild('timestamp')!.data[0]!;
  return Array.from(data.values as BigInt64Array);
}

describe('EntityEvent Arrow schema', () => {
  it('lists the v1 fields in docs/architecture.md, "The event" order with their types, nullability and tags', () => {
    const fields = ENTITY_EVENT_ARROW_SCHEMA.fields.map((f) => [
      f.name,
      String(f.type),
      f.nullable,
      f.metadata.get('ARROW:extension:name'),
    ]);
    expect(fields).toEqual([
      ['event_id', 'FixedSizeBinary[16]', false, 'arrow.uuid'],
      ['seq', 'Int64', false, undefined],
      ['event_type', 'Utf8', false, undefined],
      ['entity_type', 'Utf8', false, undefined],
      ['entity_id', 'Utf8', false, undefined],
      ['org_id', 'Utf8', true, undefined],
      ['user_id', 'Utf8', true, undefined],
      ['timestamp', 'Timestamp<MICROSECOND, UTC>', false, undefined],
      ['data', 'Utf8', false, 'arrow.json'],
      ['before', 'Utf8', true, 'arrow.json'],
      ['changed_fields', 'List<Utf8>', false, undefined],
      ['schema_version', 'Utf8', true, undefined],
    ]);
    const ts = ENTITY_EVENT_ARROW_SCHEMA.fields[7]!.type as Timestamp;
    expect([ts.unit, ts.timezone]).toEqual([TimeUnit.MICROSECOND, 'UTC']);
    expect(ENTITY_EVENT_ARROW_SCHEMA.metadata.get('fraiseql.event_schema_version')).toBe('1');
  });
});

describe('entityEventsToRecordBatch / recordBatchToEntityEvents', () => {
  it('round-trips an event with every field populated', () => {
    expect(roundTrip([FULL])).toEqual([FULL]);
  });

  it('round-trips an event with every nullable field null and no changed fields', () => {
    const batch = entityEventsToRecordBatch([BARE]);
    for (const name of ['org_id', 'user_id', 'before', 'schema_version']) expect(batch.getChild(name)!.nullCount).toBe(1);
    expect(recordBatchToEntityEvents(batch)).toEqual([BARE]);
  });

  it('keeps unicode text, seq up to 2^53 − 1 and a mix of null and non-null rows in order', () => {
    const events = [BARE, FULL, UNICODE, BARE, FULL];
    const batch = entityEventsToRecordBatch(events);
    expect(batch.numRows).toBe(5);
    expect(batch.getChild('seq')!.get(2)).toBe(BigInt(Number.MAX_SAFE_INTEGER));
    expect(batch.getChild('org_id')!.nullCount).toBe(2);
    expect(recordBatchToEntityEvents(batch)).toEqual(events);
  });

  it('keeps nulls in the right rows of a batch larger than its initial buffers', () => {
    const events = Array.from({ length: 37 }, (_, i) => ({
      ...(i % 3 === 1 ? BARE : FULL),
      seq: i + 1,
      entity_id: `e-${'x'.repeat(i * 5)}`,
    }));
    expect(roundTrip(events)).toEqual(events);
  });

  it('stores timestamps as exact microseconds since the epoch, before and after it', () => {
    const at = (timestamp: string): EntityEvent => ({ ...FULL, timestamp });
    const texts = [
      '1970-01-01T00:00:00.000000Z',
      '1970-01-01T00:00:00.000001Z',
      '1969-12-31T23:59:59.999999Z',
      '1900-02-28T12:34:56.000007Z',
      '0001-01-01T00:00:00.000001Z',
      '2000-02-29T23:59:59.999999Z',
      '2024-03-01T09:05:00.123456Z',
      '9999-12-31T23:59:59.999999Z',
    ];
    const events = texts.map(at);
    expect(timestampMicros(events.slice(0, 4))).toEqual([0n, 1n, -1n, BigInt(Date.UTC(1900, 1, 28, 12, 34, 56)) * 1000n + 7n]);
    expect(timestampMicros([at('2024-03-01T09:05:00.123456Z')])).toEqual([BigInt(Date.UTC(2024, 2, 1, 9, 5, 0)) * 1000n + 123456n]);
    expect(roundTrip(events).map((e) => e.timestamp)).toEqual(texts);
  });

  it('builds an empty batch with the schema from no events', () => {
    const batch = entityEventsToRecordBatch([]);
    expect(batch.numRows).toBe(0);
    expect(batch.schema).toEqual(ENTITY_EVENT_ARROW_SCHEMA);
    expect(recordBatchToEntityEvents(batch)).toEqual([]);
  });

  it('reads back what the JSON codec accepts: an event decoded from its wire form', () => {
    const decoded = decodeEntityEvent(JSON.stringify(UNICODE));
    expect(roundTrip([decoded])).toEqual([UNICODE]);
  });

  it.each([
    ['an event_id that is no UUID', { ...FULL, event_id: 'e1' }],
    ['a seq beyond 2^53 − 1', { ...FULL, seq: 2 ** 53 }],
    ['a fractional seq', { ...FULL, seq: 1.5 }],
    ['a timestamp with milliseconds only', { ...FULL, timestamp: '2024-03-01T09:05:00.123Z' }],
    ['a timestamp with an offset', { ...FULL, timestamp: '2024-03-01T09:05:00.123456+01:00' }],
    ['an impossible date', { ...FULL, timestamp: '2023-02-29T09:05:00.123456Z' }],
    ['hour 24', { ...FULL, timestamp: '2024-03-01T24:00:00.000000Z' }],
  ])('refuses %s with FRAISEQL_BAD_MESSAGE', (_name, event) => {
    expect(() => entityEventsToRecordBatch([FULL, event])).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_BAD_MESSAGE', message: expect.stringContaining('event 1') }),
    );
  });

  it('refuses a batch of another schema with FRAISEQL_BAD_MESSAGE', () => {
    const other = entityEventsToRecordBatch([FULL]).select(['event_id', 'seq']);
    expect(() => recordBatchToEntityEvents(other)).toThrow(expect.objectContaining({ code: 'FRAISEQL_BAD_MESSAGE' }));
  });
});

describe('Arrow IPC', () => {
  it.each(['stream', 'file'] as const)('keeps values, nulls, field tags and schema metadata through the %s format', (format) => {
    const events = [FULL, BARE, UNICODE];
    const bytes = tableToIPC(new Table([entityEventsToRecordBatch(events)]), format);
    const table = tableFromIPC(bytes);
    expect(table.batches).toHaveLength(1);
    const schema = table.schema;
    expect(schema.metadata.get('fraiseql.event_schema_version')).toBe('1');
    expect(schema.fields.map((f) => [f.name, String(f.type), f.nullable, Object.fromEntries(f.metadata)])).toEqual(
      ENTITY_EVENT_ARROW_SCHEMA.fields.map((f) => [f.name, String(f.type), f.nullable, Object.fromEntries(f.metadata)]),
    );
    expect(schema.fields.find((f) => f.name === 'event_id')!.metadata.get('ARROW:extension:name')).toBe('arrow.uuid');
    expect(schema.fields.find((f) => f.name === 'before')!.metadata.get('ARROW:extension:name')).toBe('arrow.json');
    expect(recordBatchToEntityEvents(table.batches[0]!)).toEqual(events);
  });
});
