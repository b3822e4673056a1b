import { FraiseqlError } from '@fraiseql/errors';
import { REDACTED, compileTemplate, createSecretResolver, renderAction, validateObserverRule, type ObserverAction } from '../src';
import { ENTITIES, orderEvent } from './fixtures';

const HOSTILE = 'Robert"); </script><script>alert(1)</script> {{ event.org_id }} {% if true %}x{% endif %} & <@U123> \u2028';
const hostileEvent = () =>
  orderEvent({ data: { ...orderEvent().data, customer: { email: 'ada@example.com', name: HOSTILE, address: { city: 'Paris' } } } });
const secrets = createSecretResolver({
  env: { HOOK_URL: 'https://hooks.example.com/in' },
  secrets: { 'hooks/token': 'Bearer t0ken-xyz', 'slack/orders': 'https://hooks.slack.com/services/T/B/S3CRET', twilio: 'tw-secret' },
});

/** Validates the action inside a rule (as the worker receives it), then renders it. */
async function render(action: Record<string, unknown>, event = orderEvent()) {
  const rule = validateObserverRule({ name: 'r', entityType: 'Order', eventTypes: ['UPDATE'], actions: [action] }, ENTITIES);
  return renderAction(rule.actions[0] as ObserverAction, event, secrets);
}

describe('templates, by target', () => {
  it('json: every interpolated value JSON-encoded, so hostile data stays data and the body stays JSON', async () => {
    const { request } = await render(
      {
        type: 'webhook',
        url: 'https://x.example.com',
        bodyTemplate: '{"name": {{ data.customer.name }}, "total": {{ data.total }}, "tags": {{ data.tags }}, "note": {{ data.note }}}',
      },
      hostileEvent(),
    );
    if (request.type !== 'webhook') throw new Error('not a webhook');
    expect(JSON.parse(request.body as string)).toEqual({ name: HOSTILE, total: 99.5, tags: ['gift'], note: null });
    expect(request.body).not.toContain('</script>');
    expect(request.body).not.toContain('\u2028');
  });

  it('job: the payload template renders JSON with every value encoded; without one the payload is the event envelope', async () => {
    const event = hostileEvent();
    const { request } = await render(
      { type: 'job', jobType: 'order-export', payload: '{"order": {{ entity_id }}, "name": {{ data.customer.name }}}', delayMs: 5000 },
      event,
    );
    expect(request).toMatchObject({ type: 'job', jobType: 'order-export', delayMs: 5000 });
    expect(JSON.parse((request as { payload: string }).payload)).toEqual({ order: event.entity_id, name: HOSTILE });
    const plain = await render({ type: 'job', jobType: 'order-export' }, event);
    expect(plain.request).toEqual({ type: 'job', jobType: 'order-export', payload: expect.any(String) });
    expect(JSON.parse((plain.request as { payload: string }).payload)).toEqual(event);
  });

  it('json: the default body is the event envelope', async () => {
    const event = orderEvent();
    const { request } = await render({ type: 'webhook', url: { env: 'HOOK_URL' } }, event);
    expect(request).toMatchObject({ method: 'POST', url: 'https://hooks.example.com/in' });
    expect(JSON.parse((request as { body: string }).body)).toEqual(event);
  });

  it('html: values HTML-escaped, template markup kept', async () => {
    const { request } = await render(
      { type: 'email', to: ['{{ data.customer.email }}'], subject: 'Order {{ entity_id }}', html: '<p>Hello {{ data.customer.name }}</p>' },
      hostileEvent(),
    );
    expect((request as { html: string }).html).toBe(
      '<p>Hello Robert&quot;); &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; {{ event.org_id }} {% if true %}x{% endif %} &amp; &lt;@U123&gt; \u2028</p>',
    );
  });

  it('slack: mrkdwn escaping of & < > (no injected links or mentions); blocks are JSON with escaped strings', async () => {
    const { request } = await render(
      {
        type: 'slack',
        webhookUrl: { secret: 'slack/orders' },
        text: '*Order* <https://shop.example.com|{{ entity_id }}> for {{ data.customer.name }}',
        blocks: '[{"type": "section", "text": {"type": "mrkdwn", "text": {{ data.customer.name }}}}]',
      },
      hostileEvent(),
    );
    const slack = request as { text: string; blocks: Array<{ text: { text: string } }> };
    expect(slack.text).toContain('*Order* <https://shop.example.com|order-1> for Robert"); &lt;/script&gt;');
    expect(slack.text).toContain('&amp; &lt;@U123&gt;');
    expect(slack.blocks[0].text.text).toBe(
      'Robert"); &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; {{ event.org_id }} {% if true %}x{% endif %} &amp; &lt;@U123&gt; \u2028',
    );
  });

  it('text: values as they are; injection markup in data is not evaluated', async () => {
    const { request } = await render(
      {
        type: 'sms',
        accountSid: 'AC1',
        authToken: { secret: 'twilio' },
        from: '+15550000',
        to: '+15551111',
        body: 'Hi {{ data.customer.name }}',
      },
      hostileEvent(),
    );
    expect((request as { body: string }).body).toBe(`Hi ${HOSTILE}`);
  });

  it('url: interpolated values percent-encoded, the literal part kept', async () => {
    const event = orderEvent({ entity_id: 'a/b?c=d&e' });
    const { request } = await render(
      { type: 'webhook', method: 'GET', url: 'https://x.example.com/orders/{{ entity_id }}?s={{ data.status }}' },
      event,
    );
    expect(request).toMatchObject({ url: 'https://x.example.com/orders/a%2Fb%3Fc%3Dd%26e?s=SHIPPED' });
    expect(request).not.toHaveProperty('body');
  });

  it('topic: each value one token (no dot, wildcard or space from data)', async () => {
    const event = orderEvent({ data: { ...orderEvent().data, status: 'a.b *>' } });
    const { request } = await render({ type: 'publish', topic: 'orders.{{ data.status }}' }, event);
    expect((request as { topic: string }).topic).toBe('orders.a%2Eb%20%2A%3E');
  });

  it('line: a header, subject or address with a line break from data fails to render, naming the member', async () => {
    const event = orderEvent({ entity_id: 'x\r\nX-Injected: 1' });
    await expect(
      render({ type: 'webhook', url: 'https://x.example.com', headers: { 'X-Order': '{{ entity_id }}' } }, event),
    ).rejects.toMatchObject({
      code: 'FRAISEQL_OBSERVER_RENDER_FAILED',
      details: { path: 'headers.X-Order' },
    });
  });

  it('the raw filter does not bypass escaping', () => {
    const html = compileTemplate('<b>{{ data.customer.name | raw }}</b>', 'html');
    expect(html.render(hostileEvent())).not.toContain('<script>');
  });

  it('a template that would run too long or render too much fails, it does not hang the worker', () => {
    const loop = compileTemplate('{% for i in (1..100000000) %}{{ i }}{% endfor %}', 'text');
    expect(() => loop.render(orderEvent())).toThrow(/limit/i);
  });
});

describe('renderAction', () => {
  it('resolves secret references and gives a redacted copy for the DLQ and dry runs', async () => {
    const { request, redacted } = await render({
      type: 'webhook',
      url: { env: 'HOOK_URL' },
      headers: { Authorization: { secret: 'hooks/token' }, 'X-Order': '{{ entity_id }}' },
      signingSecret: { secret: 'hooks/token' },
      timeoutMs: 2000,
    });
    expect(request).toMatchObject({
      headers: { Authorization: 'Bearer t0ken-xyz', 'X-Order': 'order-1' },
      signingSecret: 'Bearer t0ken-xyz',
      timeoutMs: 2000,
    });
    expect(redacted).toMatchObject({
      headers: { Authorization: REDACTED, 'X-Order': 'order-1' },
      signingSecret: REDACTED,
      url: 'https://hooks.example.com/in',
    });
    expect(JSON.stringify(redacted)).not.toContain('t0ken');
  });

  it('redacts a header named like a credential even when its value comes from the environment', async () => {
    const { request, redacted } = await render({
      type: 'webhook',
      url: 'https://hooks.example.com/in',
      headers: { 'X-Api-Key': { env: 'HOOK_URL' } },
    });
    expect(request).toMatchObject({ headers: { 'X-Api-Key': 'https://hooks.example.com/in' } });
    expect(redacted).toMatchObject({ headers: { 'X-Api-Key': REDACTED } });
  });

  it('treats a Slack webhook URL and an SMS token as secrets whatever their source', async () => {
    const slack = await render({ type: 'slack', webhookUrl: { secret: 'slack/orders' }, text: 'x' });
    expect(slack.request).toMatchObject({ webhookUrl: 'https://hooks.slack.com/services/T/B/S3CRET' });
    expect(slack.redacted).toMatchObject({ webhookUrl: REDACTED });
    const sms = await render({ type: 'sms', accountSid: 'AC1', authToken: { secret: 'twilio' }, from: '+1', to: '+2', body: 'b' });
    expect(sms.redacted).toMatchObject({ authToken: REDACTED, accountSid: 'AC1' });
  });

  it('renders email, cache and push requests', async () => {
    const email = await render({
      type: 'email',
      to: ['{{ data.customer.email }}'],
      cc: ['ops@example.com'],
      subject: 'Order {{ entity_id }} {{ data.status }}',
      text: 'Total {{ data.total }}',
    });
    expect(email.request).toEqual({
      type: 'email',
      to: ['ada@example.com'],
      cc: ['ops@example.com'],
      bcc: [],
      subject: 'Order order-1 SHIPPED',
      text: 'Total 99.5',
    });
    const cache = await render({ type: 'cache', keys: ['order:{{ entity_id }}'], patterns: ['orders:{{ org_id }}:*'] });
    expect(cache.request).toEqual({ type: 'cache', keys: ['order:order-1'], patterns: [`orders:${orderEvent().org_id}:*`], tags: [] });
    const subscription = { endpoint: 'https://push.example.com/abc', keys: { p256dh: 'p', auth: 'push-auth' } };
    const event = orderEvent({
      data: { ...orderEvent().data, customer: { ...(orderEvent().data.customer as object), pushSubscription: subscription } },
    });
    const push = await render(
      {
        type: 'push',
        subscription: { path: 'data.customer.pushSubscription' },
        payloadTemplate: '{"title": {{ data.status }}}',
        vapidPublicKey: 'pub',
        vapidPrivateKey: { secret: 'twilio' },
        vapidSubject: 'mailto:ops@example.com',
      },
      event,
    );
    expect(push.request).toEqual({
      type: 'push',
      subscription,
      payload: '{"title": "SHIPPED"}',
      vapid: { publicKey: 'pub', privateKey: 'tw-secret', subject: 'mailto:ops@example.com' },
    });
    expect(push.redacted).toMatchObject({ vapid: { privateKey: REDACTED }, subscription: { keys: { auth: REDACTED } } });
  });

  it('fails naming the member when a reference is not set', async () => {
    const error = await render({ type: 'webhook', url: { env: 'NOT_SET_ANYWHERE' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FraiseqlError);
    expect(error).toMatchObject({ code: 'FRAISEQL_OBSERVER_RENDER_FAILED', details: { path: 'url' } });
    expect((error as Error).message).toMatch(/environment variable NOT_SET_ANYWHERE is not set/);
  });

  it('uses the default of an env reference when the variable is unset', async () => {
    const { request } = await render({ type: 'webhook', url: { env: 'NOT_SET_ANYWHERE', default: 'http://127.0.0.1:8025/hooks' } });
    expect(request).toMatchObject({ url: 'http://127.0.0.1:8025/hooks' });
  });
});
