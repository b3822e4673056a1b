import { FraiseqlError, toFraiseqlError, type ErrorCode } from '@fraiseql/errors';
import type { EntityEvent } from '@fraiseql/events';
import { observerJobId } from '@fraiseql/jobs';
import {
  createSecretResolver,
  evaluateRuleCondition,
  isCredentialHeader,
  REDACTED,
  renderAction,
  ruleMismatch,
  type ObserverRule,
  type RenderedAction,
  type SecretResolver,
} from '@fraiseql/observer-rules';
import type { ListedObserverRule } from './rules-in-force';

/** Why a rule does not fire on the event. */
export type NoMatchReason = 'refused' | 'disabled' | 'entity' | 'event_type' | 'org' | 'condition_false' | 'condition_error';

/** One action as it would be sent: the redacted request, or why it cannot be rendered (the worker dead-letters it). */
export interface ActionPreview {
  index: number;
  type: string;
  request?: RenderedAction;
  /** A job action: the id its job would get from this event (`observerJobId`), the same on every redelivery. */
  jobId?: string;
  error?: { code: ErrorCode; message: string };
}

export interface RuleVerdict {
  name: string;
  origin: ListedObserverRule['origin'];
  orgId: string | null;
  matched: boolean;
  reason?: NoMatchReason;
  /** Why it does not fire, in words. */
  explanation?: string;
  actions?: ActionPreview[];
}

const envResolver = createSecretResolver({ secrets: {} });

/**
 * References as a dry run resolves them: `{ secret }` is never read (it yields REDACTED); `{ env }`
 * is read from this process's environment, or its default, or shown as `${NAME}` when unset here.
 */
export const DRY_RUN_SECRETS: SecretResolver = {
  resolve: (ref) => ('secret' in ref ? REDACTED : (envResolver.resolve(ref) ?? `\${${ref.env}}`)),
};

const orgOf = (org: string | null | undefined): string => (org ? `org ${org}` : 'no org');

function explainMismatch(rule: ObserverRule, event: EntityEvent): { reason: NoMatchReason; explanation: string } | undefined {
  switch (ruleMismatch(rule, event)) {
    case 'disabled':
      return { reason: 'disabled', explanation: 'the rule is disabled' };
    case 'entity':
      return { reason: 'entity', explanation: `entity: the rule watches ${rule.entityType}, the event is a ${event.entity_type}` };
    case 'event_type':
      return {
        reason: 'event_type',
        explanation: `event type: the rule watches ${rule.eventTypes.join(', ')}, the event is ${event.event_type}`,
      };
    case 'org':
      return { reason: 'org', explanation: `org: the rule is ${orgOf(rule.orgId)}'s, the event is of ${orgOf(event.org_id)}` };
    default:
      return undefined;
  }
}

/** Webhook headers named like credentials are hidden too, whatever the reference they came from. */
function hideCredentials(request: RenderedAction): RenderedAction {
  if (request.type !== 'webhook') return request;
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, isCredentialHeader(k) ? REDACTED : v]));
  return { ...request, headers };
}

async function preview(listed: ListedObserverRule, rule: ObserverRule, event: EntityEvent): Promise<ActionPreview[]> {
  return Promise.all(
    rule.actions.map(async (action, index): Promise<ActionPreview> => {
      try {
        const { redacted } = await renderAction(action, event, DRY_RUN_SECRETS);
        // The worker's part ref is `<origin>:<name>`: the job id is the one observer-worker would enqueue.
        const jobId = action.type === 'job' ? { jobId: observerJobId(`${listed.origin}:${listed.name}`, index, event.event_id) } : {};
        return { index, type: action.type, request: hideCredentials(redacted), ...jobId };
      } catch (error) {
        const failure = toFraiseqlError(error);
        return { index, type: action.type, error: { code: failure.code, message: failure.message } };
      }
    }),
  );
}

async function judge(listed: ListedObserverRule, event: EntityEvent): Promise<RuleVerdict> {
  const verdict = { name: listed.name, origin: listed.origin, orgId: listed.orgId };
  const rule = listed.rule;
  if (!rule) {
    return {
      ...verdict,
      matched: false,
      reason: 'refused',
      explanation: `refused by observer-worker: ${listed.refused?.message ?? 'invalid'}`,
    };
  }
  const mismatch = explainMismatch(rule, event);
  if (mismatch) return { ...verdict, matched: false, ...mismatch };
  const condition = evaluateRuleCondition(rule, event);
  if (condition.error) {
    return { ...verdict, matched: false, reason: 'condition_error', explanation: `condition error: ${condition.error.message}` };
  }
  if (!condition.matched) {
    return { ...verdict, matched: false, reason: 'condition_false', explanation: `condition false: ${rule.condition ?? ''}` };
  }
  return { ...verdict, matched: true, actions: await preview(listed, rule, event) };
}

/**
 * A dry run of observer rules on one event: for each rule (or those named `only`), whether it fires and
 * why not, and for each rule that fires, every action rendered as it would be sent, secrets redacted.
 * Nothing is sent. A name no rule has is FRAISEQL_OBSERVER_NOT_FOUND.
 */
export async function dryRunObservers(rules: readonly ListedObserverRule[], event: EntityEvent, only?: string): Promise<RuleVerdict[]> {
  const chosen = only === undefined ? rules : rules.filter((r) => r.name === only);
  if (chosen.length === 0 && only !== undefined) {
    const names = rules.map((r) => r.name);
    throw new FraiseqlError(
      'FRAISEQL_OBSERVER_NOT_FOUND',
      `no observer rule named ${JSON.stringify(only)} is in force${names.length > 0 ? ` (rules: ${names.join(', ')})` : ''}`,
      { details: { rule: only } },
    );
  }
  const verdicts: RuleVerdict[] = [];
  for (const rule of chosen) verdicts.push(await judge(rule, event));
  return verdicts;
}
