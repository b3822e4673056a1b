import type { EntityEvent } from '@fraiseql/events';
import { compileCondition, type ConditionResult } from './compile-condition';
import type { ObserverRule } from './observer-rule';

export interface MatchRulesOptions {
  /** Called for each rule whose condition failed to evaluate (the rule does not fire); the worker counts these. */
  onConditionError?: (rule: ObserverRule, error: Error) => void;
}

/** Why a rule does not watch an event, before its condition is looked at. */
export type RuleMismatch = 'disabled' | 'entity' | 'event_type' | 'org';

/** What keeps a rule from watching this event (disabled, another entity, an unlisted event type, another org), or undefined. */
export function ruleMismatch(rule: ObserverRule, event: EntityEvent): RuleMismatch | undefined {
  if (rule.enabled === false) return 'disabled';
  if (rule.entityType !== event.entity_type) return 'entity';
  if (!rule.eventTypes.includes(event.event_type)) return 'event_type';
  if (rule.orgId !== null && rule.orgId !== undefined && rule.orgId !== event.org_id) return 'org';
  return undefined;
}

/** Whether the rule watches this event at all, before its condition: enabled, same entity, listed event type, same org (or org-less). */
export function ruleApplies(rule: ObserverRule, event: EntityEvent): boolean {
  return ruleMismatch(rule, event) === undefined;
}

/**
 * The rule's condition on this event: no condition is a match; a condition that fails to evaluate,
 * or does not parse (a rule that bypassed validation), is no match with the error. Never throws.
 */
export function evaluateRuleCondition(rule: ObserverRule, event: EntityEvent): ConditionResult {
  if (rule.condition === undefined) return { matched: true };
  try {
    return compileCondition(rule.condition).evaluate(event);
  } catch (error) {
    return { matched: false, error: error as Error };
  }
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
    const result = evaluateRuleCondition(rule, event);
    if (result.error) options.onConditionError?.(rule, result.error);
    if (result.matched) fired.push(rule);
  }
  return fired;
}
