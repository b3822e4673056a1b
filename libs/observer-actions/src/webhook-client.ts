import { idempotencyKeyProblem } from '@fraiseql/nats-contract';
import { permanent, type ActionOutcome } from './action-outcome';
import type { ActionDelivery } from './action-delivery';
import type { HttpAnswerClassifier } from './guarded-http-client';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature';

/** A webhook call, rendered (URL, headers and body are final text). */
export interface WebhookRequest {
  url: string;
  /** Default POST. */
  method?: 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'GET';
  headers?: Record<string, string>;
  body?: string;
  /** The rule's signing secret: when set, `X-FraiseQL-Signature-256` signs the body. */
  secret?: string;
  /** Sent as `Idempotency-Key`; the caller keeps it the same across retries of one action (e.g. `<event_id>:<rule>:<action>`). */
  idempotencyKey: string;
  /** Overrides the delivery's default timeout. */
  timeoutMs?: number;
  /** Aborts the call (a job-runner job cancelled or handed back). */
  signal?: AbortSignal;
}

/** Headers the client sets itself, or that only the HTTP layer may set. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
  'idempotency-key',
  SIGNATURE_HEADER.toLowerCase(),
]);

export const DEFAULT_USER_AGENT = 'FraiseQL-Observer/1';

/** Delivers webhooks: signed, with an idempotency key, through the guarded HTTP client. */
export class WebhookClient {
  constructor(private readonly delivery: ActionDelivery) {}

  deliver(request: WebhookRequest): Promise<ActionOutcome> {
    return this.send('webhook', request);
  }

  /** For clients built on webhooks (Slack): the same path, counted under their own action type. */
  send(actionType: 'webhook' | 'slack', request: WebhookRequest, classify?: HttpAnswerClassifier): Promise<ActionOutcome> {
    const problem = idempotencyKeyProblem(request.idempotencyKey) ?? reservedHeader(request.headers ?? {});
    if (problem) return this.delivery.metrics.track(actionType, async () => permanent('FRAISEQL_ACTION_INVALID', problem, 0));
    const body = request.body;
    const headers: Record<string, string> = { 'user-agent': DEFAULT_USER_AGENT };
    for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
    if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    headers['idempotency-key'] = request.idempotencyKey;
    if (request.secret !== undefined) headers[SIGNATURE_HEADER.toLowerCase()] = signWebhook(body ?? '', request.secret);
    return this.delivery.sendHttp(
      actionType,
      {
        url: request.url,
        method: request.method ?? 'POST',
        headers,
        body,
        timeoutMs: request.timeoutMs,
        signal: request.signal,
        // The user's own receivers may continue the trace; Slack's API has no use for it.
        propagateTrace: actionType === 'webhook',
      },
      classify,
    );
  }
}

function reservedHeader(headers: Record<string, string>): string | undefined {
  const name = Object.keys(headers).find((n) => RESERVED_HEADERS.has(n.toLowerCase()));
  return name && `header ${JSON.stringify(name)} is set by the webhook client and may not be given by the rule`;
}
