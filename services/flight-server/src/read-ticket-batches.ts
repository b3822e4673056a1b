import type { RecordBatch } from 'apache-arrow';
import { copyQueryToArrow } from '@fraiseql/arrow';
import { FraiseqlError } from '@fraiseql/errors';
import type { FlightTicket } from '@fraiseql/flight';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import { assembleSelection, withSchema } from './arrow-batches';
import { exportStatement, viewStatement, type DatasetStatement } from './dataset-sql';
import { readEventHistory } from './event-history';
import { datasetSchema, type FlightCatalog } from './flight-catalog';
import type { FlightServiceDeps } from './flight-service-deps';
import { planGraphqlTicket } from './plan-graphql-ticket';
import type { PostgresSession } from './postgres-session';

/** The RecordBatches a verified ticket streams; `session` is opened only for the SQL kinds. */
export async function* readTicketBatches(
  deps: FlightServiceDeps,
  ticket: FlightTicket,
  catalog: FlightCatalog,
  principal: AuthenticatedCaller,
  session: () => Promise<PostgresSession>,
  signal: AbortSignal,
): AsyncGenerator<RecordBatch, void, undefined> {
  const batchSize = deps.settings.batchSize;
  const copyOptions = { batchSize, ...(deps.settings.maxBatchBytes === undefined ? {} : { maxBatchBytes: deps.settings.maxBatchBytes }) };
  if (ticket.kind === 'events') {
    catalog.assertEventEntity(ticket.entityType, principal);
    const redact = catalog.eventRedactor(ticket.entityType, principal);
    yield* readEventHistory(deps.nc, ticket, { batchSize, signal, ...(redact === null ? {} : { redact }) }, (n) =>
      deps.metrics.skippedEvents.inc(n),
    );
    return;
  }
  if (ticket.kind === 'graphql') {
    const { plan, sql } = planGraphqlTicket(catalog, ticket, principal);
    const s = await session();
    for await (const batch of copyQueryToArrow(s.client, sql, [], copyOptions)) yield assembleSelection(batch, plan.columns);
    return;
  }
  if (ticket.kind === 'analytics') throw new FraiseqlError('FRAISEQL_INTERNAL', 'Analytics tickets are streamed as ClickHouse sent them.');
  const statement: DatasetStatement =
    ticket.kind === 'view' ? viewStatement(ticket, catalog, principal) : exportStatement(ticket, catalog, principal);
  const schema = datasetSchema(statement.dataset, statement.columns);
  const s = await session();
  for await (const batch of copyQueryToArrow(s.client, statement.sql, statement.params, copyOptions)) yield withSchema(batch, schema);
}
