import { permanent, type ActionOutcome } from './action-outcome';
import type { ActionDelivery } from './action-delivery';
import { classifyHttpStatus, type HttpAnswer } from './classify-http-status';

/** The SMS provider account: a Twilio-compatible Messages API. */
export interface SmsOptions {
  accountSid: string;
  authToken: string;
  /** Sender used when a request names none. One of `from` or `messagingServiceSid` is needed. */
  from?: string;
  messagingServiceSid?: string;
  /** Default `https://api.twilio.com`. */
  baseUrl?: string;
  timeoutMs?: number;
}

/** One text message, rendered. */
export interface SmsRequest {
  /** E.164 number, e.g. `+15551234567`. */
  to: string;
  body: string;
  from?: string;
}

const E164 = /^\+[1-9]\d{1,14}$/;

/**
 * SMS through `POST {baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json` (form-encoded `To`, `From`,
 * `Body`; HTTP basic auth sid:token), over the guarded HTTP client. The Messages API has no idempotency
 * key: a retry after a timeout may send a second text (at least once).
 */
export class SmsClient {
  private readonly endpoint: string;
  private readonly authorization: string;

  constructor(
    private readonly delivery: ActionDelivery,
    private readonly options: SmsOptions,
  ) {
    const base = (options.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
    this.endpoint = `${base}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
    this.authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  }

  send(request: SmsRequest): Promise<ActionOutcome> {
    const from = request.from ?? this.options.from;
    const problem = !E164.test(request.to)
      ? `SMS recipient ${JSON.stringify(request.to)} is not an E.164 number`
      : request.body.length === 0
        ? 'an SMS needs a body'
        : from === undefined && this.options.messagingServiceSid === undefined
          ? 'an SMS needs a sender (from or messagingServiceSid)'
          : undefined;
    if (problem) return this.delivery.metrics.track('sms', async () => permanent('FRAISEQL_ACTION_INVALID', problem, 0));
    const form = new URLSearchParams({ To: request.to, Body: request.body });
    if (from !== undefined) form.set('From', from);
    else form.set('MessagingServiceSid', this.options.messagingServiceSid!);
    return this.delivery.sendHttp(
      'sms',
      {
        url: this.endpoint,
        method: 'POST',
        headers: { authorization: this.authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        timeoutMs: this.options.timeoutMs,
      },
      classifyTwilioAnswer,
    );
  }
}

/** Twilio's status rules are HTTP's; its JSON gives the message sid on success and `code`/`message` on error. */
export function classifyTwilioAnswer(answer: HttpAnswer): ActionOutcome {
  const json = parseJson(answer.bodyText);
  const outcome = classifyHttpStatus(answer, () =>
    json && typeof json.message === 'string'
      ? `SMS provider answered HTTP ${answer.status}, error ${String(json.code ?? '?')}: ${json.message}`
      : `SMS provider answered HTTP ${answer.status}`,
  );
  if (outcome.kind === 'success' && json && typeof json.sid === 'string')
    return { ...outcome, detail: { sid: json.sid, status: json.status } };
  return outcome;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
