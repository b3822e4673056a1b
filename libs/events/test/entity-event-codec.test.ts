import { FraiseqlError } from '@fraiseql/errors';
import { changeLogRowToEvent, decodeEntityEvent, encodeEntityEvent, type EntityEvent } from '../src';

const EVENT: EntityEvent = {
  event_id: '018f3c1e-7b2a-7c00-8a1b-123456789abc',
  seq: 42,
  event_type: 'UPDATE',
  entity_type: 'Order',
  entity_id: 'a0000000-0000-4000-8000-000000000001',
  org_id: 'b0000000-0000-4000-8000-000000000001',
  user_id: 'user-7',
  timestamp: '2024-03-01T09:05:00.123456Z',
  data: { id: 'a0000000-0000-4000-8000-000000000001', status: 'PAID', total: 12.5 },
  before: { id: 'a0000000-0000-4000-8000-000000000001', status: 'PENDING', total: 12.5 },
  changed_fields: ['status'],
  schema_version: 'abc123',
};

describe('EntityEvent codec', () => {
  it('round-trips an event through its JSON bytes unchanged', () => {
    expect(decodeEntityEvent(encodeEntityEvent(EVENT))).toEqual(EVENT);
    expect(decodeEntityEvent(JSON.stringify(EVENT))).toEqual(EVENT);
  });

  it('ignores fields a later v1 may add, keeping exactly the v1 fields', () => {
    expect(decodeEntityEvent(JSON.stringify({ ...EVENT, added_later: 1 }))).toEqual(EVENT);
  });

  it('accepts events without org, user, pre-image or schema version', () => {
    const bare = { ...EVENT, org_id: null, user_id: null, before: null, schema_version: null, changed_fields: [] };
    expect(decodeEntityEvent(JSON.stringify(bare))).toEqual(bare);
  });

  it.each([
    ['not JSON', '{nope'],
    ['an array', '[]'],
    ['a missing event_id', { ...EVENT, event_id: undefined }],
    ['an event_id that is no UUID', { ...EVENT, event_id: 'e1' }],
    ['seq as a string', { ...EVENT, seq: '42' }],
    ['seq beyond 2^53', { ...EVENT, seq: 2 ** 53 }],
    ['seq 0', { ...EVENT, seq: 0 }],
    ['an empty event_type', { ...EVENT, event_type: '' }],
    ['a numeric entity_id', { ...EVENT, entity_id: 5 }],
    ['a timestamp with milliseconds only', { ...EVENT, timestamp: '2024-03-01T09:05:00.123Z' }],
    ['a timestamp with an offset', { ...EVENT, timestamp: '2024-03-01T09:05:00.123456+01:00' }],
    ['an impossible date', { ...EVENT, timestamp: '2024-02-30T09:05:00.123456Z' }],
    ['data as an array', { ...EVENT, data: [] }],
    ['before missing', { ...EVENT, before: undefined }],
    ['changed_fields with a number', { ...EVENT, changed_fields: ['a', 1] }],
    ['a missing schema_version', { ...EVENT, schema_version: undefined }],
  ])('refuses %s with FRAISEQL_BAD_MESSAGE', (_name, value) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    expect(() => decodeEntityEvent(text)).toThrow(FraiseqlError);
    expect(() => decodeEntityEvent(text)).toThrow(expect.objectContaining({ code: 'FRAISEQL_BAD_MESSAGE' }));
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(() => decodeEntityEvent(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(expect.objectContaining({ code: 'FRAISEQL_BAD_MESSAGE' }));
  });

  it('will not encode an invalid event', () => {
    expect(() => encodeEntityEvent({ ...EVENT, seq: 1.5 })).toThrow(expect.objectContaining({ code: 'FRAISEQL_BAD_MESSAGE' }));
  });
});

describe('changeLogRowToEvent', () => {
  it('maps a change-log row (bigint seq as text) to its event', () => {
    const row = { ...EVENT, seq: '42' };
    expect(changeLogRowToEvent(row)).toEqual(EVENT);
  });
});
