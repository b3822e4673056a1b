import { enforceQueryLimits, measurePreparedOperation, type RoleQueryLimits } from '@fraiseql/graphql-runtime';
import type { Caller } from '@fraiseql/identity';
import type { PreparedOperation, QueryPlanner } from '@fraiseql/query-planner';

/** The per-role limits the gateway holds each caller to (FRAISEQL_GRAPHQL_ROLE_LIMITS over FRAISEQL_LIMIT_MAX_*). */
export type QueryLimitsPolicy = Pick<RoleQueryLimits, 'for'>;

/**
 * Refuses a prepared operation whose depth, estimated nodes or weighted cost is over the caller's
 * limit (docs/adr/0134-trusted-documents-and-limits.md), before anything is sent to a query-executor.
 */
export function admitQueryLimits(
  policy: QueryLimitsPolicy,
  planner: Pick<QueryPlanner, 'compiled' | 'graphqlSchema'>,
  operation: Pick<PreparedOperation, 'document' | 'operation'>,
  variables: Readonly<Record<string, unknown>> | null,
  caller: Caller,
): void {
  enforceQueryLimits(measurePreparedOperation(planner, operation, variables), policy.for(caller));
}
