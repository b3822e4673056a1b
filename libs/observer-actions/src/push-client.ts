import { generateRequestDetails, type PushSubscription, type Urgency } from 'web-push';
import { permanent, type ActionOutcome } from './action-outcome';
import type { ActionDelivery } from './action-delivery';
import { classifyHttpStatus, type HttpAnswer } from './classify-http-status';

/** The application server's VAPID identity (RFC 8292). */
export interface PushOptions {
  vapid: {
    /** `mailto:` or `https:` contact of the sender. */
    subject: string;
    /** URL-safe base64 of the uncompressed P-256 public key (65 bytes). */
    publicKey: string;
    /** URL-safe base64 of the P-256 private key (32 bytes). */
    privateKey: string;
  };
  timeoutMs?: number;
}

/** One push message to one subscription, rendered. */
export interface PushRequest {
  /** As the browser's `PushSubscription.toJSON()` gives it: `endpoint` and `keys.p256dh`, `keys.auth`. */
  subscription: PushSubscription;
  payload: string | Buffer;
  /** How long the push service keeps an undelivered message, in seconds. Default 86 400 (one day). */
  ttlSeconds?: number;
  urgency?: Urgency;
  /** Replaces an undelivered message with the same topic. */
  topic?: string;
}

/**
 * Web Push: the `web-push` library encrypts the payload (aes128gcm, RFC 8291) and signs the VAPID JWT
 * (ES256, `aud` = the endpoint's origin); the request goes through the guarded HTTP client like every other
 * HTTP action, because the endpoint comes from a subscription, i.e. from a user.
 */
export class PushClient {
  constructor(
    private readonly delivery: ActionDelivery,
    private readonly options: PushOptions,
  ) {}

  send(request: PushRequest): Promise<ActionOutcome> {
    let details: ReturnType<typeof generateRequestDetails>;
    try {
      details = generateRequestDetails(request.subscription, request.payload, {
        vapidDetails: this.options.vapid,
        TTL: request.ttlSeconds ?? 86_400,
        urgency: request.urgency,
        topic: request.topic,
        contentEncoding: 'aes128gcm',
      });
    } catch (error) {
      const reason = `push message cannot be built: ${error instanceof Error ? error.message : String(error)}`;
      return this.delivery.metrics.track('push', async () => permanent('FRAISEQL_ACTION_INVALID', reason, 0, { cause: error }));
    }
    const headers = Object.fromEntries(Object.entries(details.headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
    return this.delivery.sendHttp(
      'push',
      { url: details.endpoint, method: details.method, headers, body: details.body ?? undefined, timeoutMs: this.options.timeoutMs },
      classifyPushAnswer,
    );
  }
}

/** HTTP rules, except that 404 and 410 mean the subscription is gone (RFC 8030 §7.3): the caller should delete it. */
export function classifyPushAnswer(answer: HttpAnswer): ActionOutcome {
  if (answer.status === 404 || answer.status === 410) {
    return permanent('FRAISEQL_ACTION_GONE', `push subscription gone (HTTP ${answer.status})`, answer.latencyMs, { status: answer.status });
  }
  return classifyHttpStatus(
    answer,
    () => `push service answered HTTP ${answer.status}${answer.bodyText ? `: ${answer.bodyText.slice(0, 200)}` : ''}`,
  );
}
