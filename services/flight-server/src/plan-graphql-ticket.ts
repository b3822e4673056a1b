import { inlineSqlParameters } from '@fraiseql/arrow';
import type { FlightTicket } from '@fraiseql/flight';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import type { ArrowQueryPlan } from '@fraiseql/query-planner';
import type { FlightCatalog } from './flight-catalog';

export interface PlannedGraphqlTicket {
  plan: ArrowQueryPlan;
  /** The plan's SQL with its parameters inlined: COPY and EXPLAIN take no bind parameters. */
  sql: string;
}

/** Plans a graphql ticket's operation for `principal` (re-planned on every use, never trusted from the ticket). */
export function planGraphqlTicket(
  catalog: FlightCatalog,
  ticket: Extract<FlightTicket, { kind: 'graphql' }>,
  principal: AuthenticatedCaller,
): PlannedGraphqlTicket {
  const prepared = catalog.planner.prepare({ query: ticket.query, operationName: ticket.operationName ?? null });
  const plan = catalog.planner.planArrow(prepared, ticket.variables ?? {}, {
    subject: principal.subject,
    orgId: principal.orgId,
    roles: [...principal.roles],
  });
  return { plan, sql: inlineSqlParameters(plan.sql, plan.values) };
}
