import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { permanent, retryable, type ActionOutcome } from './action-outcome';
import type { ActionDelivery } from './action-delivery';

/** The SMTP relay the service sends through (operator configuration, not rule data: no SSRF guard). */
export interface EmailOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465). Otherwise STARTTLS is used when the server offers it. */
  secure?: boolean;
  /** Refuse to send unless STARTTLS succeeds. */
  requireTLS?: boolean;
  tls?: Pick<ConnectionOptions, 'ca' | 'rejectUnauthorized' | 'servername' | 'minVersion'>;
  auth?: { user: string; pass: string };
  /** Sender used when a request names none. */
  from: string;
  /** Pooled SMTP connections. Default 5. */
  maxConnections?: number;
  /** Messages sent over one connection before it is renewed. Default 100. */
  maxMessages?: number;
  /** Connect, greeting and idle-socket timeouts. Defaults 10 000, 10 000, 30 000. */
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
}

/** One e-mail, rendered. Addresses are `a@b.c` or `Name <a@b.c>`. */
export interface EmailRequest {
  to: string | string[];
  cc?: string | string[];
  bcc?: string | string[];
  replyTo?: string | string[];
  from?: string;
  subject: string;
  text?: string;
  html?: string;
  /** Stable across retries: becomes the Message-ID, so a receiving system can drop a duplicate. */
  idempotencyKey?: string;
}

/**
 * E-mail over a pooled SMTP transport (nodemailer). SMTP's own classes decide: a 4xx reply is temporary
 * (retryable), a 5xx reply permanent; a message some recipients refused is a success listing them in `detail.rejected`.
 */
export class EmailClient {
  private readonly transport: Transporter<SMTPPool.SentMessageInfo>;
  /** `host:port` of the relay: the key of its isolation. */
  readonly target: string;

  constructor(
    private readonly delivery: ActionDelivery,
    private readonly options: EmailOptions,
  ) {
    this.target = `${options.host}:${options.port}`;
    this.transport = createTransport({
      pool: true,
      host: options.host,
      port: options.port,
      secure: options.secure ?? false,
      requireTLS: options.requireTLS ?? false,
      tls: options.tls,
      auth: options.auth,
      maxConnections: options.maxConnections ?? 5,
      maxMessages: options.maxMessages ?? 100,
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      greetingTimeout: options.greetingTimeoutMs ?? 10_000,
      socketTimeout: options.socketTimeoutMs ?? 30_000,
    });
  }

  send(request: EmailRequest): Promise<ActionOutcome> {
    const recipients = [request.to, request.cc, request.bcc].flat().filter((a): a is string => !!a);
    const problem =
      recipients.length === 0
        ? 'an e-mail needs at least one recipient (to, cc or bcc)'
        : request.text === undefined && request.html === undefined
          ? 'an e-mail needs a text or an html body'
          : undefined;
    if (problem) return this.delivery.metrics.track('email', async () => permanent('FRAISEQL_ACTION_INVALID', problem, 0));
    return this.delivery.execute('email', this.target, async () => {
      const began = Date.now();
      try {
        const info = await this.transport.sendMail({
          from: request.from ?? this.options.from,
          to: request.to,
          cc: request.cc,
          bcc: request.bcc,
          replyTo: request.replyTo,
          subject: request.subject,
          text: request.text,
          html: request.html,
          messageId: request.idempotencyKey === undefined ? undefined : messageIdFor(request.idempotencyKey),
        });
        const status = Number(/^\d{3}/.exec(info.response)?.[0]) || undefined;
        return {
          kind: 'success',
          status,
          latencyMs: Date.now() - began,
          detail: { messageId: info.messageId, accepted: info.accepted, rejected: info.rejected },
        };
      } catch (error) {
        return classifySmtpError(error, this.target, Date.now() - began);
      }
    });
  }

  /** Closes the pooled SMTP connections. */
  close(): void {
    this.transport.close();
  }
}

/** `<sha256(key)@fraiseql.observer>`: the same key gives the same Message-ID on every retry. */
export function messageIdFor(idempotencyKey: string): string {
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}@fraiseql.observer>`;
}

const NETWORK_CODES = new Set(['ECONNECTION', 'ESOCKET', 'EDNS', 'ETLS', 'ECONNREFUSED', 'ECONNRESET', 'EPROTOCOL']);

/** SMTP reply classes (RFC 5321 §4.2.1): 4xx transient, 5xx permanent; no reply: the network decides. */
export function classifySmtpError(error: unknown, target: string, latencyMs: number): ActionOutcome {
  const e = error as { responseCode?: unknown; code?: unknown; response?: unknown; message?: unknown };
  const reply = typeof e.response === 'string' ? e.response : String(e.message ?? error);
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
    return retryable('FRAISEQL_ACTION_RECEIVER_ERROR', `SMTP server deferred: ${reply}`, latencyMs, { status: responseCode, cause: error });
  }
  if (responseCode !== undefined && responseCode >= 500) {
    return permanent('FRAISEQL_ACTION_REJECTED', `SMTP server refused: ${reply}`, latencyMs, { status: responseCode, cause: error });
  }
  const code = typeof e.code === 'string' ? e.code : '';
  if (code === 'ETIMEDOUT') return retryable('FRAISEQL_ACTION_TIMEOUT', `SMTP server ${target} timed out`, latencyMs, { cause: error });
  if (NETWORK_CODES.has(code))
    return retryable('FRAISEQL_ACTION_UNREACHABLE', `SMTP server ${target}: ${reply}`, latencyMs, { cause: error });
  if (code === 'EENVELOPE' || code === 'EMESSAGE')
    return permanent('FRAISEQL_ACTION_INVALID', `e-mail refused before sending: ${reply}`, latencyMs, { cause: error });
  if (code === 'EAUTH') return permanent('FRAISEQL_ACTION_REJECTED', `SMTP authentication failed: ${reply}`, latencyMs, { cause: error });
  return retryable('FRAISEQL_ACTION_FAILED', `SMTP send failed: ${reply}`, latencyMs, { cause: error });
}
