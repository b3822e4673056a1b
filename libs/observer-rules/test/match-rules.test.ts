import {
  evaluateRuleCondition,
  matchRules,
  ruleMismatch,
  validateAdminObserverRule,
  validateObserverRule,
  type ObserverRule,
} from '../src';
import { ENTITIES, ORG_A, ORG_B, orderEvent } from './fixtures';

const rule = (name: string, extra: Record<string, unknown> = {}): ObserverRule =>
  validateObserverRule(
    { name, entityType: 'Order', eventTypes: ['UPDATE'], actions: [{ type: 'cache', tags: ['orders'] }], ...extra },
    ENTITIES,
  );
const names = (rules: ObserverRule[]) => rules.map((r) => r.name);

describe('matchRules', () => {
  it('fires the enabled rules of the entity and event type whose condition holds, in order', () => {
    const rules = [
      rule('shipped', { condition: "changed_to('status', 'SHIPPED')" }),
      rule('paid', { condition: "changed_to('status', 'PAID')" }),
      rule('always'),
      rule('disabled', { enabled: false }),
      rule('inserts', { eventTypes: ['INSERT'] }),
      validateObserverRule(
        { name: 'products', entityType: 'Product', eventTypes: ['UPDATE'], actions: [{ type: 'cache', tags: ['p'] }] },
        ENTITIES,
      ),
    ];
    expect(names(matchRules(rules, orderEvent()))).toEqual(['shipped', 'always']);
    expect(names(matchRules(rules, orderEvent({ event_type: 'INSERT', before: null })))).toEqual(['inserts']);
  });

  it("never fires a rule of org A on org B's events; org-less rules fire for every org", () => {
    const rules = [rule('orgA', { orgId: ORG_A }), rule('orgB', { orgId: ORG_B }), rule('global')];
    expect(names(matchRules(rules, orderEvent({ org_id: ORG_A })))).toEqual(['orgA', 'global']);
    expect(names(matchRules(rules, orderEvent({ org_id: ORG_B })))).toEqual(['orgB', 'global']);
    expect(names(matchRules(rules, orderEvent({ org_id: null })))).toEqual(['global']);
  });

  it('reports a condition that fails to evaluate and does not fire it', () => {
    const rules = [rule('big', { condition: 'data.total > 10.0' }), rule('always')];
    const errors: string[] = [];
    const fired = matchRules(rules, orderEvent({ data: { total: 'n/a' } }), {
      onConditionError: (r, e) => errors.push(`${r.name}: ${e.message.split('\n')[0]}`),
    });
    expect(names(fired)).toEqual(['always']);
    expect(errors).toEqual([expect.stringMatching(/^big: no such overload/)]);
  });

  it('does not throw for a rule that bypassed validation with a condition that does not parse', () => {
    const broken = { ...rule('broken'), condition: 'data.status ==' };
    const errors: Error[] = [];
    expect(matchRules([broken], orderEvent(), { onConditionError: (_r, e) => errors.push(e) })).toEqual([]);
    expect(errors).toHaveLength(1);
  });
});

describe('ruleMismatch and evaluateRuleCondition (the parts matchRules decides with)', () => {
  it('names what keeps a rule from an event, in the order matchRules checks it', () => {
    expect(ruleMismatch(rule('off', { enabled: false, entityType: 'Product' }), orderEvent())).toBe('disabled');
    expect(ruleMismatch(rule('p', { entityType: 'Product' }), orderEvent())).toBe('entity');
    expect(ruleMismatch(rule('ins', { eventTypes: ['INSERT'] }), orderEvent())).toBe('event_type');
    expect(ruleMismatch(rule('b', { orgId: ORG_B }), orderEvent({ org_id: ORG_A }))).toBe('org');
    expect(ruleMismatch(rule('a', { orgId: ORG_A }), orderEvent({ org_id: ORG_A }))).toBeUndefined();
  });

  it('gives the condition outcome without throwing: no condition, true, false, an evaluation error', () => {
    expect(evaluateRuleCondition(rule('always'), orderEvent())).toEqual({ matched: true });
    expect(evaluateRuleCondition(rule('shipped', { condition: "changed_to('status', 'SHIPPED')" }), orderEvent())).toEqual({
      matched: true,
    });
    expect(evaluateRuleCondition(rule('paid', { condition: "changed_to('status', 'PAID')" }), orderEvent())).toEqual({ matched: false });
    const failed = evaluateRuleCondition(rule('big', { condition: 'data.total > 10.0' }), orderEvent({ data: { total: 'n/a' } }));
    expect(failed.matched).toBe(false);
    expect(failed.error).toBeInstanceOf(Error);
  });
});

describe('validateAdminObserverRule', () => {
  const body = { entityType: 'Order', eventTypes: ['UPDATE'], actions: [{ type: 'cache', tags: ['orders'] }] };

  it('takes the name, org and switch from the record, never from the rule body', () => {
    const validated = validateAdminObserverRule(
      { name: 'fromRow', orgId: ORG_A, enabled: false, rule: { ...body, name: 'fromBody', orgId: ORG_B, enabled: true } },
      ENTITIES,
    );
    expect(validated).toMatchObject({ name: 'fromRow', orgId: ORG_A, enabled: false });
  });

  it('refuses a rule the worker would refuse, with the problems', () => {
    expect(() =>
      validateAdminObserverRule(
        { name: 'typo', orgId: ORG_A, enabled: true, rule: { ...body, condition: "data.stauts == 'X'" } },
        ENTITIES,
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'FRAISEQL_OBSERVER_INVALID',
        details: { problems: [expect.objectContaining({ path: 'condition' })] },
      }),
    );
  });
});
