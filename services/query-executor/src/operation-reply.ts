import { FraiseqlError } from '@fraiseql/errors';
import type { OperationPlan, PlanStep } from '@fraiseql/query-planner';
import type { StatementOutcome } from './pooled-transaction';
import type { Reply } from './request-envelope';

/**
 * The reply for an operation whose statements ran: 200 when some field has data; when every
 * field failed, the first error's status (graphql-response+json).
 */
export function operationReply(plan: OperationPlan, outcomes: StatementOutcome[], body: string, schemaHash: string): Reply {
  const errors = outcomes.filter((o): o is FraiseqlError => o instanceof FraiseqlError);
  const firstError = errors[0] ?? plan.steps.find((s) => s.kind === 'error')?.error;
  const nothingSucceeded = plan.steps.length > 0 && errors.length === outcomes.length && plan.steps.every((s) => s.kind !== 'json');
  return {
    body,
    status: firstError && nothingSucceeded ? firstError.httpStatus : 200,
    schemaHash,
    ...(firstError ? { errorCode: firstError.code } : {}),
  };
}

/** Whether a step runs in the executor (a statement or a native resolver) rather than being filled by the planner. */
export const runsInExecutor = (step: PlanStep): step is Extract<PlanStep, { kind: 'sql' | 'native' }> =>
  step.kind === 'sql' || step.kind === 'native';

/**
 * Results in step order for `assembleResponse`: 'sql' and 'native' steps take their outcome (`outcomes` holds one per
 * such step, in step order), the others are filled by the planner.
 */
export function resultsInStepOrder(plan: OperationPlan, outcomes: StatementOutcome[]): Array<string | null | Error> {
  let next = 0;
  return plan.steps.map((step) => (runsInExecutor(step) ? outcomes[next++]! : null));
}

/** One outcome per 'sql' or 'native' step, in step order, from the statements' outcomes and the native steps' outcomes. */
export function interleaveOutcomes(plan: OperationPlan, sql: StatementOutcome[], native: StatementOutcome[]): StatementOutcome[] {
  let s = 0;
  let n = 0;
  return plan.steps.filter(runsInExecutor).map((step) => (step.kind === 'sql' ? sql[s++]! : native[n++]!));
}

/** The code of the first failed statement, for the log. */
export function firstFailureCode(outcomes: StatementOutcome[]): FraiseqlError['code'] | undefined {
  return outcomes.find((o): o is FraiseqlError => o instanceof FraiseqlError)?.code;
}
