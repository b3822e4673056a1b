import { randomUUID } from 'node:crypto';
import {
  Metadata, status, type sendUnaryData, type ServerDuplexStream, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { RecordBatch, Schema } from 'apache-arrow';
import { copyQueryToArrow, inlineSqlParameters, recordBatchesToIpcStream } from '@fraiseql/arrow';
import { FraiseqlError, mapPgError } from '@fraiseql/errors';
import { ENTITY_EVENT_ARROW_SCHEMA } from '@fraiseql/events';
import {
  ipcStreamToFlightData,
  type Action, type ActionType, type Criteria, type Empty, type FlightData, type FlightDescriptor,
  type FlightInfo, type FlightResult, type HandshakeRequest, type HandshakeResponse, type PollInfo,
  type SchemaResult, type Ticket, type FlightTicket, type TicketPrincipal,
} from '@fraiseql/flight';
import { assembleSelection, withSchema } from './arrow-batches';
import { exportStatement, viewStatement, type DatasetStatement } from './dataset-sql';
import { readEventHistory } from './event-history';
import { FLIGHT_ACTIONS, runFlightAction } from './flight-actions';
import { datasetSchema, type FlightCatalog } from './flight-catalog';
import { readDescriptor, type DatasetRequest } from './flight-request';
import type { FlightServiceDeps, RunningStream } from './flight-service-deps';
import { drained, logFailure, schemaMessage, timestamp, toServiceError } from './flight-status';
import { PostgresSession } from './postgres-session';
import { createTableUpload } from './table-upload';

export type { FlightServiceDeps, FlightSettings } from './flight-service-deps';
export { FLIGHT_ACTIONS } from './flight-actions';
export { schemaMessage } from './flight-status';

/** Header of DoGet/DoPut responses naming the stream, for the `cancel` action. */
export const STREAM_ID_HEADER = 'x-fraiseql-stream-id';
const MAX_PARTITIONS = 1024;
/** How long a cancelled DoGet keeps draining its COPY for PostgreSQL's cancel to land. */
const CANCEL_DRAIN_MS = 5000;

/**
 * The FlightService handlers. Every RPC authenticates first (session token or JWT), every
 * failure leaves as a gRPC status with the stable code in the `fraiseql-error-code` trailer,
 * and every stream holds a slot of StreamSlots until it ends.
 */
export function createFlightServiceImpl(deps: FlightServiceDeps): UntypedServiceImplementation {
  const { logger, metrics } = deps;
  const running = new Map<string, RunningStream>();

  const unary = <Req, Res>(rpc: string, handle: (call: ServerUnaryCall<Req, Res>) => Promise<Res>) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const done = metrics.red.start(rpc);
      handle(call).then(
        (response) => { done(); callback(null, response); },
        (error: unknown) => { const e = toServiceError(error); done(e.errorCode); logFailure(logger, rpc, error); callback(e); },
      );
    };

  /** Bound estimate from the planner (EXPLAIN), never a count of the rows. */
  const estimateRows = async (sql: string): Promise<number> => {
    try {
      const result = await deps.pool.query<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(`EXPLAIN (FORMAT JSON) ${sql}`);
      return Math.max(0, Math.round(result.rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? -1));
    } catch (error) {
      throw mapPgError(error);
    }
  };

  const graphqlPlan = (catalog: FlightCatalog, ticket: Extract<FlightTicket, { kind: 'graphql' }>, principal: TicketPrincipal) => {
    const prepared = catalog.planner.prepare({ query: ticket.query, operationName: ticket.operationName ?? null });
    const plan = catalog.planner.planArrow(prepared, ticket.variables ?? {}, { subject: principal.subject, orgId: principal.orgId, roles: [...principal.roles] });
    return { plan, sql: inlineSqlParameters(plan.sql, plan.values) };
  };

  /** The Arrow schema of a graphql ticket: its SQL run with LIMIT 0 and assembled like the data. */
  const graphqlSchema = async ({ plan, sql }: ReturnType<typeof graphqlPlan>, principal: TicketPrincipal): Promise<Schema> => {
    const session = await PostgresSession.open(deps.pool, { readOnly: true, statementTimeoutMs: deps.settings.statementTimeoutMs, principal });
    try {
      for await (const batch of copyQueryToArrow(session.client, `SELECT * FROM (${sql}) AS s LIMIT 0`)) return assembleSelection(batch, plan.columns).schema;
      throw new Error('no schema batch');
    } catch (error) {
      throw mapPgError(error);
    } finally {
      await session.rollback();
    }
  };

  /** Schema, row estimate and tickets of what a descriptor asks for. */
  const describe = async (request: DatasetRequest, catalog: FlightCatalog, principal: TicketPrincipal, withTickets: boolean) => {
    const issue = (ticket: FlightTicket): Uint8Array => deps.tickets.issue(ticket, principal, { ttlMs: deps.settings.ticketTtlMs });
    switch (request.kind) {
      case 'export': {
        const whole = exportStatement({ kind: 'export', source: request.source, ...(request.columns ? { columns: request.columns } : {}), partition: { index: 0, count: 1 } }, catalog, principal);
        const estimate = await estimateRows(inlineSqlParameters(whole.sql, whole.params));
        const count = whole.dataset.partitionColumn === undefined ? 1 : Math.min(MAX_PARTITIONS, Math.max(1, Math.ceil(estimate / deps.settings.partitionRows)));
        const tickets = withTickets
          ? Array.from({ length: count }, (_, index) => issue({ kind: 'export', source: request.source, ...(request.columns ? { columns: request.columns } : {}), partition: { index, count } }))
          : [];
        return { schema: datasetSchema(whole.dataset, whole.columns), estimate, tickets, ordered: false };
      }
      case 'view': {
        const statement = viewStatement(request, catalog, principal);
        const estimate = await estimateRows(inlineSqlParameters(statement.sql, statement.params));
        return { schema: datasetSchema(statement.dataset, statement.columns), estimate, tickets: withTickets ? [issue(request)] : [], ordered: (request.orderBy ?? []).length > 0 };
      }
      case 'graphql': {
        const planned = graphqlPlan(catalog, request, principal);
        const schema = await graphqlSchema(planned, principal);
        return { schema, estimate: await estimateRows(planned.sql), tickets: withTickets ? [issue(request)] : [], ordered: true };
      }
      case 'events':
        return { schema: ENTITY_EVENT_ARROW_SCHEMA, estimate: -1, tickets: withTickets ? [issue(request)] : [], ordered: true };
    }
  };

  const flightInfo = async (descriptor: FlightDescriptor, principal: TicketPrincipal): Promise<FlightInfo> => {
    const catalog = deps.catalog();
    const request = readDescriptor(descriptor, catalog, principal);
    const described = await describe(request, catalog, principal, true);
    const expiresAt = timestamp(Date.now() + deps.settings.ticketTtlMs);
    return {
      schema: schemaMessage(described.schema),
      flightDescriptor: descriptor,
      endpoint: described.tickets.map((ticket) => ({
        ticket: { ticket },
        location: deps.settings.publicLocation ? [{ uri: deps.settings.publicLocation }] : [],
        expirationTime: expiresAt,
      })),
      totalRecords: described.estimate,
      totalBytes: -1,
      ordered: described.ordered,
    };
  };

  /** The RecordBatches a verified ticket streams; `session` is opened for SQL kinds. */
  async function* ticketBatches(ticket: FlightTicket, catalog: FlightCatalog, principal: TicketPrincipal, session: () => Promise<PostgresSession>, signal: AbortSignal): AsyncGenerator<RecordBatch, void, undefined> {
    const batchSize = deps.settings.batchSize;
    const copyOptions = { batchSize, ...(deps.settings.maxBatchBytes === undefined ? {} : { maxBatchBytes: deps.settings.maxBatchBytes }) };
    if (ticket.kind === 'events') {
      catalog.assertEventEntity(ticket.entityType);
      yield* readEventHistory(deps.nc, ticket, { batchSize, signal }, (n) => metrics.skippedEvents.inc(n));
      return;
    }
    if (ticket.kind === 'graphql') {
      const { plan, sql } = graphqlPlan(catalog, ticket, principal);
      const s = await session();
      for await (const batch of copyQueryToArrow(s.client, sql, [], copyOptions)) yield assembleSelection(batch, plan.columns);
      return;
    }
    const statement: DatasetStatement = ticket.kind === 'view' ? viewStatement(ticket, catalog, principal) : exportStatement(ticket, catalog, principal);
    const schema = datasetSchema(statement.dataset, statement.columns);
    const s = await session();
    for await (const batch of copyQueryToArrow(s.client, statement.sql, statement.params, copyOptions)) yield withSchema(batch, schema);
  }

  const DoGet = (call: ServerWritableStream<Ticket, FlightData>): void => {
    const done = metrics.red.start('DoGet');
    const streamId = randomUUID();
    const abort = new AbortController();
    let session: PostgresSession | undefined;
    let release: (() => void) | undefined;
    let kind = 'unknown';
    let cancelReason: 'client' | 'action' | undefined;
    const cancel = (reason: 'client' | 'action'): void => {
      if (cancelReason) return;
      cancelReason = reason;
      abort.abort();
      void session?.cancel();
    };
    call.on('cancelled', () => cancel('client'));

    void (async () => {
      let principal: TicketPrincipal | undefined;
      try {
        principal = await deps.auth.principal(call.metadata);
        const ticket = deps.tickets.verify(call.request.ticket ?? new Uint8Array(0), principal);
        kind = ticket.kind;
        const catalog = deps.catalog();
        release = deps.slots.acquire();
        metrics.activeStreams.inc();
        running.set(streamId, { subject: principal.subject, cancel: () => cancel('action') });
        const header = new Metadata();
        header.set(STREAM_ID_HEADER, streamId);
        call.sendMetadata(header);
        const who = principal;
        const openSession = async (): Promise<PostgresSession> => {
          session = await PostgresSession.open(deps.pool, { readOnly: true, statementTimeoutMs: deps.settings.statementTimeoutMs, principal: who });
          if (cancelReason) void session.cancel();
          return session;
        };
        let rows = 0;
        const counted = async function* (batches: AsyncIterable<RecordBatch>): AsyncGenerator<RecordBatch> {
          for await (const batch of batches) {
            rows += batch.numRows;
            yield batch;
          }
        };
        let giveUpAt = 0;
        for await (const frame of ipcStreamToFlightData(recordBatchesToIpcStream(counted(ticketBatches(ticket, catalog, principal, openSession, abort.signal))))) {
          if (cancelReason) {
            // A backend blocked writing to us only notices the cancel once it can write again: keep
            // reading (and dropping) until PostgreSQL ends the COPY with its cancel error, so the
            // connection goes back to the pool in a clean state. Past the grace period, give up
            // (the rollback then discards the connection).
            giveUpAt ||= Date.now() + CANCEL_DRAIN_MS;
            if (Date.now() > giveUpAt || !session) break;
            continue;
          }
          metrics.bytes.inc({ rpc: 'DoGet', kind }, frame.dataHeader.byteLength + frame.dataBody.byteLength);
          if (!call.write(frame)) await drained(call);
        }
        metrics.rows.inc({ rpc: 'DoGet', kind }, rows);
        if (cancelReason) throw new FraiseqlError('FRAISEQL_STREAM_CANCELLED', cancelReason === 'client' ? 'The client cancelled the stream.' : 'The stream was cancelled by the cancel action.');
        await session?.rollback();
        call.end();
        done();
      } catch (error) {
        await session?.rollback();
        const failure = cancelReason ? new FraiseqlError('FRAISEQL_STREAM_CANCELLED', cancelReason === 'client' ? 'The client cancelled the stream.' : 'The stream was cancelled by the cancel action.', { cause: error }) : error;
        if (cancelReason) metrics.cancelledStreams.inc({ reason: cancelReason });
        else logFailure(logger, 'DoGet', error);
        const e = toServiceError(failure);
        done(e.errorCode);
        if (!call.cancelled) call.emit('error', e);
      } finally {
        running.delete(streamId);
        if (release) {
          release();
          metrics.activeStreams.dec();
        }
      }
    })();
  };

  const streamed = <Req, Res>(rpc: string, produce: (call: ServerWritableStream<Req, Res>) => Promise<Res[] | AsyncIterable<Res>>) =>
    (call: ServerWritableStream<Req, Res>): void => {
      const done = metrics.red.start(rpc);
      void (async () => {
        try {
          const out = await produce(call);
          for await (const item of out as AsyncIterable<Res>) {
            if (call.cancelled) break;
            if (!call.write(item)) await drained(call);
          }
          call.end();
          done();
        } catch (error) {
          logFailure(logger, rpc, error);
          const e = toServiceError(error);
          done(e.errorCode);
          if (!call.cancelled) call.emit('error', e);
        }
      })();
    };

  const listFlights = async function* (principal: TicketPrincipal): AsyncGenerator<FlightInfo> {
    const catalog = deps.catalog();
    for (const dataset of catalog.datasets.values()) {
      if (dataset.tenantScoped && principal.orgId === null) continue;
      yield {
        schema: schemaMessage(datasetSchema(dataset)),
        flightDescriptor: { type: 1, path: [dataset.name] },
        endpoint: [],
        totalRecords: -1,
        totalBytes: -1,
        appMetadata: Buffer.from(JSON.stringify({ kind: dataset.kind, description: dataset.description ?? null, refreshFrom: dataset.refreshFrom ?? null })),
      };
    }
    for (const query of catalog.listQueries.values()) {
      yield { flightDescriptor: { type: 1, path: ['query', query.name] }, endpoint: [], totalRecords: -1, totalBytes: -1, appMetadata: Buffer.from(JSON.stringify({ kind: 'query', entityType: query.type, description: query.description ?? null })) };
    }
    if (principal.orgId !== null) {
      for (const entityType of catalog.eventEntities) {
        yield { schema: schemaMessage(ENTITY_EVENT_ARROW_SCHEMA), flightDescriptor: { type: 1, path: ['events', entityType] }, endpoint: [], totalRecords: -1, totalBytes: -1, appMetadata: Buffer.from(JSON.stringify({ kind: 'events', entityType })) };
      }
    }
  };

  return {
    Handshake: (call: ServerDuplexStream<HandshakeRequest, HandshakeResponse>): void => {
      const done = metrics.red.start('Handshake');
      void (async () => {
        try {
          const messages = call.iterator({ destroyOnReturn: false }) as AsyncIterableIterator<HandshakeRequest>;
          const first = await messages.next();
          const { session } = await deps.auth.handshake(call.metadata, first.done ? undefined : (first.value.payload ?? undefined));
          const header = new Metadata();
          header.set('authorization', `Bearer ${session.token}`);
          call.sendMetadata(header);
          call.write({ protocolVersion: 0, payload: Buffer.from(session.token, 'utf8') });
          call.end();
          done();
        } catch (error) {
          logFailure(logger, 'Handshake', error);
          const e = toServiceError(error);
          done(e.errorCode);
          call.emit('error', e);
        }
      })();
    },
    ListFlights: streamed<Criteria, FlightInfo>('ListFlights', async (call) => listFlights(await deps.auth.principal(call.metadata))),
    GetFlightInfo: unary<FlightDescriptor, FlightInfo>('GetFlightInfo', async (call) => flightInfo(call.request, await deps.auth.principal(call.metadata))),
    PollFlightInfo: unary<FlightDescriptor, PollInfo>('PollFlightInfo', async (call) => {
      // Every dataset is planned at once: the first poll is the complete answer (no flight_descriptor to poll again).
      const info = await flightInfo(call.request, await deps.auth.principal(call.metadata));
      return { info, progress: 1, expirationTime: timestamp(Date.now() + deps.settings.ticketTtlMs) };
    }),
    GetSchema: unary<FlightDescriptor, SchemaResult>('GetSchema', async (call) => {
      const principal = await deps.auth.principal(call.metadata);
      const catalog = deps.catalog();
      const described = await describe(readDescriptor(call.request, catalog, principal), catalog, principal, false);
      return { schema: schemaMessage(described.schema) };
    }),
    DoGet,
    DoPut: createTableUpload(deps),
    DoExchange: (call: ServerDuplexStream<FlightData, FlightData>): void => {
      const e = toServiceError(new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', 'DoExchange is not offered: use GetFlightInfo + DoGet to read and DoPut to write.'));
      call.emit('error', { ...e, code: status.UNIMPLEMENTED });
    },
    DoAction: streamed<Action, FlightResult>('DoAction', async (call) => runFlightAction(deps, running, call.request, await deps.auth.principal(call.metadata))),
    ListActions: streamed<Empty, ActionType>('ListActions', async (call) => {
      await deps.auth.principal(call.metadata);
      return FLIGHT_ACTIONS;
    }),
  };
}
