import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { startDevInbox, type DevInbox, type EmailItem, type HttpItem } from '../src';

describe('dev inbox (real HTTP and SMTP servers on loopback)', () => {
  let inbox: DevInbox;
  beforeEach(async () => {
    inbox = await startDevInbox({ httpPort: 0, smtpPort: 0, maxItems: 3, maxBytes: 64 * 1024 });
  });
  afterEach(async () => {
    await inbox.close();
  });

  it('catches a webhook with its headers and body, and lists it in JSON', async () => {
    const response = await fetch(`${inbox.httpUrl}/webhooks/order-shipped?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'e1:schema:orderShippedWebhook/0' },
      body: JSON.stringify({ orderId: 'o-1', status: 'SHIPPED' }),
    });
    expect(response.status).toBe(200);
    const [item] = inbox.items() as HttpItem[];
    expect(item).toMatchObject({ kind: 'http', method: 'POST', path: '/webhooks/order-shipped', query: 'x=1', bodyEncoding: 'utf8' });
    expect(item!.headers['idempotency-key']).toBe('e1:schema:orderShippedWebhook/0');
    expect(JSON.parse(item!.body)).toEqual({ orderId: 'o-1', status: 'SHIPPED' });
    const listed = (await (await fetch(`${inbox.httpUrl}/api/items?kind=http&path_prefix=/webhooks`)).json()) as HttpItem[];
    expect(listed.map((i) => i.id)).toEqual([item!.id]);
    expect(((await (await fetch(`${inbox.httpUrl}/api/items?kind=email`)).json()) as unknown[]).length).toBe(0);
  });

  it('answers a Twilio-style Messages call 201 with a sid, and keeps a binary body as base64', async () => {
    const sms = await fetch(`${inbox.httpUrl}/2010-04-01/Accounts/AC123/Messages.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic QUMxMjM6dG9rZW4=' },
      body: 'To=%2B15551234567&Body=Shipped',
    });
    expect(sms.status).toBe(201);
    expect(((await sms.json()) as { sid: string }).sid).toMatch(/^SM[0-9a-f]{32}$/);
    const push = await fetch(`${inbox.httpUrl}/push/sub-1`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array([0xff, 0xfe, 0x00]),
    });
    expect(push.status).toBe(201);
    const [pushed, texted] = inbox.items() as HttpItem[];
    expect(pushed).toMatchObject({ bodyEncoding: 'base64', body: Buffer.from([0xff, 0xfe, 0x00]).toString('base64') });
    expect(texted!.body).toBe('To=%2B15551234567&Body=Shipped');
  });

  it('catches an e-mail with to, cc, bcc (envelope), reply-to, subject, text and html', async () => {
    const transport = createTransport({ host: '127.0.0.1', port: inbox.smtpPort, secure: false, ignoreTLS: true });
    await transport.sendMail({
      from: 'FraiseQL <observers@shop.test>',
      to: 'ada@example.com',
      cc: ['ops@shop.test'],
      bcc: ['orders@shop.test'],
      replyTo: 'support@shop.test',
      subject: 'Your order o-1 has shipped',
      text: 'On its way.',
      html: '<p>On its way.</p>',
      messageId: '<e1.orderShippedEmail@fraiseql>',
    });
    transport.close();
    const [mail] = inbox.items() as EmailItem[];
    expect(mail).toMatchObject({
      kind: 'email',
      from: 'FraiseQL <observers@shop.test>',
      to: ['ada@example.com'],
      cc: ['ops@shop.test'],
      replyTo: ['support@shop.test'],
      subject: 'Your order o-1 has shipped',
      messageId: '<e1.orderShippedEmail@fraiseql>',
      html: '<p>On its way.</p>',
    });
    expect(mail!.text!.trim()).toBe('On its way.');
    expect(mail!.envelope.to.sort()).toEqual(['ada@example.com', 'ops@shop.test', 'orders@shop.test']);
  });

  it('shows untrusted content escaped, under a CSP that allows no script', async () => {
    await fetch(`${inbox.httpUrl}/hooks/<script>`, { method: 'POST', body: '<script>alert(1)</script>' });
    const [item] = inbox.items();
    for (const url of [`${inbox.httpUrl}/inbox`, `${inbox.httpUrl}/inbox/${item!.id}`]) {
      const html = await (await fetch(url)).text();
      expect(html).not.toContain('<script>');
      expect(html).toContain("default-src 'none'");
    }
    expect(await (await fetch(`${inbox.httpUrl}/inbox/${item!.id}`)).text()).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('refuses a body over the size limit, keeps only the newest items, and clears', async () => {
    const big = await fetch(`${inbox.httpUrl}/hooks/big`, { method: 'POST', body: 'x'.repeat(65 * 1024) });
    expect(big.status).toBe(413);
    for (const n of [1, 2, 3, 4]) await fetch(`${inbox.httpUrl}/hooks/${n}`, { method: 'POST', body: String(n) });
    expect(inbox.items().map((i) => (i as HttpItem).path)).toEqual(['/hooks/4', '/hooks/3', '/hooks/2']);
    expect((await fetch(`${inbox.httpUrl}/api/items`, { method: 'DELETE' })).status).toBe(200);
    expect(inbox.items()).toEqual([]);
  });

  it('the bin refuses a bad port with exit code 2 and names the variable', () => {
    const run = spawnSync(process.execPath, [join(__dirname, '../bin/fraiseql-dev-inbox.js')], {
      env: { ...process.env, FRAISEQL_DEV_INBOX_HTTP_PORT: 'eighty' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('FRAISEQL_DEV_INBOX_HTTP_PORT must be a port number');
  });
});
