export { QueryPlanner } from './query-planner';
export type { QueryPlannerOptions } from './query-planner';
export type { OperationPlan, PlanStep, PlannerAuth, PreparedOperation } from './plan-types';
export { DEFAULT_LIMITS, DEFAULT_NESTED_LIST_ESTIMATE } from './planner-limits';
export type { PlannerLimits } from './planner-limits';
export { assembleResponse } from './assemble-response';
export { GraphqlRequestError, formatErrorBody } from './graphql-request-error';
export { CursorCodec } from './cursor-codec';
