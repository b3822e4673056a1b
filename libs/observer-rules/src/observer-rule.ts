import type { RetryPolicy } from '@fraiseql/service-kit';

/**
 * The one observer rule model (issue 9), shared by the schema compiler, the admin API and the
 * observer-worker. `observer-rule.schema.json` describes the same shape as JSON Schema; the two are
 * kept in step by the tests. docs/observers.md documents every member.
 */

/** A value read from the worker's environment when the action is rendered (`default` when unset). */
export interface EnvRef {
  env: string;
  default?: string;
}

/** A value read from the secret store when the action is rendered; the rule never holds the value itself. */
export interface SecretRef {
  secret: string;
}

export type ValueRef = EnvRef | SecretRef;

/** A Liquid template; how interpolated values are escaped depends on where it is used (docs/observers.md). */
export type Template = string;

/** A template, or a value by reference. */
export type TemplateOrRef = Template | ValueRef;

export const HTTP_METHODS = ['POST', 'PUT', 'PATCH', 'GET', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface WebhookAction {
  type: 'webhook';
  /** Default POST. */
  method?: HttpMethod;
  /** A template (interpolated values are URL-encoded) or a reference (`{ env: 'FRAISEQL_DEV_INBOX_URL' }`). */
  url: TemplateOrRef;
  /** Header values: templates (CR/LF refused) or references; secrets only by reference. */
  headers?: Record<string, TemplateOrRef>;
  /** A JSON template (every interpolated value JSON-encoded); default: the event envelope. */
  bodyTemplate?: Template;
  timeoutMs?: number;
  /** HMAC key the delivery signs the body with. */
  signingSecret?: ValueRef;
}

export interface SlackAction {
  type: 'slack';
  /** The incoming-webhook URL holds a token: by reference only. */
  webhookUrl: ValueRef;
  /** mrkdwn text (interpolated values have `&`, `<`, `>` escaped). */
  text?: Template;
  /** A JSON template of Slack blocks (interpolated strings mrkdwn-escaped, then JSON-encoded). */
  blocks?: Template;
}

/** An address: a template or a reference. */
export type AddressSource = TemplateOrRef;

export interface EmailAction {
  type: 'email';
  to: AddressSource[];
  cc?: AddressSource[];
  bcc?: AddressSource[];
  replyTo?: AddressSource;
  /** Plain text (CR/LF refused). */
  subject: Template;
  /** Plain text body. */
  text?: Template;
  /** HTML body (interpolated values HTML-escaped). */
  html?: Template;
}

export interface SmsAction {
  type: 'sms';
  accountSid: TemplateOrRef;
  authToken: ValueRef;
  from: TemplateOrRef;
  to: Template;
  body: Template;
}

/** A Web Push subscription as the browser gives it. */
export interface PushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushAction {
  type: 'push';
  /** Read from the event (`{ path: 'data.customer.pushSubscription' }`) or given literally. */
  subscription: { path: string } | { value: PushSubscription };
  /** A JSON template; default: the event envelope. */
  payloadTemplate?: Template;
  vapidPublicKey: TemplateOrRef;
  vapidPrivateKey: ValueRef;
  /** `mailto:` or `https:` contact of the sender. */
  vapidSubject: TemplateOrRef;
}

export interface CacheAction {
  type: 'cache';
  /** Keys to delete (plain text templates). */
  keys?: Template[];
  /** Key patterns to delete (`order:{{ entity_id }}:*`). */
  patterns?: Template[];
  /** Tags to invalidate. */
  tags?: Template[];
}

export interface PublishAction {
  type: 'publish';
  /** Subject tokens below the observers' prefix; interpolated values are escaped into one token each. */
  topic: Template;
  /** A JSON template; default: the event envelope. */
  payloadTemplate?: Template;
}

/**
 * Hands the action to the job-runner (`@fraiseql/jobs`): the job is enqueued with an id derived from (rule, action,
 * event), so a redelivered event never makes a second job; the event is acked once the job is durably enqueued.
 */
export interface JobAction {
  type: 'job';
  /** A job type registered in the job-runner: lower-case words joined by `-` (`export`, `email-batch`). */
  jobType: string;
  /** A JSON template (every interpolated value JSON-encoded), the job's payload; default: the event envelope. */
  payload?: Template;
  /** Run the job no earlier than this many milliseconds after it is enqueued. */
  delayMs?: number;
}

export type ObserverAction = WebhookAction | SlackAction | EmailAction | SmsAction | PushAction | CacheAction | PublishAction | JobAction;
export type ObserverActionType = ObserverAction['type'];

export const ACTION_TYPES: readonly ObserverActionType[] = ['webhook', 'slack', 'email', 'sms', 'push', 'cache', 'publish', 'job'];

export const CHANGE_EVENT_TYPES = ['INSERT', 'UPDATE', 'DELETE'] as const;

export interface ObserverRule {
  /** An identifier (`orderShipped`), unique within its org (or within the compiled schema). */
  name: string;
  description?: string;
  /** The entity whose events the rule watches (GraphQL type name). */
  entityType: string;
  /** `INSERT`, `UPDATE`, `DELETE`, or custom event names the entity declares. */
  eventTypes: string[];
  /** A CEL expression over the event; absent = always. */
  condition?: string;
  actions: ObserverAction[];
  /** The fleet's shared retry shape (libs/service-kit); absent = the worker's default. */
  retryPolicy?: RetryPolicy;
  /** Budget of one action attempt in milliseconds; absent = the worker's default. */
  timeoutMs?: number;
  /** Default true. */
  enabled: boolean;
  /** The org whose events fire the rule; null = every org (rules declared in the compiled schema only). */
  orgId: string | null;
}

/** Where a rule comes from: the compiled schema may declare org-less rules; the admin API may not. */
export type ObserverRuleOrigin = 'schema' | 'admin';
