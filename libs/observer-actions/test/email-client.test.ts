import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { SMTPServer } from 'smtp-server';
import { freePort } from '@fraiseql/testkit';
import { ActionDelivery, EmailClient, messageIdFor } from '../src';

interface ReceivedMail {
  mailFrom: string;
  rcptTo: string[];
  raw: string;
}

/** Headers of a raw RFC 5322 message, unfolded, by lower-case name. */
function headersOf(raw: string): Map<string, string> {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  return new Map(
    head.split('\r\n').map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
}

describe('EmailClient against a real SMTP server (smtp-server)', () => {
  let server: SMTPServer;
  let port: number;
  const received: ReceivedMail[] = [];
  let delivery: ActionDelivery;
  let email: EmailClient;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('deferred@'))
          return callback(Object.assign(new Error('mailbox busy, try later'), { responseCode: 450 }));
        if (address.address.startsWith('unknown@')) return callback(Object.assign(new Error('no such user'), { responseCode: 550 }));
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          if (raw.includes('Subject: spam')) return callback(Object.assign(new Error('message refused as spam'), { responseCode: 554 }));
          received.push({
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            raw,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
    delivery = new ActionDelivery({ registry: new Registry() });
    email = new EmailClient(delivery, { host: '127.0.0.1', port, from: 'FraiseQL <observers@fraiseql.test>', maxConnections: 1 });
  });

  afterAll(async () => {
    email.close();
    await delivery.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('delivers to, cc and bcc as envelope recipients, with reply-to, subject, text and html, bcc kept out of the headers', async () => {
    const outcome = await email.send({
      to: ['Ada <ada@example.test>', 'bob@example.test'],
      cc: 'carol@example.test',
      bcc: ['dave@example.test'],
      replyTo: 'support@example.test',
      subject: 'Order 42 shipped',
      text: 'Your order 42 has shipped.',
      html: '<p>Your order <b>42</b> has shipped.</p>',
      idempotencyKey: 'evt-42:rule-7:email',
    });
    expect(outcome).toMatchObject({ kind: 'success', status: 250 });
    expect(outcome.kind === 'success' && outcome.detail).toMatchObject({ rejected: [], messageId: messageIdFor('evt-42:rule-7:email') });

    const mail = received.at(-1)!;
    expect(mail.mailFrom).toBe('observers@fraiseql.test');
    expect(mail.rcptTo.sort()).toEqual(['ada@example.test', 'bob@example.test', 'carol@example.test', 'dave@example.test']);
    const headers = headersOf(mail.raw);
    expect(headers.get('from')).toBe('FraiseQL <observers@fraiseql.test>');
    expect(headers.get('to')).toBe('Ada <ada@example.test>, bob@example.test');
    expect(headers.get('cc')).toBe('carol@example.test');
    expect(headers.has('bcc')).toBe(false);
    expect(mail.raw).not.toContain('dave@example.test');
    expect(headers.get('reply-to')).toBe('support@example.test');
    expect(headers.get('subject')).toBe('Order 42 shipped');
    expect(headers.get('message-id')).toBe(messageIdFor('evt-42:rule-7:email'));
    expect(headers.get('content-type')).toMatch(/^multipart\/alternative/);
    expect(mail.raw).toMatch(/Content-Type: text\/plain[^]*Your order 42 has shipped\./);
    expect(mail.raw).toMatch(/Content-Type: text\/html[^]*<p>Your order <b>42<\/b> has shipped\.<\/p>/);
  });

  it('classifies an SMTP 4xx reply as retryable and a 5xx reply as permanent, with the reply code', async () => {
    const deferred = await email.send({ to: 'deferred@example.test', subject: 'x', text: 'x' });
    expect(deferred).toMatchObject({ kind: 'retryable', code: 'FRAISEQL_ACTION_RECEIVER_ERROR', status: 450 });
    const unknown = await email.send({ to: 'unknown@example.test', subject: 'x', text: 'x' });
    expect(unknown).toMatchObject({ kind: 'permanent', code: 'FRAISEQL_ACTION_REJECTED', status: 550 });
    const spam = await email.send({ to: 'ada@example.test', subject: 'spam', text: 'x' });
    expect(spam).toMatchObject({ kind: 'permanent', code: 'FRAISEQL_ACTION_REJECTED', status: 554 });
    expect(spam.kind === 'permanent' && spam.reason).toContain('refused as spam');
  });

  it('reports recipients the server refused while delivering to the others', async () => {
    const outcome = await email.send({ to: ['ada@example.test', 'unknown@example.test'], subject: 'partial', text: 'x' });
    expect(outcome.kind === 'success' && outcome.detail).toMatchObject({
      accepted: ['ada@example.test'],
      rejected: ['unknown@example.test'],
    });
    expect(received.at(-1)!.rcptTo).toEqual(['ada@example.test']);
  });

  it('refuses a message without recipients or body, and classifies an unreachable server as retryable', async () => {
    expect(await email.send({ to: [], subject: 'x', text: 'x' })).toMatchObject({ kind: 'permanent', code: 'FRAISEQL_ACTION_INVALID' });
    expect(await email.send({ to: 'ada@example.test', subject: 'x' })).toMatchObject({
      kind: 'permanent',
      code: 'FRAISEQL_ACTION_INVALID',
    });
    const nowhere = new EmailClient(delivery, { host: '127.0.0.1', port: await freePort(), from: 'a@fraiseql.test' });
    try {
      expect(await nowhere.send({ to: 'ada@example.test', subject: 'x', text: 'x' })).toMatchObject({
        kind: 'retryable',
        code: 'FRAISEQL_ACTION_UNREACHABLE',
      });
    } finally {
      nowhere.close();
    }
  });
});
