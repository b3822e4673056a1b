import type { EntityEvent } from '@fraiseql/events';

const ENTITY_TYPES = ['Order', 'Customer', 'Product', 'Review', 'Shipment'];
const EVENT_TYPES = ['INSERT', 'UPDATE', 'UPDATE', 'UPDATE', 'DELETE'];
const encoder = new TextEncoder();

/**
 * `n` events shaped like the demo shop's (10 orgs, 5 entity types, ~350-byte JSON payloads), spread over the
 * last `hours` hours so every one is inside the retention; returned as the sink receives them (JSON bytes from
 * JetStream) and decoded (what the sink validates them into).
 */
export function syntheticEvents(n: number, hours = 48): { events: EntityEvent[]; payloads: Uint8Array[] } {
  const now = Date.now();
  const events: EntityEvent[] = [];
  const payloads: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const entity = i % 5000;
    const type = ENTITY_TYPES[entity % ENTITY_TYPES.length]!;
    const eventType = EVENT_TYPES[i % EVENT_TYPES.length]!;
    const at = new Date(now - Math.floor(((n - i) / n) * hours * 3_600_000));
    const event: EntityEvent = {
      event_id: uuidV7Like(at.getTime(), i),
      seq: i + 1,
      event_type: eventType,
      entity_type: type,
      entity_id: `${type.toLowerCase()}-${entity}`,
      org_id: i % 10 === 9 ? null : `00000000-0000-4000-8000-00000000000${i % 10}`,
      user_id: i % 3 === 0 ? null : `user-${i % 97}`,
      timestamp: `${at.toISOString().slice(0, 23)}${String(i % 1000).padStart(3, '0')}Z`,
      data: {
        id: entity,
        status: ['PENDING', 'PAID', 'SHIPPED'][i % 3],
        total: (i % 1000) * 1.25,
        notes: `note ${i} with some words to make the payload look like a real entity`,
        lines: [
          { product: i % 50, qty: 1 + (i % 4) },
          { product: (i + 7) % 50, qty: 2 },
        ],
      },
      before: eventType === 'UPDATE' ? { status: 'PENDING', total: (i % 1000) * 1.25 } : null,
      changed_fields: eventType === 'UPDATE' ? ['status', 'total'] : [],
      schema_version: 'c0ffee0123456789',
    };
    events.push(event);
    payloads.push(encoder.encode(JSON.stringify(event)));
  }
  return { events, payloads };
}

function uuidV7Like(ms: number, i: number): string {
  const hex = ms.toString(16).padStart(12, '0') + '7' + (i & 0xfff).toString(16).padStart(3, '0') + '8' + i.toString(16).padStart(15, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
