import { FraiseqlError } from '@fraiseql/errors';
import type { EntityEvent } from '@fraiseql/events';
import type { ObserverAction, PushAction, Template, TemplateOrRef, ValueRef } from './observer-rule';
import { compileTemplate, templateContext } from './observer-template';
import type { RenderActionResult, RenderedAction } from './rendered-action';
import { describeRef, isValueRef, type SecretResolver } from './secret-resolver';
import { encodeJsonValue, type TemplateTarget } from './template-target';
import { valueAtPath } from './json-path';
import { isCredentialHeader } from './validate-observer-rule';

export const REDACTED = '[REDACTED]';

const renderFailed = (path: string, problem: string, cause?: unknown): FraiseqlError =>
  new FraiseqlError('FRAISEQL_OBSERVER_RENDER_FAILED', `Observer action ${path}: ${problem}`, {
    details: { path, problem },
    ...(cause === undefined ? {} : { cause }),
  });

/** Renders the templates of one action and resolves its references, remembering which values are secret. */
class ActionRenderer {
  /** Values that must not appear in the redacted copy. */
  readonly sensitive = new Set<string>();

  constructor(
    private readonly event: EntityEvent,
    private readonly secrets: SecretResolver,
  ) {}

  template(path: string, source: Template, target: TemplateTarget): string {
    try {
      return compileTemplate(source, target).render(this.event);
    } catch (error) {
      throw renderFailed(path, (error as Error).message.split('\n')[0], error);
    }
  }

  /** `sensitive`: the value is secret whatever its source (a token, a key, a webhook URL with a token). */
  async ref(path: string, ref: ValueRef, sensitive = false): Promise<string> {
    const value = await this.secrets.resolve(ref);
    if (value === undefined) throw renderFailed(path, `${describeRef(ref)} is not set`);
    if (sensitive || 'secret' in ref) this.sensitive.add(value);
    return value;
  }

  async value(path: string, source: TemplateOrRef, target: TemplateTarget, sensitive = false): Promise<string> {
    if (isValueRef(source)) return this.ref(path, source, sensitive);
    const text = this.template(path, source, target);
    if (sensitive) this.sensitive.add(text);
    return text;
  }

  /** The JSON body: the template, or the event envelope. */
  body(path: string, source: Template | undefined): string {
    return source === undefined ? encodeJsonValue(this.event) : this.template(path, source, 'json');
  }

  redact<T>(value: T): T {
    const secrets = [...this.sensitive].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
    const scrub = (v: unknown): unknown => {
      if (typeof v === 'string') return secrets.reduce((text, secret) => text.split(secret).join(REDACTED), v);
      if (Array.isArray(v)) return v.map(scrub);
      if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x)]));
      return v;
    };
    return scrub(value) as T;
  }
}

async function renderPushSubscription(r: ActionRenderer, event: EntityEvent, action: PushAction) {
  if ('value' in action.subscription) return action.subscription.value;
  const path = action.subscription.path.split('.').slice(1);
  const value = valueAtPath(templateContext(event).data, path) as {
    endpoint?: unknown;
    keys?: { p256dh?: unknown; auth?: unknown };
  } | null;
  if (!value || typeof value.endpoint !== 'string' || typeof value.keys?.p256dh !== 'string' || typeof value.keys.auth !== 'string') {
    throw renderFailed('subscription', `${action.subscription.path} holds no push subscription ({ endpoint, keys: { p256dh, auth } })`);
  }
  r.sensitive.add(value.keys.auth);
  return { endpoint: value.endpoint, keys: { p256dh: value.keys.p256dh, auth: value.keys.auth } };
}

async function render(r: ActionRenderer, action: ObserverAction, event: EntityEvent): Promise<RenderedAction> {
  const list = (path: string, items: readonly TemplateOrRef[] | undefined, target: TemplateTarget) =>
    Promise.all((items ?? []).map((item, i) => r.value(`${path}[${i}]`, item, target)));
  switch (action.type) {
    case 'webhook': {
      const method = action.method ?? 'POST';
      const headers: Record<string, string> = {};
      // A header named like a credential is secret whatever its source (an `{ env }` token too): never in a dead letter.
      for (const [name, value] of Object.entries(action.headers ?? {}))
        headers[name] = await r.value(`headers.${name}`, value, 'line', isCredentialHeader(name));
      return {
        type: 'webhook',
        method,
        url: await r.value('url', action.url, 'url'),
        headers,
        ...(method === 'GET' ? {} : { body: r.body('bodyTemplate', action.bodyTemplate) }),
        ...(action.timeoutMs === undefined ? {} : { timeoutMs: action.timeoutMs }),
        ...(action.signingSecret ? { signingSecret: await r.ref('signingSecret', action.signingSecret, true) } : {}),
      };
    }
    case 'slack':
      return {
        type: 'slack',
        webhookUrl: await r.ref('webhookUrl', action.webhookUrl, true),
        ...(action.text === undefined ? {} : { text: r.template('text', action.text, 'slack') }),
        ...(action.blocks === undefined ? {} : { blocks: asBlocks(r.template('blocks', action.blocks, 'slack-json')) }),
      };
    case 'email':
      return {
        type: 'email',
        to: await list('to', action.to, 'line'),
        cc: await list('cc', action.cc, 'line'),
        bcc: await list('bcc', action.bcc, 'line'),
        ...(action.replyTo === undefined ? {} : { replyTo: await r.value('replyTo', action.replyTo, 'line') }),
        subject: r.template('subject', action.subject, 'line'),
        ...(action.text === undefined ? {} : { text: r.template('text', action.text, 'text') }),
        ...(action.html === undefined ? {} : { html: r.template('html', action.html, 'html') }),
      };
    case 'sms':
      return {
        type: 'sms',
        accountSid: await r.value('accountSid', action.accountSid, 'line'),
        authToken: await r.ref('authToken', action.authToken, true),
        from: await r.value('from', action.from, 'line'),
        to: r.template('to', action.to, 'line'),
        body: r.template('body', action.body, 'text'),
      };
    case 'push':
      return {
        type: 'push',
        subscription: await renderPushSubscription(r, event, action),
        payload: r.body('payloadTemplate', action.payloadTemplate),
        vapid: {
          publicKey: await r.value('vapidPublicKey', action.vapidPublicKey, 'line'),
          privateKey: await r.ref('vapidPrivateKey', action.vapidPrivateKey, true),
          subject: await r.value('vapidSubject', action.vapidSubject, 'line'),
        },
      };
    case 'cache':
      return {
        type: 'cache',
        keys: await list('keys', action.keys, 'line'),
        patterns: await list('patterns', action.patterns, 'line'),
        tags: await list('tags', action.tags, 'line'),
      };
    case 'publish':
      return {
        type: 'publish',
        topic: r.template('topic', action.topic, 'topic'),
        payload: r.body('payloadTemplate', action.payloadTemplate),
      };
    case 'job':
      return {
        type: 'job',
        jobType: action.jobType,
        payload: r.body('payload', action.payload),
        ...(action.delayMs === undefined ? {} : { delayMs: action.delayMs }),
      };
    default:
      throw renderFailed('type', `unknown action type ${JSON.stringify((action as { type?: unknown }).type)}`);
  }
}

function asBlocks(json: string): unknown[] {
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value)) throw renderFailed('blocks', 'did not render a JSON list of blocks');
  return value;
}

/**
 * The request an action sends for an event (templates rendered for their target, references
 * resolved), and its redacted copy. Throws FRAISEQL_OBSERVER_RENDER_FAILED naming the member: a
 * reference not set, a template over its limits, a JSON body that is not JSON, a line break in a header.
 */
export async function renderAction(action: ObserverAction, event: EntityEvent, secrets: SecretResolver): Promise<RenderActionResult> {
  const renderer = new ActionRenderer(event, secrets);
  const request = await render(renderer, action, event);
  return { request, redacted: renderer.redact(request), redactText: (text) => renderer.redact(text) };
}
