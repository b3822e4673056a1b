import type { ObserverEntityCatalog } from './observer-entity';
import type { ObserverRule } from './observer-rule';
import { validateObserverRule } from './validate-observer-rule';

/** A stored run-time rule (a FRAISEQL_OBSERVERS entry, a fraiseql.tb_observer row): the rule body and what the row says. */
export interface AdminObserverRuleRecord {
  name: string;
  orgId: string;
  enabled: boolean;
  rule: Readonly<Record<string, unknown>>;
}

/**
 * The rule an admin record stands for, as the observer-worker runs it: validated against the entities
 * (origin `admin`), with the name, the org and the switch taken from the record, never from the rule
 * body. Throws FRAISEQL_OBSERVER_INVALID with `details.problems` for a rule the worker refuses.
 */
export function validateAdminObserverRule(record: AdminObserverRuleRecord, entities: ObserverEntityCatalog): ObserverRule {
  return validateObserverRule({ ...record.rule, name: record.name, orgId: record.orgId, enabled: record.enabled }, entities, {
    origin: 'admin',
  });
}
