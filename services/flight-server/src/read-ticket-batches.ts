import type { RecordBatch } from 'apache-arrow';
import { copyQueryToArrow } from '@fraiseql/arrow';
import { FraiseqlError } from '@fraiseql/errors';
import type { FlightTicket } from '@fraiseql/flight';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import { tracedIterable, type Context } from '@fraiseql/service-kit';
import { assembleSelection, withSchema } from './arrow-batches';
import { exportStatement, viewStatement, type DatasetStatement } from './dataset-sql';
import { readEventHistory } from './event-history';
import { datasetSchema, type FlightCatalog } from './flight-catalog';
import type { FlightServiceDeps } from './flight-service-deps';
import { planGraphqlTicket } from './plan-graphql-ticket';
import type { PostgresSession } from './postgres-session';

const TRACER = '@fraiseql/flight-server';
const rowsOf = (batch: RecordBatch): number => batch.numRows;

/**
 * The RecordBatches a verified ticket streams; `session` is opened only for the SQL kinds. The read
 * (PostgreSQL COPY or the event history) is a child span of `trace`, the DoGet's span.
 */
export async function* readTicketBatches(
  deps: FlightServiceDeps,
  ticket: FlightTicket,
  catalog: FlightCatalog,
  principal: AuthenticatedCaller,
  session: () => Promise<PostgresSession>,
  signal: AbortSignal,
  trace?: Context,
): AsyncGenerator<RecordBatch, void, undefined> {
  const batchSize = deps.settings.batchSize;
  // DoGet copies each batch into its FlightData before it pulls the next: the column buffers can be reused.
  const copyOptions = {
    batchSize,
    reuseBuffers: true,
    ...(deps.settings.maxBatchBytes === undefined ? {} : { maxBatchBytes: deps.settings.maxBatchBytes }),
  };
  if (ticket.kind === 'events') {
    catalog.assertEventEntity(ticket.entityType, principal);
    const redact = catalog.eventRedactor(ticket.entityType, principal);
    const history = readEventHistory(deps.nc, ticket, { batchSize, signal, ...(redact === null ? {} : { redact }) }, (n) =>
      deps.metrics.skippedEvents.inc(n),
    );
    const attributes = { 'messaging.system': 'nats', 'fraiseql.entity_type': ticket.entityType };
    yield* tracedIterable(trace, TRACER, 'event history read', attributes, history, rowsOf, 'fraiseql.rows');
    return;
  }
  if (ticket.kind === 'graphql') {
    const { plan, sql } = planGraphqlTicket(catalog, ticket, principal);
    const s = await session();
    const batches = tracedIterable(
      trace,
      TRACER,
      'postgresql copy',
      pgAttributes('graphql'),
      copyQueryToArrow(s.client, sql, [], copyOptions),
      rowsOf,
      'fraiseql.rows',
    );
    for await (const batch of batches) yield assembleSelection(batch, plan.columns);
    return;
  }
  if (ticket.kind === 'analytics') throw new FraiseqlError('FRAISEQL_INTERNAL', 'Analytics tickets are streamed as ClickHouse sent them.');
  const statement: DatasetStatement =
    ticket.kind === 'view' ? viewStatement(ticket, catalog, principal) : exportStatement(ticket, catalog, principal);
  const schema = datasetSchema(statement.dataset, statement.columns);
  const s = await session();
  const batches = tracedIterable(
    trace,
    TRACER,
    'postgresql copy',
    { ...pgAttributes(ticket.kind), 'fraiseql.dataset': statement.dataset.name },
    copyQueryToArrow(s.client, statement.sql, statement.params, copyOptions),
    rowsOf,
    'fraiseql.rows',
  );
  for await (const batch of batches) yield withSchema(batch, schema);
}

/** The COPY's span: never the statement text (it may hold literals of the caller's filters), only what it read. */
function pgAttributes(kind: string): Record<string, string> {
  return { 'db.system': 'postgresql', 'db.operation.name': 'COPY', 'fraiseql.ticket.kind': kind };
}
