import type { EntityEvent } from '@fraiseql/events';
import { observerEntityCatalog, type ObserverEntity } from '../src';

const str = (nullable = false) => ({ kind: 'scalar', type: 'string', nullable }) as const;

/** An order as the shop declares it (nested customer and address, items, an enum status), with pre-images. */
export const ORDER: ObserverEntity = {
  name: 'Order',
  tenantScoped: true,
  preImages: true,
  fields: {
    id: str(),
    status: { kind: 'scalar', type: 'string', nullable: false, values: ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED'] },
    total: { kind: 'scalar', type: 'float', nullable: false },
    quantity: { kind: 'scalar', type: 'int', nullable: false },
    note: str(true),
    rush: { kind: 'scalar', type: 'bool', nullable: true },
    meta: { kind: 'scalar', type: 'json', nullable: true },
    tags: { kind: 'list', item: str(), nullable: false },
    customer: {
      kind: 'object',
      nullable: true,
      fields: {
        email: str(),
        name: str(),
        address: { kind: 'object', nullable: true, fields: { city: str(), zip: str(true) } },
        pushSubscription: { kind: 'scalar', type: 'json', nullable: true },
      },
    },
    items: {
      kind: 'list',
      nullable: false,
      item: { kind: 'object', nullable: false, fields: { sku: str(), quantity: { kind: 'scalar', type: 'int', nullable: false } } },
    },
  },
  customEvents: ['ORDER_REFUNDED'],
};

/** An entity without pre-images and without an org. */
export const PRODUCT: ObserverEntity = {
  name: 'Product',
  tenantScoped: false,
  preImages: false,
  fields: { id: str(), sku: str(), price: { kind: 'scalar', type: 'float', nullable: false }, status: str() },
};

export const ENTITIES = observerEntityCatalog([ORDER, PRODUCT]);

export const ORG_A = '11111111-1111-4111-8111-111111111111';
export const ORG_B = '22222222-2222-4222-8222-222222222222';

const ORDER_DATA = {
  id: 'order-1',
  status: 'SHIPPED',
  total: 99.5,
  quantity: 2,
  note: null,
  tags: ['gift'],
  customer: { email: 'ada@example.com', name: 'Ada', address: { city: 'Paris', zip: '75001' } },
  items: [{ sku: 'SKU-1', quantity: 2 }],
};

// A JSON round trip, as the event decoder makes (structuredClone would build objects of the outer realm under jest).
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** An UPDATE of order-1 (org A): status PAID → SHIPPED, customer city Lyon → Paris, with its pre-image. */
export function orderEvent(overrides: Partial<EntityEvent> = {}): EntityEvent {
  return {
    event_id: '01900000-0000-7000-8000-000000000001',
    seq: 7,
    event_type: 'UPDATE',
    entity_type: 'Order',
    entity_id: 'order-1',
    org_id: ORG_A,
    user_id: 'user-1',
    timestamp: '2024-03-01T09:05:00.123456Z',
    data: copy(ORDER_DATA),
    before: {
      ...copy(ORDER_DATA),
      status: 'PAID',
      customer: { email: 'ada@example.com', name: 'Ada', address: { city: 'Lyon', zip: '69001' } },
    },
    changed_fields: ['status', 'customer'],
    schema_version: 'abc',
    ...overrides,
  };
}
