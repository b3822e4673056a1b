import type { EntityEvent } from '@fraiseql/events';
import { createSecretResolver, matchRules, renderAction } from '@fraiseql/observer-rules';
import { compileSchema, defineSchema } from '@fraiseql/schema';
import { DEV_INBOX_EMAIL, DEV_INBOX_WEBHOOK_URL, schema } from '../src/schema';

const compiled = compileSchema(schema);

function orderShipped(status = 'SHIPPED'): EntityEvent {
  const order = {
    id: 'order-1',
    status: 'PAID',
    total: 42.5,
    currency: 'EUR',
    notes: null,
    itemCount: 2,
    shippingAddress: { street: '1 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' },
    customer: { id: 'user-1', email: 'ada@example.com', name: 'Ada <Lovelace>' },
    items: [],
  };
  return {
    event_id: '01900000-0000-7000-8000-000000000009',
    seq: 9,
    event_type: 'UPDATE',
    entity_type: 'Order',
    entity_id: 'order-1',
    org_id: '11111111-1111-4111-8111-111111111111',
    user_id: null,
    timestamp: '2024-03-01T09:05:00.123456Z',
    data: { ...order, status },
    before: order,
    changed_fields: ['status'],
    schema_version: compiled.hash,
  };
}

const READ_RULE_KEYS = new Set(['requiresRole', 'requiresScope', 'onDenied']);

/**
 * The definition as authored before read rules existed (docs/adr/0136-authorization-in-the-plan.md): the same objects
 * without requiresRole / requiresScope / onDenied, one copy per original so shared definitions stay shared.
 */
function withoutReadRules<T>(value: T, copies = new Map<unknown, unknown>()): T {
  if (value === null || typeof value !== 'object') return value;
  if (copies.has(value)) return copies.get(value) as T;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  copies.set(value, copy);
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    if (!Array.isArray(value) && READ_RULE_KEYS.has(key)) continue;
    (copy as Record<string, unknown>)[key] = withoutReadRules(member, copies);
  }
  return copy as T;
}

describe('shop observers', () => {
  it('leaves the hash of the shop schema without observers (nor their admin surface) as it was before observers existed', () => {
    const { observers: _o, admin: _a, ...withoutObservers } = withoutReadRules(schema);
    expect(compileSchema(defineSchema({ ...withoutObservers })).hash).toBe(
      'dc4e3245e9713437f8d4a4d6e76961faaa14c1757dcb3983ed018b06334b49f8',
    );
  });

  it('fires the webhook and the email when an order moves to SHIPPED, and nothing otherwise', () => {
    expect(matchRules(compiled.observers, orderShipped()).map((r) => r.name)).toEqual(['orderShippedWebhook', 'orderShippedEmail']);
    expect(matchRules(compiled.observers, orderShipped('CANCELLED'))).toEqual([]);
  });

  it('renders to the dev inbox by default (no environment set)', async () => {
    const secrets = createSecretResolver({ env: {} });
    const [webhook, email] = compiled.observers;
    const hook = await renderAction(webhook.actions[0], orderShipped(), secrets);
    expect(hook.request).toMatchObject({
      method: 'POST',
      url: DEV_INBOX_WEBHOOK_URL,
      headers: { 'X-Fraiseql-Rule': 'orderShippedWebhook' },
    });
    expect(JSON.parse((hook.request as { body: string }).body)).toEqual({
      orderId: 'order-1',
      status: 'SHIPPED',
      total: 42.5,
      shippedAt: '2024-03-01T09:05:00.123456Z',
    });
    const mail = await renderAction(email.actions[0], orderShipped(), secrets);
    expect(mail.request).toMatchObject({ to: ['ada@example.com'], bcc: [DEV_INBOX_EMAIL], subject: 'Your order order-1 has shipped' });
    expect((mail.request as { html: string }).html).toContain('<p>Hello Ada &lt;Lovelace&gt;,</p>');
    expect((mail.request as { text: string }).text).toContain('is on its way to Paris.');
  });
});
