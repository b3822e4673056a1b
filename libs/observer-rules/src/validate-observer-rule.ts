import { FraiseqlError } from '@fraiseql/errors';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import { checkCondition } from './check-condition';
import { CHANGE_EVENT_TYPES, type ObserverAction, type ObserverRule, type ObserverRuleOrigin } from './observer-rule';
import OBSERVER_RULE_JSON_SCHEMA from './observer-rule.schema.json';
import { fieldAtPath, type ObserverEntity, type ObserverEntityCatalog } from './observer-entity';
import { checkTemplate } from './observer-template';
import { isValueRef } from './secret-resolver';
import type { TemplateTarget } from './template-target';

export { OBSERVER_RULE_JSON_SCHEMA };

/** One reason a rule is refused: where (`actions[0].url`) and what. */
export interface ObserverRuleProblem {
  path: string;
  message: string;
}

export interface ValidateObserverRuleOptions {
  /** `schema` (default) may declare org-less rules (`orgId: null`); `admin` rules always name one org. */
  origin?: ObserverRuleOrigin;
}

const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: true, strictRequired: false, verbose: true });
const validateShape = ajv.compile(OBSERVER_RULE_JSON_SCHEMA);

/** Headers whose literal values would put a credential in the rule: they must be references. */
const CREDENTIAL_HEADER = /authorization|token|secret|api[-_]?key|cookie|signature|password/i;

/** Whether a header's name says it carries a credential (its value must be a reference, and is never shown). */
export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADER.test(name);
}

/** `/actions/0/url` → `actions[0].url`. */
function toPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path ? `${path}.${s}` : s), '');
}

const DEFS = OBSERVER_RULE_JSON_SCHEMA.$defs;
const PUSH_SUBSCRIPTION = DEFS.push.properties.subscription;
const JOB_TYPE_SCHEMA = DEFS.job.properties.jobType;

/** Messages for the schema's alternatives, which ajv reports branch by branch. */
const ALTERNATIVES = new Map<unknown, string>([
  [DEFS.templateOrRef, 'must be a template (a string), { env: NAME } or { secret: NAME }'],
  [DEFS.valueRef, 'must be a reference, { env: NAME } or { secret: NAME } (a credential is never stored in a rule)'],
  [PUSH_SUBSCRIPTION, 'must be { path: "data.<field>" } or { value: { endpoint: "https://…", keys: { p256dh, auth } } }'],
  [DEFS.slack, 'needs text or blocks'],
  [DEFS.email, 'needs text or html'],
  [DEFS.cache, 'needs keys, patterns or tags (one of them non-empty)'],
]);

/** ajv's errors as one problem per path, without the noise of if/then and of the branches of alternatives. */
function shapeProblems(errors: readonly ErrorObject[]): ObserverRuleProblem[] {
  const alternatives = errors.filter((e) => (e.keyword === 'oneOf' || e.keyword === 'anyOf') && ALTERNATIVES.has(e.parentSchema));
  const problems: ObserverRuleProblem[] = [];
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    const alternative = alternatives
      .filter((a) => e.instancePath === a.instancePath || e.instancePath.startsWith(`${a.instancePath}/`))
      .sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
    if (alternative && e !== alternative) {
      // A branch of a oneOf (every error below it), or a required member of an anyOf branch.
      if (alternative.keyword === 'oneOf' || e.schemaPath.startsWith('#/anyOf/')) continue;
    }
    let path = toPath(e.instancePath);
    let message = e.message ?? 'is invalid';
    if (e === alternative) {
      message = ALTERNATIVES.get(e.parentSchema) as string;
    } else if (e.keyword === 'additionalProperties') {
      const member = (e.params as { additionalProperty: string }).additionalProperty;
      path = path ? `${path}.${member}` : member;
      message = 'is not a member of this object';
    } else if (e.keyword === 'required') {
      const member = (e.params as { missingProperty: string }).missingProperty;
      path = path ? `${path}.${member}` : member;
      message = 'is required';
    } else if (e.parentSchema === JOB_TYPE_SCHEMA && e.keyword === 'pattern') {
      message = 'must be a job type name: lower-case words joined by - (e.g. email-batch)';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    }
    problems.push({ path: path || '(rule)', message });
  }
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Where each action's templates go (members given by reference are not templates); headers are handled apart. */
const TEMPLATE_MEMBERS: Readonly<Record<ObserverAction['type'], ReadonlyArray<readonly [string, TemplateTarget]>>> = {
  webhook: [
    ['url', 'url'],
    ['bodyTemplate', 'json'],
  ],
  slack: [
    ['text', 'slack'],
    ['blocks', 'slack-json'],
  ],
  email: [
    ['to', 'line'],
    ['cc', 'line'],
    ['bcc', 'line'],
    ['replyTo', 'line'],
    ['subject', 'line'],
    ['text', 'text'],
    ['html', 'html'],
  ],
  sms: [
    ['accountSid', 'line'],
    ['from', 'line'],
    ['to', 'line'],
    ['body', 'text'],
  ],
  push: [
    ['payloadTemplate', 'json'],
    ['vapidPublicKey', 'line'],
    ['vapidSubject', 'line'],
  ],
  cache: [
    ['keys', 'line'],
    ['patterns', 'line'],
    ['tags', 'line'],
  ],
  publish: [
    ['topic', 'topic'],
    ['payloadTemplate', 'json'],
  ],
  job: [['payload', 'json']],
};

/** The templates of an action with their path and target. */
function actionTemplates(action: ObserverAction, at: string): Array<{ path: string; source: string; target: TemplateTarget }> {
  const out: Array<{ path: string; source: string; target: TemplateTarget }> = [];
  const add = (path: string, value: unknown, target: TemplateTarget) => {
    if (typeof value === 'string') out.push({ path: `${at}.${path}`, source: value, target });
  };
  const members = action as unknown as Record<string, unknown>;
  for (const [member, target] of TEMPLATE_MEMBERS[action.type] ?? []) {
    const value = members[member];
    if (Array.isArray(value)) value.forEach((v, i) => add(`${member}[${i}]`, v, target));
    else add(member, value, target);
  }
  if (action.type === 'webhook') for (const [name, value] of Object.entries(action.headers ?? {})) add(`headers.${name}`, value, 'line');
  return out;
}

/** The checks JSON Schema cannot express: entity, event types, org scope, condition, templates, credentials. */
function semanticProblems(rule: ObserverRule, entities: ObserverEntityCatalog, origin: ObserverRuleOrigin): ObserverRuleProblem[] {
  const problems: ObserverRuleProblem[] = [];
  const entity: ObserverEntity | undefined = entities.get(rule.entityType);
  if (origin === 'admin' && rule.orgId === null) {
    problems.push({ path: 'orgId', message: 'is required: a rule created through the admin API is scoped to one org' });
  }
  if (!entity) {
    const known = [...entities.keys()].sort();
    problems.push({
      path: 'entityType',
      message: `unknown entity ${JSON.stringify(rule.entityType)} (known: ${known.length > 0 ? known.join(', ') : 'none'})`,
    });
    return problems;
  }
  if (!entity.tenantScoped && rule.orgId !== null) {
    problems.push({
      path: 'orgId',
      message: `${entity.name} is not tenant-scoped: its events carry no org, so an org-scoped rule never fires`,
    });
  }
  const custom = entity.customEvents ?? [];
  rule.eventTypes.forEach((t, i) => {
    if (!(CHANGE_EVENT_TYPES as readonly string[]).includes(t) && !custom.includes(t)) {
      const allowed = [...CHANGE_EVENT_TYPES, ...custom].join(', ');
      problems.push({ path: `eventTypes[${i}]`, message: `${entity.name} emits no ${JSON.stringify(t)} events (it emits ${allowed})` });
    }
  });
  if (rule.condition !== undefined) {
    for (const message of checkCondition(rule.condition, entity, { eventTypes: rule.eventTypes }))
      problems.push({ path: 'condition', message });
  }
  rule.actions.forEach((action, i) => {
    const at = `actions[${i}]`;
    for (const { path, source, target } of actionTemplates(action, at)) {
      for (const message of checkTemplate(source, target, entity, rule.eventTypes)) problems.push({ path, message });
    }
    if (action.type === 'webhook') {
      for (const [name, value] of Object.entries(action.headers ?? {})) {
        if (isCredentialHeader(name) && !isValueRef(value)) {
          problems.push({
            path: `${at}.headers.${name}`,
            message: 'holds a credential: give it as { secret: NAME } or { env: NAME }, not a literal',
          });
        }
      }
      const urlProblem = webhookUrlProblem(action.url);
      if (urlProblem) problems.push({ path: `${at}.url`, message: urlProblem });
      if (action.method === 'GET' && action.bodyTemplate !== undefined) {
        problems.push({ path: `${at}.bodyTemplate`, message: 'a GET request has no body' });
      }
    }
    if (action.type === 'push' && 'path' in action.subscription) {
      const field = fieldAtPath(entity.fields, action.subscription.path.split('.').slice(1));
      if (!field) problems.push({ path: `${at}.subscription.path`, message: `${entity.name} has no field ${action.subscription.path}` });
      else if (field.kind === 'list' || (field.kind === 'scalar' && field.type !== 'json')) {
        problems.push({
          path: `${at}.subscription.path`,
          message: `${action.subscription.path} is not an object (a push subscription is)`,
        });
      }
    }
  });
  if (rule.retryPolicy && rule.retryPolicy.maximumIntervalMs < rule.retryPolicy.initialIntervalMs) {
    problems.push({ path: 'retryPolicy.maximumIntervalMs', message: 'is smaller than initialIntervalMs' });
  }
  return problems;
}

/** Liquid output and tags, replaced by a placeholder to see whether the literal text around them makes a URL. */
const LIQUID_MARKUP = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;

/**
 * A webhook URL template whose literal text cannot make an absolute http(s) URL never delivers: refused here
 * rather than dead-lettered at every event. A template that starts with markup (the whole URL from data) is
 * left to the delivery, which checks every URL it sends to.
 */
function webhookUrlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string' || /^\s*\{[{%]/.test(url)) return undefined;
  const literal = url.replace(LIQUID_MARKUP, 'x');
  let parsed: URL;
  try {
    parsed = new URL(literal);
  } catch {
    return `is not an absolute URL (expected https://host/path, got ${JSON.stringify(url.slice(0, 100))})`;
  }
  if (/\s/.test(literal)) return 'is not a URL: it contains white space';
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    return `must be an http or https URL, not ${parsed.protocol.slice(0, -1)}`;
  if (parsed.username !== '' || parsed.password !== '') return 'must not hold credentials (give them as a header by reference)';
  return undefined;
}

const describe = (problems: readonly ObserverRuleProblem[]): string => problems.map((p) => `${p.path}: ${p.message}`).join('; ');

/**
 * Checks a rule against the one JSON Schema and against the entities (a condition and templates that
 * parse and type-check, fields that exist, event types the entity emits, an org scope that can fire),
 * and returns it with its defaults (`enabled: true`, `orgId: null`, webhook `method: 'POST'`).
 * Throws FRAISEQL_OBSERVER_INVALID with `details.problems`: one `{ path, message }` per problem.
 */
export function validateObserverRule(
  input: unknown,
  entities: ObserverEntityCatalog,
  options: ValidateObserverRuleOptions = {},
): ObserverRule {
  const problems = observerRuleProblems(input, entities, options);
  if (problems.problems.length > 0) {
    const name = typeof (input as { name?: unknown } | null)?.name === 'string' ? ` "${(input as { name: string }).name}"` : '';
    throw new FraiseqlError('FRAISEQL_OBSERVER_INVALID', `Observer rule${name} is invalid: ${describe(problems.problems)}`, {
      details: { problems: problems.problems },
    });
  }
  return problems.rule as unknown as ObserverRule;
}

/** The problems of a rule (empty when valid) and, when its shape is valid, the rule with defaults. */
export function observerRuleProblems(
  input: unknown,
  entities: ObserverEntityCatalog,
  options: ValidateObserverRuleOptions = {},
): { problems: ObserverRuleProblem[]; rule?: ObserverRule } {
  const rule = structuredClone(input);
  if (!validateShape(rule)) return { problems: shapeProblems(validateShape.errors ?? []) };
  const typed = rule as unknown as ObserverRule;
  for (const action of typed.actions) if (action.type === 'webhook') action.method ??= 'POST';
  return { problems: semanticProblems(typed, entities, options.origin ?? 'schema'), rule: typed };
}
