import type { Schema } from 'apache-arrow';
import { inlineSqlParameters } from '@fraiseql/arrow';
import { ENTITY_EVENT_ARROW_SCHEMA } from '@fraiseql/events';
import { TICKET_LIMITS, type FlightTicket } from '@fraiseql/flight';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import { exportStatement, viewStatement } from './dataset-sql';
import { estimateRows } from './estimate-rows';
import { datasetSchema, type FlightCatalog } from './flight-catalog';
import type { DatasetRequest } from './flight-request';
import type { FlightServiceDeps } from './flight-service-deps';
import { planGraphqlTicket } from './plan-graphql-ticket';
import { readGraphqlSchema } from './read-graphql-schema';

export interface DatasetDescription {
  /** An analytics dataset's is the Schema message ClickHouse wrote, kept encoded. */
  schema: Schema | Uint8Array;
  /** Rows the planner expects; -1 when unknown (event history). */
  estimate: number;
  tickets: Uint8Array[];
  ordered: boolean;
}

/** Schema, row estimate and (when `withTickets`) the tickets of what a descriptor asks for. */
export async function describeDataset(
  deps: FlightServiceDeps,
  request: DatasetRequest,
  catalog: FlightCatalog,
  principal: AuthenticatedCaller,
  withTickets: boolean,
): Promise<DatasetDescription> {
  const issue = (ticket: FlightTicket): Uint8Array => deps.tickets.issue(ticket, principal, { ttlMs: deps.settings.ticketTtlMs });
  switch (request.kind) {
    case 'export': {
      const whole = exportStatement(
        {
          kind: 'export',
          source: request.source,
          ...(request.columns ? { columns: request.columns } : {}),
          partition: { index: 0, count: 1 },
        },
        catalog,
        principal,
      );
      const estimate = await estimateRows(deps.pool, inlineSqlParameters(whole.sql, whole.params));
      // The caller's count (readDescriptor checked it against the dataset), else one per partitionRows estimated rows.
      const count =
        whole.dataset.partitionColumn === undefined
          ? 1
          : (request.partitions ?? Math.min(TICKET_LIMITS.maxPartitions, Math.max(1, Math.ceil(estimate / deps.settings.partitionRows))));
      const tickets = withTickets
        ? Array.from({ length: count }, (_, index) =>
            issue({
              kind: 'export',
              source: request.source,
              ...(request.columns ? { columns: request.columns } : {}),
              partition: { index, count },
            }),
          )
        : [];
      return { schema: datasetSchema(whole.dataset, whole.columns), estimate, tickets, ordered: false };
    }
    case 'view': {
      const statement = viewStatement(request, catalog, principal);
      const estimate = await estimateRows(deps.pool, inlineSqlParameters(statement.sql, statement.params));
      return {
        schema: datasetSchema(statement.dataset, statement.columns),
        estimate,
        tickets: withTickets ? [issue(request)] : [],
        ordered: (request.orderBy ?? []).length > 0,
      };
    }
    case 'graphql': {
      const planned = planGraphqlTicket(catalog, request, principal);
      const schema = await readGraphqlSchema(deps, planned, principal);
      return { schema, estimate: await estimateRows(deps.pool, planned.sql), tickets: withTickets ? [issue(request)] : [], ordered: true };
    }
    case 'events':
      return { schema: ENTITY_EVENT_ARROW_SCHEMA, estimate: -1, tickets: withTickets ? [issue(request)] : [], ordered: true };
    case 'analytics':
      return {
        schema: await deps.analytics.schemaMessage(deps.analytics.dataset(request.dataset), principal),
        estimate: -1,
        tickets: withTickets ? [issue(request)] : [],
        ordered: true,
      };
  }
}
