import { matchRules, validateObserverRule, type ObserverRule } from '../src';
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
