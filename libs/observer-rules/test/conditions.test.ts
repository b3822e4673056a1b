import { checkCondition, compileCondition } from '../src';
import { ORDER, PRODUCT, orderEvent } from './fixtures';

/** Validates the condition for the entity (as a rule would be), then evaluates it. */
function evaluate(condition: string, event = orderEvent(), entity = ORDER) {
  expect(checkCondition(condition, entity, { eventTypes: [event.event_type] })).toEqual([]);
  return compileCondition(condition).evaluate(event);
}
const matches = (condition: string, event = orderEvent(), entity = ORDER) => evaluate(condition, event, entity).matched;

describe('conditions', () => {
  it('reads nested fields, compares, and combines with && || !', () => {
    expect(matches("data.customer.address.city == 'Paris' && data.total > 50.0")).toBe(true);
    expect(matches("data.customer.address.city == 'Lyon' || data.quantity >= 3")).toBe(false);
    expect(matches("!(data.status == 'PENDING')")).toBe(true);
    expect(matches('data.quantity == 2 && data.total > 99')).toBe(true);
    expect(matches("data.items[0].sku == 'SKU-1' && data.items.exists(i, i.quantity > 1)")).toBe(true);
    expect(matches("event_type == 'UPDATE' && entity_type == 'Order' && entity_id == 'order-1' && user_id == 'user-1'")).toBe(true);
  });

  it('supports in, with lists of literals and on lists of the event', () => {
    expect(matches("data.status in ['SHIPPED', 'CANCELLED']")).toBe(true);
    expect(matches("data.status in ['PENDING', 'PAID']")).toBe(false);
    expect(matches("'gift' in data.tags && 'status' in changed_fields")).toBe(true);
  });

  it('reads a missing field, or a field below a missing object, as null', () => {
    const event = orderEvent({ data: { id: 'order-1', status: 'PAID', total: 1, quantity: 1, tags: [], items: [] } });
    expect(matches('data.note == null', event)).toBe(true);
    expect(matches('data.customer.address.city == null', event)).toBe(true);
    expect(matches("data.customer.address.city != 'Paris'", event)).toBe(true);
    expect(matches("data.customer.address.city in ['Paris']", event)).toBe(false);
    expect(matches('has(data.customer.address.city)', event)).toBe(false);
    expect(matches('has(data.customer.address.city)')).toBe(true);
  });

  it('treats an explicit null like a missing field (has() is false for both)', () => {
    expect(matches('has(data.note)')).toBe(false);
    expect(matches('data.note == null')).toBe(true);
    expect(matches("data.customer.address.city == 'Paris'", orderEvent({ data: { customer: null } }))).toBe(false);
  });

  it('turns a runtime error into no match with the error, never an exception', () => {
    // An ordering comparison with null has no overload in CEL: evaluation error.
    const result = evaluate('data.total > 10.0', orderEvent({ data: { total: null } }));
    expect(result.matched).toBe(false);
    expect(result.error?.message).toMatch(/no such overload/);
    const wrongType = evaluate("data.status.startsWith('S')", orderEvent({ data: { status: 42 } }));
    expect(wrongType).toEqual({ matched: false, error: expect.any(Error) });
  });

  describe('changed, changed_to, changed_from', () => {
    const update = orderEvent();
    it('on UPDATE with a pre-image: compare before and data, at any depth', () => {
      expect(matches("changed('status')", update)).toBe(true);
      expect(matches("changed('total')", update)).toBe(false);
      expect(matches("changed('customer.address.city')", update)).toBe(true);
      expect(matches("changed('customer.email')", update)).toBe(false);
      expect(matches("changed_to('status', 'SHIPPED')", update)).toBe(true);
      expect(matches("changed_to('status', 'PAID')", update)).toBe(false);
      expect(matches("changed_from('status', 'PAID')", update)).toBe(true);
      expect(matches("changed_from('customer.address.city', 'Lyon') && changed_to('customer.address.city', 'Paris')", update)).toBe(true);
      expect(matches("changed_to('quantity', 2)", update)).toBe(false);
    });

    it('on UPDATE without a pre-image: the top-level changed_fields decide, changed_from is false', () => {
      const event = {
        ...orderEvent({ entity_type: 'Product', before: null, changed_fields: ['status'] }),
        data: { id: 'p1', sku: 'S', price: 10, status: 'ACTIVE' },
      };
      expect(matches("changed('status')", event, PRODUCT)).toBe(true);
      expect(matches("changed('price')", event, PRODUCT)).toBe(false);
      expect(matches("changed_to('status', 'ACTIVE')", event, PRODUCT)).toBe(true);
      expect(compileCondition("changed_from('status', 'DRAFT')").evaluate(event).matched).toBe(false);
    });

    it('on INSERT: every field present changed from null', () => {
      const insert = orderEvent({ event_type: 'INSERT', before: null, changed_fields: [] });
      expect(matches("changed('status')", insert)).toBe(true);
      expect(matches("changed('note')", insert)).toBe(false);
      expect(matches("changed_to('status', 'SHIPPED')", insert)).toBe(true);
      expect(matches("changed_from('status', 'PAID')", insert)).toBe(false);
      expect(
        matches(
          "changed_from('status', null)",
          { ...insert, data: { ...insert.data } },
          { ...ORDER, fields: { ...ORDER.fields, status: { kind: 'scalar', type: 'string', nullable: true } } },
        ),
      ).toBe(true);
    });

    it('on DELETE: data is the entity before, every field present changed to null', () => {
      const del = orderEvent({ event_type: 'DELETE', before: null, changed_fields: [] });
      expect(matches("changed('status')", del)).toBe(true);
      expect(matches("changed_from('status', 'SHIPPED')", del)).toBe(true);
      expect(matches("changed_to('status', 'SHIPPED')", del)).toBe(false);
    });
  });

  it('compiles a condition once and reuses it', () => {
    expect(compileCondition("data.status == 'PAID'")).toBe(compileCondition("data.status == 'PAID'"));
  });

  it('evaluates many events with one compiled condition (a sanity check, not a timing)', () => {
    const condition = compileCondition("changed_to('status', 'SHIPPED') && data.customer.address.city in ['Paris', 'Lyon']");
    let fired = 0;
    for (let i = 0; i < 2000; i++) if (condition.evaluate(orderEvent({ entity_id: `order-${i}` })).matched) fired++;
    expect(fired).toBe(2000);
  });

  it('offers no escape hatch: internal functions and unknown functions are refused at validation', () => {
    expect(checkCondition("__path(data, ['status']) == 'PAID'", ORDER, { eventTypes: ['UPDATE'] })[0]).toMatch(/does not type-check/);
    expect(checkCondition('eval("1") == 1', ORDER, { eventTypes: ['UPDATE'] })[0]).toMatch(/does not type-check/);
  });
});
