import type { HttpMethod, PushSubscription } from './observer-rule';

/** What will be sent for each action type: templates rendered and references resolved (renderAction). */
export interface RenderedWebhook {
  type: 'webhook';
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  /** JSON text (absent for GET). */
  body?: string;
  timeoutMs?: number;
  /** HMAC key the delivery signs the body with. */
  signingSecret?: string;
}

export interface RenderedSlack {
  type: 'slack';
  webhookUrl: string;
  text?: string;
  blocks?: unknown[];
}

export interface RenderedEmail {
  type: 'email';
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo?: string;
  subject: string;
  text?: string;
  html?: string;
}

export interface RenderedSms {
  type: 'sms';
  accountSid: string;
  authToken: string;
  from: string;
  to: string;
  body: string;
}

export interface RenderedPush {
  type: 'push';
  subscription: PushSubscription;
  /** JSON text. */
  payload: string;
  vapid: { publicKey: string; privateKey: string; subject: string };
}

export interface RenderedCache {
  type: 'cache';
  keys: string[];
  patterns: string[];
  tags: string[];
}

export interface RenderedPublish {
  type: 'publish';
  /** Subject tokens (each interpolated value percent-encoded into one token). */
  topic: string;
  /** JSON text. */
  payload: string;
}

export interface RenderedJob {
  type: 'job';
  /** The job-runner's job type. */
  jobType: string;
  /** JSON text: the rendered payload template, or the event envelope. */
  payload: string;
  delayMs?: number;
}

export type RenderedAction =
  RenderedWebhook | RenderedSlack | RenderedEmail | RenderedSms | RenderedPush | RenderedCache | RenderedPublish | RenderedJob;

/** The request, and a copy with every secret value replaced by `[REDACTED]` (for the DLQ, logs and dry runs). */
export interface RenderActionResult<T extends RenderedAction = RenderedAction> {
  request: T;
  redacted: T;
  /** A text (a receiver's answer, an error) with every secret value of this action replaced by `[REDACTED]`. */
  redactText(text: string): string;
}
