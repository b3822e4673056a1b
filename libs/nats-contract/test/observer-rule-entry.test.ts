import { decodeObserverRuleEntry, encodeObserverRuleEntry, observerRuleKey, type ObserverRuleEntry } from '../src';

const ENTRY: ObserverRuleEntry = {
  id: '0190f1c4-6a8b-7c3d-9e2f-1a2b3c4d5e6f',
  orgId: '0a000000-0000-4000-8000-00000000000a',
  name: 'orderShipped',
  version: 3,
  enabled: true,
  rule: { entityType: 'Order', eventTypes: ['UPDATE'], actions: [] },
  updatedAt: '2026-12-04T10:00:00.000000Z',
};

describe('the FRAISEQL_OBSERVERS entry contract', () => {
  it('round-trips an entry and keys it by org and name', () => {
    expect(decodeObserverRuleEntry(encodeObserverRuleEntry(ENTRY))).toEqual(ENTRY);
    expect(observerRuleKey(ENTRY.orgId.toUpperCase(), 'orderShipped')).toBe('0a000000-0000-4000-8000-00000000000a.orderShipped');
  });

  it.each([
    ['not JSON', '{'],
    ['a list', '[]'],
    ['an id that is not a UUID', JSON.stringify({ ...ENTRY, id: 'x' })],
    ['a name that could change the key', JSON.stringify({ ...ENTRY, name: 'a.b' })],
    ['version 0', JSON.stringify({ ...ENTRY, version: 0 })],
    ['a rule that is a string', JSON.stringify({ ...ENTRY, rule: 'x' })],
    ['a time that is not one', JSON.stringify({ ...ENTRY, updatedAt: 'yesterday' })],
  ])('refuses %s with FRAISEQL_BAD_MESSAGE', (_name, text) => {
    expect(() => decodeObserverRuleEntry(new TextEncoder().encode(text))).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_BAD_MESSAGE' }),
    );
  });

  it('builds no key for a name or org that could escape its token', () => {
    expect(() => observerRuleKey(ENTRY.orgId, 'a.>')).toThrow(expect.objectContaining({ code: 'FRAISEQL_BAD_MESSAGE' }));
    expect(() => observerRuleKey('*', 'rule')).toThrow(expect.objectContaining({ code: 'FRAISEQL_BAD_MESSAGE' }));
  });
});
