import { inlineSqlParameters } from '@fraiseql/arrow';
import type { FlightTicket } from '@fraiseql/flight';
import { enforceQueryLimits, measurePreparedOperation } from '@fraiseql/graphql-runtime';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import type { ArrowQueryPlan } from '@fraiseql/query-planner';
import type { FlightCatalog } from './flight-catalog';

export interface PlannedGraphqlTicket {
  plan: ArrowQueryPlan;
  /** The plan's SQL with its parameters inlined: COPY and EXPLAIN take no bind parameters. */
  sql: string;
}

/**
 * Plans a graphql ticket's operation for `principal` (re-planned on every use, never trusted from the ticket), under the
 * same per-role depth/nodes/cost limits as the gateway (docs/adr/0134-trusted-documents-and-limits.md).
 */
export function planGraphqlTicket(
  catalog: FlightCatalog,
  ticket: Extract<FlightTicket, { kind: 'graphql' }>,
  principal: AuthenticatedCaller,
): PlannedGraphqlTicket {
  const prepared = catalog.planner.prepare({ query: ticket.query, operationName: ticket.operationName ?? null });
  if (catalog.queryLimits)
    enforceQueryLimits(measurePreparedOperation(catalog.planner, prepared, ticket.variables ?? null), catalog.queryLimits.for(principal));
  const plan = catalog.planner.planArrow(prepared, ticket.variables ?? {}, {
    subject: principal.subject,
    orgId: principal.orgId,
    roles: [...principal.roles],
  });
  return { plan, sql: inlineSqlParameters(plan.sql, plan.values) };
}
