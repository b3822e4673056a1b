import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { renderInboxItem, renderInboxList } from './inbox-html';
import type { HttpItem, InboxItem } from './inbox-item';

export interface DevInboxOptions {
  /** 0 = any free port. */
  httpPort: number;
  smtpPort: number;
  host?: string;
  /** Only the newest this many items are kept. Default 500. */
  maxItems?: number;
  /** Largest HTTP body or e-mail accepted, in bytes. Default 1 MiB. */
  maxBytes?: number;
}

export interface DevInbox {
  httpUrl: string;
  httpPort: number;
  smtpPort: number;
  /** Newest first. */
  items(): InboxItem[];
  clear(): void;
  close(): Promise<void>;
}

/**
 * The dev inbox (docs/observers.md, "The demo shop"): every HTTP request outside `/inbox`, `/api` and
 * `/healthz` is caught and answered 2xx; every e-mail sent to its SMTP port is caught; both are listed at
 * `/inbox` (HTML, escaped) and `/api/items` (JSON). Memory only, newest `maxItems` kept.
 */
export async function startDevInbox(options: DevInboxOptions): Promise<DevInbox> {
  const host = options.host ?? '127.0.0.1';
  const maxItems = options.maxItems ?? 500;
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  let items: InboxItem[] = [];
  const keep = (item: InboxItem): void => {
    items = [item, ...items].slice(0, maxItems);
  };

  const app: FastifyInstance = Fastify({ bodyLimit: maxBytes, logger: false });
  // Whatever a rule sends is stored as it came: no parser may refuse it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/', async (_request, reply) => reply.redirect('/inbox'));
  app.get('/inbox', async (_request, reply) => reply.type('text/html; charset=utf-8').send(renderInboxList(items)));
  app.get<{ Params: { id: string } }>('/inbox/:id', async (request, reply) => {
    const item = items.find((i) => i.id === request.params.id);
    if (!item) return reply.code(404).type('text/plain').send('not found');
    return reply.type('text/html; charset=utf-8').send(renderInboxItem(item));
  });
  app.get<{ Querystring: { kind?: string; path_prefix?: string } }>('/api/items', async (request) => {
    const { kind, path_prefix: prefix } = request.query;
    return items.filter((i) => (!kind || i.kind === kind) && (!prefix || (i.kind === 'http' && i.path.startsWith(prefix))));
  });
  app.get<{ Params: { id: string } }>('/api/items/:id', async (request, reply) => {
    const item = items.find((i) => i.id === request.params.id);
    return item ?? reply.code(404).send({ error: 'not found' });
  });
  app.delete('/api/items', async () => {
    items = [];
    return { ok: true };
  });
  app.setNotFoundHandler(async (request, reply) => {
    if (/^\/(inbox|api)(\/|$)/.test(request.url)) return reply.code(404).send({ error: 'not found' });
    const item = httpItem(request);
    keep(item);
    // Answer the way the receiver it stands in for would: Twilio's Messages API 201 + sid, a push service 201.
    if (/\/Accounts\/[^/]+\/Messages\.json$/.test(item.path)) {
      return reply.code(201).send({ sid: `SM${item.id.replace(/-/g, '')}`, status: 'queued' });
    }
    if (item.path.startsWith('/push/')) return reply.code(201).send();
    return reply.code(200).send({ ok: true, id: item.id });
  });
  await app.listen({ port: options.httpPort, host });
  const httpPort = (app.server.address() as AddressInfo).port;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: maxBytes,
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
            const error = new Error('message exceeds the dev inbox size limit') as Error & { responseCode: number };
            error.responseCode = 552;
            return callback(error);
          }
          keep({
            kind: 'email',
            id: randomUUID(),
            receivedAt: new Date().toISOString(),
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            from: addresses(mail.from)[0] ?? null,
            to: addresses(mail.to),
            cc: addresses(mail.cc),
            replyTo: addresses(mail.replyTo),
            subject: mail.subject ?? null,
            messageId: mail.messageId ?? null,
            text: mail.text ?? null,
            html: typeof mail.html === 'string' ? mail.html : null,
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort, host, () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  return {
    httpUrl: `http://${host}:${httpPort}`,
    httpPort,
    smtpPort,
    items: () => [...items],
    clear: () => {
      items = [];
    },
    async close() {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await app.close();
    },
  };
}

function httpItem(request: FastifyRequest): HttpItem {
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const text = raw.toString('utf8');
  const utf8 = Buffer.from(text, 'utf8').equals(raw);
  const [path = '/', query = ''] = request.url.split('?', 2);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = String(value);
  return {
    kind: 'http',
    id: randomUUID(),
    receivedAt: new Date().toISOString(),
    method: request.method,
    path,
    query,
    headers,
    body: utf8 ? text : raw.toString('base64'),
    bodyEncoding: utf8 ? 'utf8' : 'base64',
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  if (!field) return [];
  return (Array.isArray(field) ? field : [field]).flatMap((a) =>
    a.value.map((v) => (v.name ? `${v.name} <${v.address}>` : String(v.address))),
  );
}
