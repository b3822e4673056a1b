import type { EntityEvent } from '@fraiseql/events';
import { compileCondition } from './compile-condition';
import type { ObserverRule } from './observer-rule';

export interface MatchRulesOptions {
  /** Called for each rule whose condition failed to evaluate (the rule does not fire); the worker counts these. */
  onConditionError?: (rule: ObserverRule, error: Error) => void;
}

/** Whether the rule watches this event at all, before its condition: enabled, same entity, listed event type, same org (or org-less). */
export function ruleApplies(rule: ObserverRule, event: EntityEvent): boolean {
  return (
    rule.enabled !== false &&
    rule.entityType === event.entity_type &&
    rule.eventTypes.includes(event.event_type) &&
    (rule.orgId === null || rule.orgId === undefined || rule.orgId === event.org_id)
  );
}

/**
 * The rules that fire for an event, in the given order: enabled, same entity type, event type
 * listed, org scope (a rule of org A never fires on org B's events; org-less rules fire for every
 * org), and the condition true. A condition that fails to evaluate is no match, reported to
 * `onConditionError`; a condition that does not parse (a rule that bypassed validation) too.
 */
export function matchRules(rules: readonly ObserverRule[], event: EntityEvent, options: MatchRulesOptions = {}): ObserverRule[] {
  const fired: ObserverRule[] = [];
  for (const rule of rules) {
    if (!ruleApplies(rule, event)) continue;
    if (rule.condition === undefined) {
      fired.push(rule);
      continue;
    }
    let result;
    try {
      result = compileCondition(rule.condition).evaluate(event);
    } catch (error) {
      result = { matched: false, error: error as Error };
    }
    if (result.error) options.onConditionError?.(rule, result.error);
    if (result.matched) fired.push(rule);
  }
  return fired;
}
