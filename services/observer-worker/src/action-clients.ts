import type { Redis } from 'ioredis';
import type { NatsConnection } from 'nats';
import {
  CacheInvalidator,
  EmailClient,
  JOB_RUNNER_TARGET,
  JobEnqueuer,
  MessagePublisher,
  permanent,
  PushClient,
  SlackClient,
  SmsClient,
  WebhookClient,
  type ActionDelivery,
  type ActionOutcome,
  type EmailOptions,
} from '@fraiseql/observer-actions';
import { observerJobId } from '@fraiseql/jobs';
import type { RenderedAction, RenderedJob, RenderedPush, RenderedSms } from '@fraiseql/observer-rules';

export interface ActionClientsOptions {
  delivery: ActionDelivery;
  nc: NatsConnection;
  /** The Redis whose keys cache actions invalidate; unset: cache actions fail permanently. */
  cacheRedis?: Redis;
  /** The SMTP relay of email actions; unset: email actions fail permanently. */
  email?: EmailOptions;
  /** Base URL of the Twilio-compatible Messages API. */
  smsBaseUrl: string;
}

/** What one action attempt needs besides the rendered request. */
export interface ActionAttempt {
  /** Stable across retries of this (rule, action, event): the webhook's Idempotency-Key, the e-mail's Message-ID. */
  idempotencyKey: string;
  /** The rule's org: a publish lands under it. */
  orgId: string | null;
  /** Budget of this attempt. */
  timeoutMs: number;
  /** Give up the place in the host's queue after this long without a slot (FRAISEQL_ACTION_HOST_BUSY). */
  maxWaitMs?: number;
  /** Which part of which event this is: a job action's job id is derived from it (`observerJobId`). */
  part: { ruleRef: string; actionIndex: number; eventId: string };
}

/** At most this many SMS accounts and VAPID keys keep a client each (they are small; a bound all the same). */
const MAX_KEYED_CLIENTS = 1000;

/** Sends a rendered action with the right client of @fraiseql/observer-actions; never throws. */
export class ActionClients {
  private readonly webhooks: WebhookClient;
  private readonly slack: SlackClient;
  private readonly email: EmailClient | undefined;
  private readonly cache: CacheInvalidator | undefined;
  private readonly publisher: MessagePublisher;
  private readonly jobs: JobEnqueuer;
  private readonly sms = new Map<string, SmsClient>();
  private readonly push = new Map<string, PushClient>();

  constructor(private readonly options: ActionClientsOptions) {
    const { delivery } = options;
    this.webhooks = new WebhookClient(delivery);
    this.slack = new SlackClient(delivery);
    this.email = options.email ? new EmailClient(delivery, options.email) : undefined;
    this.cache = options.cacheRedis ? new CacheInvalidator(delivery, options.cacheRedis) : undefined;
    this.publisher = new MessagePublisher(delivery, options.nc);
    this.jobs = new JobEnqueuer(delivery, options.nc);
  }

  run(request: RenderedAction, attempt: ActionAttempt): Promise<ActionOutcome> {
    if (attempt.maxWaitMs === undefined) return this.send(request, attempt);
    return this.options.delivery.withMaxWait(attempt.maxWaitMs, () => this.send(request, attempt));
  }

  private send(request: RenderedAction, attempt: ActionAttempt): Promise<ActionOutcome> {
    const { idempotencyKey, timeoutMs } = attempt;
    switch (request.type) {
      case 'webhook':
        return this.webhooks.deliver({
          url: request.url,
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          ...(request.signingSecret === undefined ? {} : { secret: request.signingSecret }),
          idempotencyKey,
          timeoutMs: request.timeoutMs ?? timeoutMs,
        });
      case 'slack':
        return this.slack.deliver({
          webhookUrl: request.webhookUrl,
          ...(request.text === undefined ? {} : { text: request.text }),
          ...(request.blocks === undefined ? {} : { blocks: request.blocks }),
          idempotencyKey,
          timeoutMs,
        });
      case 'email':
        if (!this.email) return this.unavailable('email', 'no SMTP relay is configured (FRAISEQL_OBSERVER_SMTP_URL)');
        return this.email.send({
          to: request.to,
          cc: request.cc,
          bcc: request.bcc,
          ...(request.replyTo === undefined ? {} : { replyTo: request.replyTo }),
          subject: request.subject,
          ...(request.text === undefined ? {} : { text: request.text }),
          ...(request.html === undefined ? {} : { html: request.html }),
          idempotencyKey,
        });
      case 'sms':
        return this.smsClient(request, timeoutMs).send({ to: request.to, body: request.body, from: request.from });
      case 'push':
        return this.pushClient(request, timeoutMs).send({ subscription: request.subscription, payload: request.payload });
      case 'cache':
        if (!this.cache) return this.unavailable('cache', 'no Redis is configured for cache actions');
        return this.cache.invalidate({ keys: request.keys, patterns: request.patterns, tags: request.tags });
      case 'publish':
        return this.publisher.publish({ orgId: attempt.orgId, topic: request.topic, payload: request.payload, idempotencyKey });
      case 'job':
        return this.enqueueJob(request, attempt);
    }
  }

  /** The job's id follows (rule, action, event): every retry and redelivery of this part names the same job. */
  private enqueueJob(request: RenderedJob, attempt: ActionAttempt): Promise<ActionOutcome> {
    const { ruleRef, actionIndex, eventId } = attempt.part;
    return this.jobs.enqueue({
      type: request.jobType,
      // The payload rendered as JSON text (a JSON template or the envelope): it parses.
      payload: JSON.parse(request.payload) as unknown,
      jobId: observerJobId(ruleRef, actionIndex, eventId),
      ...(request.delayMs === undefined ? {} : { delayMs: request.delayMs }),
      source: { rule: ruleRef, action: actionIndex, eventId },
      orgId: attempt.orgId,
      timeoutMs: attempt.timeoutMs,
    });
  }

  /**
   * How long an action against the target host of `request` takes now (docs/observers.md, "Slow receivers"):
   * 0 for actions without a remote host (cache, publish) and for hosts not called yet; job actions share the
   * pseudo-host `job-runner`.
   */
  targetLatencyMs(request: RenderedAction): number {
    const target = this.targetOf(request);
    return target === undefined ? 0 : this.options.delivery.latencyMs(target);
  }

  async close(): Promise<void> {
    this.email?.close();
    await this.options.delivery.close();
  }

  /** The `host:port` an action's isolation is keyed by (as the clients key it), if it has one. */
  private targetOf(request: RenderedAction): string | undefined {
    switch (request.type) {
      case 'webhook':
        return hostOf(request.url);
      case 'slack':
        return hostOf(request.webhookUrl);
      case 'sms':
        return hostOf(this.options.smsBaseUrl);
      case 'push':
        return hostOf(request.subscription.endpoint);
      case 'email':
        return this.email?.target;
      case 'job':
        return JOB_RUNNER_TARGET;
      default:
        return undefined;
    }
  }

  private smsClient(request: RenderedSms, timeoutMs: number): SmsClient {
    const key = `${request.accountSid}\n${request.authToken}`;
    return keyed(
      this.sms,
      key,
      () =>
        new SmsClient(this.options.delivery, {
          accountSid: request.accountSid,
          authToken: request.authToken,
          from: request.from,
          baseUrl: this.options.smsBaseUrl,
          timeoutMs,
        }),
    );
  }

  private pushClient(request: RenderedPush, timeoutMs: number): PushClient {
    const key = `${request.vapid.publicKey}\n${request.vapid.privateKey}\n${request.vapid.subject}`;
    return keyed(this.push, key, () => new PushClient(this.options.delivery, { vapid: request.vapid, timeoutMs }));
  }

  private unavailable(type: 'email' | 'cache', reason: string): Promise<ActionOutcome> {
    return this.options.delivery.metrics.track(type, async () => permanent('FRAISEQL_ACTION_INVALID', reason, 0));
  }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined; // refused by the client with FRAISEQL_ACTION_INVALID
  }
}

function keyed<T>(map: Map<string, T>, key: string, make: () => T): T {
  let client = map.get(key);
  if (!client) {
    if (map.size >= MAX_KEYED_CLIENTS) map.delete(map.keys().next().value!);
    client = make();
    map.set(key, client);
  }
  return client;
}
