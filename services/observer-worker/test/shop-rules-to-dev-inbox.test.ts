import { startDevInbox, type DevInbox, type EmailItem, type HttpItem } from '@fraiseql/dev-inbox';
import { messageIdFor, verifyWebhookSignature } from '@fraiseql/observer-actions';
import { waitFor } from '@fraiseql/testkit';
import { secretsFromDirectory } from '../src';
import { emailOptionsFromUrl } from '@fraiseql/observer-actions';
import { orderEvent, startFleet, type Fleet } from './support';

describe("the demo shop's rules into the dev inbox (real HTTP and SMTP servers, NATS JetStream, Redis)", () => {
  let inbox: DevInbox;
  let fleet: Fleet;

  beforeAll(async () => {
    inbox = await startDevInbox({ httpPort: 0, smtpPort: 0 });
    fleet = await startFleet({
      email: emailOptionsFromUrl(`smtp://127.0.0.1:${inbox.smtpPort}`, 'Shop <observers@shop.test>'),
      secrets: secretsFromDirectory(undefined, { FRAISEQL_DEV_INBOX_URL: `${inbox.httpUrl}/webhooks/order-shipped` }),
    });
  });

  afterAll(async () => {
    await fleet?.dispose();
    await inbox?.close();
  });

  it('an order moving to SHIPPED sends the signed webhook and the customer e-mail, each once; other changes send nothing', async () => {
    const base = orderEvent();
    const shipped = orderEvent({
      data: { ...base.data, status: 'SHIPPED', customer: { name: 'Ada <b>', email: 'ada@example.com' }, shippingAddress: { city: 'Lyon' } },
      before: { ...base.before, status: 'PAID' },
    });
    await fleet.publish(orderEvent()); // PENDING → PAID: no rule fires
    await fleet.publish(shipped);
    await fleet.publish(shipped); // the relay published it twice: JetStream drops the copy, the receivers see it once

    await waitFor(() => inbox.items().length >= 2, 20_000);
    await waitFor(async () => (await fleet.metric('fraiseql_observer_backlog_size')) === 0, 20_000);
    const items = inbox.items();
    expect(items).toHaveLength(2);

    const hook = items.find((i): i is HttpItem => i.kind === 'http')!;
    expect(hook.path).toBe('/webhooks/order-shipped');
    expect(hook.headers['idempotency-key']).toBe(`${shipped.event_id}:schema:orderShippedWebhook/0`);
    expect(JSON.parse(hook.body)).toEqual({ orderId: shipped.entity_id, status: 'SHIPPED', total: 42.5, shippedAt: shipped.timestamp });
    const signature = String(hook.headers['x-fraiseql-signature-256']);
    expect(verifyWebhookSignature(signature, hook.body, 'dev-only-signing-key')).toBe(true);

    const mail = items.find((i): i is EmailItem => i.kind === 'email')!;
    expect(mail).toMatchObject({
      from: 'Shop <observers@shop.test>',
      to: ['ada@example.com'],
      subject: `Your order ${shipped.entity_id} has shipped`,
    });
    expect(mail.envelope.to.sort()).toEqual(['ada@example.com', 'orders@shop.test']);
    expect(mail.text).toContain('Hello Ada <b>,');
    expect(mail.text).toContain('is on its way to Lyon.');
    // HTML escaping: the customer's name is data, not markup.
    expect(mail.html).toContain('Hello Ada &lt;b&gt;,');
    // Stable across retries: derived from the part's dedup key, as the webhook's Idempotency-Key is.
    expect(mail.messageId).toBe(messageIdFor(`${shipped.event_id}:schema:orderShippedEmail/0`));
  });
});
