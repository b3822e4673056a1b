import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityEvent, JsonObject } from '@fraiseql/events';

/** A fresh org per test: tests share one database and never see each other's documents. */
export function newOrg(): string {
  return randomUUID();
}

let clock = Date.UTC(2024, 2, 1, 9, 0, 0);

/** A time-ordered UUID v7, like the change log's. */
export function uuidV7(ms = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** RFC 3339 with six fractional digits, as EntityEvent carries it. */
export function timestampOf(ms: number, micros = 0): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_, m: string) => `.${m}${String(micros).padStart(3, '0')}Z`);
}

export function event(overrides: Partial<EntityEvent> & { data: JsonObject }): EntityEvent {
  clock += 1000;
  return {
    event_id: uuidV7(clock),
    seq: 1,
    event_type: 'INSERT',
    entity_type: 'Order',
    entity_id: randomUUID(),
    org_id: null,
    user_id: null,
    timestamp: timestampOf(clock),
    before: null,
    changed_fields: [],
    schema_version: null,
    ...overrides,
  };
}
