import { FraiseqlError } from '@fraiseql/errors';
import { requireOrg } from '@fraiseql/identity';
import { observerRuleProblems, type ObserverEntityCatalog, type ObserverRuleProblem } from '@fraiseql/observer-rules';
import type { MutationInputCheck } from '@fraiseql/query-planner';
import { OBSERVER_ADMIN, observerEntities, type CompiledSchema } from '@fraiseql/schema';

/** The entities of each schema the planners were built for (the active one, and one being swapped in). */
const catalogs = new WeakMap<CompiledSchema, ObserverEntityCatalog>();

function catalogOf(schema: CompiledSchema): ObserverEntityCatalog {
  let catalog = catalogs.get(schema);
  if (!catalog) {
    catalog = observerEntities(schema.types);
    catalogs.set(schema, catalog);
  }
  return catalog;
}

/** Stands in for the name while an update's rule is validated (an update never changes the name). */
const UPDATE_NAME = 'ruleBeingUpdated';

/**
 * The admin observer mutations' check (docs/adr/0104-admin-observer-api.md), run by the planner before a
 * `fraiseql.fn_create_observer` / `fn_update_observer` / `fn_delete_observer` call is bound. A caller without
 * an org is refused as everywhere (`requireOrg`); a rule is validated with @fraiseql/observer-rules against
 * the entities of the schema the request is planned with, as a rule of the caller's org, and refused with
 * FRAISEQL_OBSERVER_INVALID naming each input path (`rule.condition`, `rule.actions[0].url`, `name`): the
 * function is then never called, so nothing is written. Roles stay the function's to check.
 */
export const checkObserverRuleInput: MutationInputCheck = ({ mutation, input, caller, schema }) => {
  const { create, update, delete: remove } = OBSERVER_ADMIN.functions;
  const fn = mutation.function;
  if (fn !== create && fn !== update && fn !== remove) return input;
  const orgId = requireOrg(caller, 'Managing observer rules');
  const fields = (input ?? {}) as Record<string, unknown>;
  if (fn === remove || (fn === update && !('rule' in fields))) return input;

  const name = fn === create ? fields.name : UPDATE_NAME;
  const { problems, rule } = ruleProblems(fields.rule, name, orgId, catalogOf(schema));
  const refused = fn === create ? problems : problems.filter((p) => p.path !== 'name');
  if (refused.length > 0) {
    const label = typeof fields.name === 'string' ? ` "${fields.name}"` : '';
    throw new FraiseqlError(
      'FRAISEQL_OBSERVER_INVALID',
      `Observer rule${label} is refused: ${refused.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      { details: { problems: refused } },
    );
  }
  return { ...fields, rule };
};

/**
 * The problems of `rule` as input paths, and the rule to store: as given, without the members the API sets
 * itself (the name is an argument and the org the caller's).
 */
function ruleProblems(
  value: unknown,
  name: unknown,
  orgId: string,
  catalog: ObserverEntityCatalog,
): { problems: ObserverRuleProblem[]; rule: Record<string, unknown> } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const message = value === null ? 'must be a rule object (leave rule out to keep the current one)' : 'must be a JSON object: the rule';
    return { problems: [{ path: 'rule', message }], rule: {} };
  }
  const { name: ruleName, orgId: ruleOrg, enabled, ...rule } = value as Record<string, unknown>;
  const problems: ObserverRuleProblem[] = [];
  if (ruleName !== undefined && (name === UPDATE_NAME || ruleName !== name)) {
    const message =
      name === UPDATE_NAME
        ? 'leave it out: updateObserver keeps the name'
        : 'differs from the name argument: leave it out (the rule is named by the name argument)';
    problems.push({ path: 'rule.name', message });
  }
  if (ruleOrg !== undefined && (typeof ruleOrg !== 'string' || ruleOrg.toLowerCase() !== orgId)) {
    problems.push({
      path: 'rule.orgId',
      message: "names another organization: a rule created here belongs to the caller's organization (leave orgId out)",
    });
  }
  if (enabled !== undefined) problems.push({ path: 'rule.enabled', message: 'is set with the enabled argument, not inside the rule' });
  const found = observerRuleProblems({ ...rule, name, orgId }, catalog, { origin: 'admin' }).problems;
  for (const problem of found) problems.push({ path: inputPath(problem.path), message: problem.message });
  return { problems, rule };
}

/** A path of the validated rule as a path of the mutation's input. */
function inputPath(path: string): string {
  if (path === 'name') return 'name';
  if (path === '(rule)') return 'rule';
  // The org is the caller's: an org-scoped rule refused for its entity is about the entity.
  if (path === 'orgId') return 'rule.entityType';
  return `rule.${path}`;
}
