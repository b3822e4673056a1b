import { FraiseqlError } from '@fraiseql/errors';
import { JOB_TYPE_PATTERN } from '@fraiseql/jobs';
import { ACTION_TYPES, OBSERVER_RULE_JSON_SCHEMA, validateObserverRule, type JobAction, type ObserverRuleProblem } from '../src';
import { ENTITIES, ORG_A } from './fixtures';

const webhook = { type: 'webhook', url: 'https://hooks.example.com/orders/{{ entity_id }}' };
const valid = { name: 'orderShipped', entityType: 'Order', eventTypes: ['UPDATE'], actions: [webhook] };

function problemsOf(input: unknown, origin: 'schema' | 'admin' = 'schema'): ObserverRuleProblem[] {
  try {
    validateObserverRule(input, ENTITIES, { origin });
  } catch (error) {
    expect(error).toBeInstanceOf(FraiseqlError);
    expect((error as FraiseqlError).code).toBe('FRAISEQL_OBSERVER_INVALID');
    return (error as FraiseqlError).details?.problems as ObserverRuleProblem[];
  }
  throw new Error('the rule was accepted');
}

describe('validateObserverRule', () => {
  it('accepts a valid rule and fills the defaults (enabled, orgId null, webhook method POST)', () => {
    const rule = validateObserverRule({ ...valid, condition: "changed_to('status', 'SHIPPED')" }, ENTITIES);
    expect(rule).toEqual({
      ...valid,
      condition: "changed_to('status', 'SHIPPED')",
      actions: [{ ...webhook, method: 'POST' }],
      enabled: true,
      orgId: null,
    });
  });

  it('does not modify its input', () => {
    const input = structuredClone(valid);
    validateObserverRule(input, ENTITIES);
    expect(input).toEqual(valid);
  });

  // Each row: a change to the valid rule, the field path refused, and words of the problem.
  const badRules: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['a name that is not an identifier', { name: 'order shipped' }, 'name', /pattern/],
    ['no name', { name: undefined }, 'name', /required/],
    ['an unknown member', { colour: 'red' }, 'colour', /not a member/],
    ['an unknown entity', { entityType: 'Invoice' }, 'entityType', /unknown entity "Invoice" \(known: Order, Product\)/],
    ['no event types', { eventTypes: [] }, 'eventTypes', /fewer than 1/],
    ['an event type the entity does not emit', { eventTypes: ['UPDATE', 'SHIPPED'] }, 'eventTypes[1]', /emits no "SHIPPED" events/],
    ['a condition that does not parse', { condition: 'data.status ==' }, 'condition', /does not parse/],
    ['an unknown field in a condition', { condition: "data.stauts == 'PAID'" }, 'condition', /unknown field data\.stauts/],
    [
      'an unknown nested field',
      { condition: "data.customer.address.town == 'Paris'" },
      'condition',
      /unknown field data\.customer\.address\.town/,
    ],
    ['a field below a scalar', { condition: "data.status.code == 'x'" }, 'condition', /data\.status is a string, it has no field "code"/],
    ['a type error (float compared with a string)', { condition: "data.total == 'cheap'" }, 'condition', /data\.total is a float/],
    ['a type error the checker finds (string + int)', { condition: 'data.status + 1 == 2' }, 'condition', /does not type-check/],
    ['an enum value that does not exist', { condition: "changed_to('status', 'SHIPED')" }, 'condition', /"SHIPED" is none of them/],
    ['null compared with a non-null field', { condition: 'data.total == null' }, 'condition', /never null/],
    ['an unknown variable', { condition: 'payload.x == 1' }, 'condition', /Unknown variable: payload/],
    ['a condition that is not a bool', { condition: 'data.total' }, 'condition', /not a bool/],
    ['changed() of an unknown field', { condition: "changed('shipping')" }, 'condition', /changed\('shipping'\): unknown field/],
    ['changed() without a literal field', { condition: 'changed(data.status)' }, 'condition', /string literal/],
    [
      'a template that does not parse',
      { actions: [{ ...webhook, bodyTemplate: '{"a": {{ data.total }' }] },
      'actions[0].bodyTemplate',
      /does not parse/,
    ],
    [
      'an unknown template variable',
      { actions: [{ ...webhook, url: 'https://x/{{ order.id }}' }] },
      'actions[0].url',
      /unknown variable order/,
    ],
    [
      'an unknown template field',
      { actions: [{ ...webhook, bodyTemplate: '{"c": {{ data.customer.mail }}}' }] },
      'actions[0].bodyTemplate',
      /unknown field data\.customer\.mail/,
    ],
    [
      'an unknown filter',
      { actions: [{ ...webhook, bodyTemplate: '{"a": {{ data.total | money }}}' }] },
      'actions[0].bodyTemplate',
      /undefined filter: money/,
    ],
    [
      'an include tag',
      { actions: [{ type: 'email', to: ['a@example.com'], subject: 's', text: '{% include "x" %}' }] },
      'actions[0].text',
      /include tag is not available/,
    ],
    [
      'a quoted interpolation in a JSON body',
      { actions: [{ ...webhook, bodyTemplate: '{"name": "{{ data.customer.name }}"}' }] },
      'actions[0].bodyTemplate',
      /valid JSON/,
    ],
    ['an unknown action type', { actions: [{ type: 'fax', number: '1' }] }, 'actions[0].type', /must be one of/],
    ['a job action without a job type', { actions: [{ type: 'job' }] }, 'actions[0].jobType', /required/],
    [
      'a job type that is not a job type name',
      { actions: [{ type: 'job', jobType: 'Order_Export' }] },
      'actions[0].jobType',
      /lower-case words joined by -/,
    ],
    ['an unknown job member', { actions: [{ type: 'job', jobType: 'export', queue: 'x' }] }, 'actions[0].queue', /not a member/],
    ['a negative job delay', { actions: [{ type: 'job', jobType: 'export', delayMs: -1 }] }, 'actions[0].delayMs', />= 0/],
    ['a fractional job delay', { actions: [{ type: 'job', jobType: 'export', delayMs: 1.5 }] }, 'actions[0].delayMs', /integer/],
    [
      'a job payload template that does not parse',
      { actions: [{ type: 'job', jobType: 'export', payload: '{"id": {{ entity_id }' }] },
      'actions[0].payload',
      /does not parse/,
    ],
    [
      'a job payload with a quoted interpolation (not JSON once rendered)',
      { actions: [{ type: 'job', jobType: 'export', payload: '{"id": "{{ entity_id }}"}' }] },
      'actions[0].payload',
      /valid JSON/,
    ],
    [
      'a job payload reading an unknown field',
      { actions: [{ type: 'job', jobType: 'export', payload: '{"c": {{ data.customer.mail }}}' }] },
      'actions[0].payload',
      /unknown field data\.customer\.mail/,
    ],
    ['a webhook without url', { actions: [{ type: 'webhook' }] }, 'actions[0].url', /required/],
    [
      'a url that is neither template nor reference',
      { actions: [{ type: 'webhook', url: 42 }] },
      'actions[0].url',
      /template \(a string\), \{ env: NAME \} or \{ secret: NAME \}/,
    ],
    [
      'a literal credential header',
      { actions: [{ ...webhook, headers: { Authorization: 'Bearer abc' } }] },
      'actions[0].headers.Authorization',
      /credential/,
    ],
    ['a literal signing secret', { actions: [{ ...webhook, signingSecret: 'abc' }] }, 'actions[0].signingSecret', /must be a reference/],
    [
      'a slack webhook URL given literally',
      { actions: [{ type: 'slack', webhookUrl: 'https://hooks.slack.com/T/B/X', text: 'hi' }] },
      'actions[0].webhookUrl',
      /must be a reference/,
    ],
    [
      'a slack action without text or blocks',
      { actions: [{ type: 'slack', webhookUrl: { secret: 'slack' } }] },
      'actions[0]',
      /needs text or blocks/,
    ],
    ['an email without body', { actions: [{ type: 'email', to: ['a@example.com'], subject: 's' }] }, 'actions[0]', /needs text or html/],
    [
      'an sms auth token given literally',
      { actions: [{ type: 'sms', accountSid: 'AC1', authToken: 'tok', from: '+1', to: '+2', body: 'b' }] },
      'actions[0].authToken',
      /must be a reference/,
    ],
    [
      'a push subscription path that is no field',
      {
        actions: [
          {
            type: 'push',
            subscription: { path: 'data.customer.push' },
            vapidPublicKey: 'k',
            vapidPrivateKey: { secret: 'v' },
            vapidSubject: 'mailto:a@b.c',
          },
        ],
      },
      'actions[0].subscription.path',
      /no field/,
    ],
    ['an empty cache action', { actions: [{ type: 'cache', keys: [] }] }, 'actions[0]', /needs keys, patterns or tags/],
    [
      'a GET webhook with a body',
      { actions: [{ ...webhook, method: 'GET', bodyTemplate: '{}' }] },
      'actions[0].bodyTemplate',
      /GET request has no body/,
    ],
    ['a retry policy of the wrong shape', { retryPolicy: { initialIntervalMs: 100 } }, 'retryPolicy.backoffCoefficient', /required/],
    ['a timeout of zero', { timeoutMs: 0 }, 'timeoutMs', />= 1/],
    ['an org-scoped rule on an entity without org', { entityType: 'Product', orgId: ORG_A }, 'orgId', /not tenant-scoped/],
    [
      'a webhook url that is not a URL',
      { actions: [{ type: 'webhook', url: 'orders/{{ entity_id }}' }] },
      'actions[0].url',
      /absolute URL/,
    ],
    [
      'a webhook url of another scheme',
      { actions: [{ type: 'webhook', url: 'file:///etc/{{ entity_id }}' }] },
      'actions[0].url',
      /http or https/,
    ],
    [
      'a webhook url with credentials',
      { actions: [{ type: 'webhook', url: 'https://u:p@hooks.example.com/' }] },
      'actions[0].url',
      /credentials/,
    ],
  ];

  it('accepts a webhook url computed by a template from its start (the delivery checks it)', () => {
    for (const url of ['{{ data.status }}', 'http://127.0.0.1:8025/{{ data.status }}?x={{ seq }}']) {
      expect(validateObserverRule({ ...valid, actions: [{ type: 'webhook', url }] }, ENTITIES).actions[0]).toMatchObject({ url });
    }
  });

  it.each(badRules)('refuses %s, naming the field', (_what, change, path, message) => {
    const problems = problemsOf({ ...valid, ...change });
    const problem = problems.find((p) => p.path === path);
    expect(problem).toBeDefined();
    expect(problem?.message).toMatch(message);
  });

  it('puts every problem in the message and in details.problems', () => {
    const input = { ...valid, name: '1', condition: 'data.nope', actions: [{ type: 'fax' }] };
    expect(() => validateObserverRule(input, ENTITIES)).toThrow(/name: must match pattern/);
    expect(problemsOf({ ...valid, condition: 'data.nope == 1', eventTypes: ['CREATED'] }).map((p) => p.path)).toEqual([
      'eventTypes[0]',
      'condition',
    ]);
  });

  it('refuses an org-less rule from the admin API, and accepts it with an org', () => {
    expect(problemsOf(valid, 'admin')).toEqual([{ path: 'orgId', message: expect.stringMatching(/scoped to one org/) }]);
    expect(validateObserverRule({ ...valid, orgId: ORG_A }, ENTITIES, { origin: 'admin' }).orgId).toBe(ORG_A);
  });

  it('refuses before and changed_from on UPDATE of an entity without pre-images (they could never fire)', () => {
    const product = { ...valid, entityType: 'Product' };
    expect(problemsOf({ ...product, condition: 'before.price > 10.0' })[0].message).toMatch(/no pre-images/);
    expect(problemsOf({ ...product, condition: "changed_from('status', 'ACTIVE')" })[0].message).toMatch(/never be true on UPDATE/);
    expect(validateObserverRule({ ...product, condition: "changed_to('status', 'ACTIVE')" }, ENTITIES).condition).toBeDefined();
  });

  it('accepts custom event types the entity declares, and every action type', () => {
    const rule = validateObserverRule(
      {
        ...valid,
        eventTypes: ['ORDER_REFUNDED', 'INSERT'],
        retryPolicy: { initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 60000, jitter: 0.2, maximumAttempts: 5 },
        actions: [
          {
            ...webhook,
            headers: { 'X-Order': '{{ entity_id }}', Authorization: { secret: 'hooks/token' } },
            signingSecret: { env: 'HOOK_KEY' },
          },
          {
            type: 'slack',
            webhookUrl: { secret: 'slack/orders' },
            text: 'Order *{{ entity_id }}*',
            blocks: '[{"type":"section","text":{"type":"mrkdwn","text":{{ data.customer.name }}}}]',
          },
          {
            type: 'email',
            to: ['{{ data.customer.email }}', { env: 'OPS_EMAIL' }],
            subject: 'Order {{ entity_id }}',
            html: '<p>{{ data.customer.name }}</p>',
          },
          {
            type: 'sms',
            accountSid: { env: 'TWILIO_SID' },
            authToken: { secret: 'twilio' },
            from: '+15550000',
            to: '+15551111',
            body: 'Order {{ entity_id }}',
          },
          {
            type: 'push',
            subscription: { path: 'data.customer.pushSubscription' },
            vapidPublicKey: { env: 'VAPID_PUBLIC' },
            vapidPrivateKey: { secret: 'vapid' },
            vapidSubject: 'mailto:ops@example.com',
          },
          { type: 'cache', keys: ['order:{{ entity_id }}'], tags: ['orders'] },
          { type: 'publish', topic: 'orders.{{ data.status }}', payloadTemplate: '{"id": {{ entity_id }}}' },
          { type: 'job', jobType: 'order-export', payload: '{"order": {{ entity_id }}, "total": {{ data.total }}}', delayMs: 60000 },
          { type: 'job', jobType: 'email-batch' },
        ],
      },
      ENTITIES,
    );
    expect(rule.actions.map((a) => a.type)).toEqual(['webhook', 'slack', 'email', 'sms', 'push', 'cache', 'publish', 'job', 'job']);
    expect(rule.actions[8]).toEqual({ type: 'job', jobType: 'email-batch' });
  });

  it('keeps the JSON Schema in step with the TypeScript model: one $def per action type, the job type as the job contract spells it', () => {
    const defs = OBSERVER_RULE_JSON_SCHEMA.$defs as unknown as Record<string, { properties: Record<string, unknown> }>;
    expect(OBSERVER_RULE_JSON_SCHEMA.$defs.action.properties.type.enum).toEqual([...ACTION_TYPES]);
    for (const type of ACTION_TYPES) expect(defs[type]?.properties.type).toEqual({ const: type });
    const thens = OBSERVER_RULE_JSON_SCHEMA.$defs.action.allOf.map((branch) => branch.then.$ref);
    expect(thens).toEqual(ACTION_TYPES.map((t) => `#/$defs/${t}`));
    expect(OBSERVER_RULE_JSON_SCHEMA.$defs.job.properties.jobType.pattern).toBe(JOB_TYPE_PATTERN.source);
    // The job action's members are JobAction's (a compile-time check: a member added to one must be added to the other).
    const members: Record<keyof JobAction, true> = { type: true, jobType: true, payload: true, delayMs: true };
    expect(Object.keys(OBSERVER_RULE_JSON_SCHEMA.$defs.job.properties).sort()).toEqual(Object.keys(members).sort());
  });

  it('ships its JSON Schema (draft 2020-12) for the admin API and other clients', () => {
    expect(OBSERVER_RULE_JSON_SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(OBSERVER_RULE_JSON_SCHEMA.required).toEqual(['name', 'entityType', 'eventTypes', 'actions']);
  });
});
