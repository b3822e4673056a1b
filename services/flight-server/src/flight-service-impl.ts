import { randomUUID } from 'node:crypto';
import {
  Metadata, status, type sendUnaryData, type ServerDuplexStream, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { NatsConnection } from 'nats';
import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Table, tableToIPC, type RecordBatch, type Schema } from 'apache-arrow';
import { copyQueryToArrow, CopyBinaryEncoder, inlineSqlParameters, recordBatchesToIpcStream, uuidToBinary, type CopyTargetColumn } from '@fraiseql/arrow';
import { ERROR_CODES, FraiseqlError, mapPgError } from '@fraiseql/errors';
import { ENTITY_EVENT_ARROW_SCHEMA } from '@fraiseql/events';
import {
  ERROR_CODE_TRAILER, flightDataToRecordBatches, ipcStreamToFlightData,
  type Action, type ActionType, type Criteria, type Empty, type FlightData, type FlightDataFrame, type FlightDescriptor,
  type FlightInfo, type FlightResult, type HandshakeRequest, type HandshakeResponse, type PollInfo, type PutResult,
  type SchemaResult, type Ticket, type TicketCodec, type FlightTicket, type TicketPrincipal,
} from '@fraiseql/flight';
import { GraphqlRequestError } from '@fraiseql/query-planner';
import type { Logger } from '@fraiseql/service-kit';
import type { CompiledDataset } from '@fraiseql/schema';
import { assembleSelection, withSchema } from './arrow-batches';
import { exportStatement, viewStatement, type DatasetStatement } from './dataset-sql';
import { readEventHistory } from './event-history';
import { datasetSchema, type FlightCatalog } from './flight-catalog';
import type { FlightMetrics } from './flight-metrics';
import type { FlightAuthenticator } from './flight-principal';
import { readDescriptor, type DatasetRequest } from './flight-request';
import { PostgresSession } from './postgres-session';
import type { StreamSlots } from './stream-slots';

export interface FlightSettings {
  batchSize: number;
  /** A batch also ends once its rows took this many bytes of COPY data. */
  maxBatchBytes?: number;
  statementTimeoutMs: number;
  ticketTtlMs: number;
  partitionRows: number;
  publicLocation?: string;
}

export interface FlightServiceDeps {
  pool: Pool;
  nc: NatsConnection;
  /** The catalog of the active compiled schema (FRAISEQL_SCHEMA_UNAVAILABLE while none). */
  catalog(): FlightCatalog;
  /** Hashes and times of the schema versions known (newest last). */
  schemaVersions(): Promise<Array<{ hash: string; revision?: number; createdAt?: string; active: boolean }>>;
  auth: FlightAuthenticator;
  tickets: TicketCodec;
  slots: StreamSlots;
  settings: FlightSettings;
  logger: Logger;
  metrics: FlightMetrics;
}

/** Header of DoGet/DoPut responses naming the stream, for the `cancel` action. */
export const STREAM_ID_HEADER = 'x-fraiseql-stream-id';
const MAX_PARTITIONS = 1024;
/** How long a cancelled DoGet keeps draining its COPY for PostgreSQL's cancel to land. */
const CANCEL_DRAIN_MS = 5000;

export const FLIGHT_ACTIONS: ActionType[] = [
  { type: 'refresh', description: 'Reload a ta_* table from its source view for the caller\'s org, in one transaction. Body: {"table":"ta_…"}. Result: {"table","deleted","inserted"}.' },
  { type: 'cancel', description: 'Cancel one of the caller\'s running streams (its PostgreSQL query is cancelled). Body: {"streamId":"…"} from the x-fraiseql-stream-id response header. Result: {"cancelled":true|false}.' },
  { type: 'schema-versions', description: 'The compiled schema versions this server knows, newest last. Result: [{"hash","revision","createdAt","active"}].' },
  { type: 'list-datasets', description: 'The datasets of the compiled schema with their typed columns. Result: JSON.' },
];

/** A live stream the `cancel` action can reach. */
interface RunningStream {
  subject: string;
  cancel(): void;
}

/** Planner refusals keep their code and all their messages; pg errors are mapped; anything else is internal. */
function asFraiseqlError(error: unknown): FraiseqlError {
  if (error instanceof FraiseqlError) return error;
  if (error instanceof GraphqlRequestError) {
    return new FraiseqlError(error.code, error.errors.map((e) => e.message).join('; '), { details: { errors: error.errors } });
  }
  return mapPgError(error);
}

/** What a FraiseqlError becomes on the wire: its gRPC status, message, and the code as a trailer. */
function toServiceError(error: unknown): { code: number; details: string; metadata: Metadata } {
  const fraiseql = asFraiseqlError(error);
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_TRAILER, fraiseql.code);
  return { code: ERROR_CODES[fraiseql.code].grpc, details: fraiseql.message, metadata };
}

/** The Arrow IPC encapsulated Schema message (continuation, length, flatbuffer), as FlightInfo.schema wants it. */
export function schemaMessage(schema: Schema): Uint8Array {
  const stream = tableToIPC(new Table(schema), 'stream');
  return stream.subarray(0, stream.byteLength - 8);
}

/** A google.protobuf.Timestamp. */
function timestamp(ms: number): { seconds: number; nanos: number } {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

/** Resolves on the stream's drain, or when the call is cancelled or closed. */
function drained(call: NodeJS.EventEmitter & { cancelled?: boolean }): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.once('drain', done);
    call.once('cancelled', done);
    call.once('close', done);
  });
}

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
        (response) => { done('success'); callback(null, response); },
        (error: unknown) => { const e = toServiceError(error); done('error', e.metadata.get(ERROR_CODE_TRAILER)[0] as string); logFailure(rpc, error); callback(e); },
      );
    };

  const logFailure = (rpc: string, error: unknown): void => {
    const fraiseql = asFraiseqlError(error);
    const level = ERROR_CODES[fraiseql.code].http >= 500 ? 'error' : 'info';
    logger[level]({ rpc, code: fraiseql.code, err: error }, `${rpc} failed: ${fraiseql.message}`);
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
  const graphqlSchema = async (catalog: FlightCatalog, ticket: Extract<FlightTicket, { kind: 'graphql' }>, principal: TicketPrincipal): Promise<Schema> => {
    const { plan, sql } = graphqlPlan(catalog, ticket, principal);
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
        const schema = await graphqlSchema(catalog, request, principal);
        const { sql } = graphqlPlan(catalog, request, principal);
        return { schema, estimate: await estimateRows(sql), tickets: withTickets ? [issue(request)] : [], ordered: true };
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
        done('success');
      } catch (error) {
        await session?.rollback();
        const failure = cancelReason ? new FraiseqlError('FRAISEQL_STREAM_CANCELLED', cancelReason === 'client' ? 'The client cancelled the stream.' : 'The stream was cancelled by the cancel action.', { cause: error }) : error;
        if (cancelReason) metrics.cancelledStreams.inc({ reason: cancelReason });
        else logFailure('DoGet', error);
        const e = toServiceError(failure);
        done(cancelReason ? 'rejected' : 'error', e.metadata.get(ERROR_CODE_TRAILER)[0] as string);
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

  /** The target columns of a DoPut: every uploaded column, plus the org column filled from the caller. */
  const putColumns = (dataset: CompiledDataset, fields: ReadonlyArray<{ name: string }>, principal: TicketPrincipal): CopyTargetColumn[] => {
    const declared = new Map(dataset.columns.map((c) => [c.name, c]));
    const unknown = fields.filter((f) => !declared.has(f.name)).map((f) => f.name);
    if (unknown.length > 0) throw new FraiseqlError('FRAISEQL_PUT_SCHEMA_MISMATCH', `Table ${dataset.name} has no column ${unknown.map((n) => `"${n}"`).join(', ')}.`, { details: { columns: unknown } });
    const uploaded = new Set(fields.map((f) => f.name));
    const targets: CopyTargetColumn[] = [];
    for (const column of dataset.columns) {
      const isOrg = dataset.tenantScoped && column.name === dataset.orgColumn;
      if (uploaded.has(column.name)) targets.push({ name: column.name, type: column.type, array: column.array, nullable: column.nullable, source: { field: column.name } });
      else if (isOrg) targets.push({ name: column.name, type: column.type, array: false, nullable: false, source: { constant: uuidToBinary(principal.orgId!) } });
      else if (!column.nullable) throw new FraiseqlError('FRAISEQL_PUT_SCHEMA_MISMATCH', `Table ${dataset.name} needs column "${column.name}" (NOT NULL) in the upload.`, { details: { column: column.name } });
    }
    return targets;
  };

  /** Every org value of an upload must be the caller's org (checked before the batch is sent). */
  const assertOwnOrg = (batch: RecordBatch, column: string, orgId: string): void => {
    const vector = batch.getChild(column);
    if (!vector) return;
    const own = Buffer.from(uuidToBinary(orgId));
    for (let i = 0; i < batch.numRows; i++) {
      const value: unknown = vector.get(i);
      const same = value instanceof Uint8Array ? own.equals(Buffer.from(value)) : typeof value === 'string' && value.toLowerCase() === orgId;
      if (!same) throw new FraiseqlError('FRAISEQL_FORBIDDEN', `Row ${i} of the upload belongs to another organization (column ${column}); only the caller's org may be written. Nothing was written.`, { details: { row: i } });
    }
  };

  const DoPut = (call: ServerDuplexStream<FlightData, PutResult>): void => {
    const done = metrics.red.start('DoPut');
    let session: PostgresSession | undefined;
    let release: (() => void) | undefined;
    let clientGone = false;
    call.on('cancelled', () => { clientGone = true; void session?.cancel(); });
    void (async () => {
      const messages = call.iterator({ destroyOnReturn: false }) as AsyncIterableIterator<FlightData>;
      try {
        const principal = await deps.auth.principal(call.metadata);
        const first = await messages.next();
        if (first.done) throw new FraiseqlError('BAD_USER_INPUT', 'DoPut received no message: the first one must carry the FlightDescriptor.');
        const descriptor = first.value.flightDescriptor;
        const path = descriptor?.path ?? [];
        if (!descriptor || descriptor.type !== 1 || path.length !== 1) throw new FraiseqlError('BAD_USER_INPUT', 'DoPut needs a PATH descriptor naming one ta_* table: ["ta_…"].');
        const dataset = deps.catalog().dataset(path[0]!);
        if (dataset.kind !== 'table') throw new FraiseqlError('FRAISEQL_FORBIDDEN', `${dataset.name} is a view: DoPut writes ta_* tables only.`);
        if (dataset.tenantScoped && principal.orgId === null) throw new FraiseqlError('FRAISEQL_FORBIDDEN', `Table ${dataset.name} is per organization: the caller belongs to none.`);
        release = deps.slots.acquire();
        metrics.activeStreams.inc();

        const frames = async function* (): AsyncGenerator<FlightDataFrame> {
          const toFrame = (m: FlightData): FlightDataFrame => ({ dataHeader: m.dataHeader ?? new Uint8Array(0), dataBody: m.dataBody ?? new Uint8Array(0) });
          if ((first.value.dataHeader?.byteLength ?? 0) > 0) yield toFrame(first.value);
          for (;;) {
            const next = await messages.next();
            if (next.done) return;
            metrics.bytes.inc({ rpc: 'DoPut', kind: 'table' }, (next.value.dataHeader?.byteLength ?? 0) + (next.value.dataBody?.byteLength ?? 0));
            yield toFrame(next.value);
          }
        };

        session = await PostgresSession.open(deps.pool, { readOnly: false, statementTimeoutMs: deps.settings.statementTimeoutMs, principal });
        let encoder: CopyBinaryEncoder | undefined;
        let copy: NodeJS.WritableStream & { destroy(error?: Error): void; rowCount?: number } | undefined;
        let copyDone: Promise<void> | undefined;
        let total = 0;
        let batchNumber = 0;
        const write = async (bytes: Buffer): Promise<void> => {
          if (!copy!.write(bytes)) await new Promise<void>((resolve, reject) => { copy!.once('drain', resolve); copy!.once('error', reject); });
        };
        try {
          for await (const batch of flightDataToRecordBatches(frames())) {
            if (clientGone) break;
            if (!encoder) {
              const targets = putColumns(dataset, batch.schema.fields, principal);
              encoder = new CopyBinaryEncoder(targets);
              encoder.checkSchema(batch.schema.fields);
              const columnList = targets.map((t) => `"${t.name}"`).join(', ');
              copy = session.client.query(copyFrom(`COPY "${dataset.name}" (${columnList}) FROM STDIN (FORMAT binary)`)) as unknown as typeof copy;
              // A COPY fails once (PostgreSQL's error, or our destroy): remember the first error, never leave one unhandled.
              copy!.on('error', () => undefined);
              copyDone = new Promise<void>((resolve, reject) => { copy!.once('finish', () => resolve()); copy!.once('error', reject); });
              copyDone.catch(() => undefined);
              await write(encoder.header());
            } else {
              encoder.checkSchema(batch.schema.fields);
            }
            if (dataset.tenantScoped && dataset.orgColumn) assertOwnOrg(batch, dataset.orgColumn, principal.orgId!);
            await write(encoder.encode(batch));
            total += batch.numRows;
            batchNumber += 1;
            call.write({ appMetadata: Buffer.from(JSON.stringify({ batch: batchNumber, rows: batch.numRows, totalRows: total })) });
          }
          if (clientGone) throw new FraiseqlError('FRAISEQL_STREAM_CANCELLED', 'The client cancelled the upload; nothing was written.');
          if (copy && encoder) {
            await write(encoder.trailer());
            copy.end();
            await copyDone;
          }
        } catch (error) {
          copy?.destroy(error as Error);
          await copyDone?.catch(() => undefined);
          throw error;
        }
        await session.commit();
        metrics.rows.inc({ rpc: 'DoPut', kind: 'table' }, total);
        call.write({ appMetadata: Buffer.from(JSON.stringify({ committed: true, table: dataset.name, rows: total, batches: batchNumber })) });
        call.end();
        done('success');
      } catch (error) {
        await session?.rollback();
        if (clientGone) metrics.cancelledStreams.inc({ reason: 'client' });
        else logFailure('DoPut', error);
        const e = toServiceError(clientGone ? new FraiseqlError('FRAISEQL_STREAM_CANCELLED', 'The client cancelled the upload; nothing was written.') : error);
        done('error', e.metadata.get(ERROR_CODE_TRAILER)[0] as string);
        if (!call.cancelled) call.emit('error', e);
      } finally {
        if (release) {
          release();
          metrics.activeStreams.dec();
        }
      }
    })();
  };

  const refresh = async (body: Record<string, unknown>, principal: TicketPrincipal): Promise<FlightResult[]> => {
    const table = typeof body.table === 'string' ? body.table : '';
    const catalog = deps.catalog();
    const dataset = catalog.dataset(table);
    if (dataset.kind !== 'table' || dataset.refreshFrom === undefined) throw new FraiseqlError('BAD_USER_INPUT', `${dataset.name} is not a ta_* table with a refreshFrom source.`);
    if (dataset.tenantScoped && principal.orgId === null) throw new FraiseqlError('FRAISEQL_FORBIDDEN', `Table ${dataset.name} is per organization: the caller belongs to none.`);
    const release = deps.slots.acquire();
    metrics.activeStreams.inc();
    const session = await PostgresSession.open(deps.pool, { readOnly: false, statementTimeoutMs: deps.settings.statementTimeoutMs, principal }).catch((error: unknown) => {
      release();
      metrics.activeStreams.dec();
      throw error;
    });
    try {
      const columns = dataset.columns.map((c) => `"${c.name}"`).join(', ');
      const scoped = dataset.tenantScoped && dataset.orgColumn !== undefined;
      const where = scoped ? ` WHERE "${dataset.orgColumn}" = $1::uuid` : '';
      const params = scoped ? [principal.orgId] : [];
      const deleted = await session.client.query(`DELETE FROM "${dataset.name}"${where}`, params);
      const inserted = await session.client.query(`INSERT INTO "${dataset.name}" (${columns}) SELECT ${columns} FROM "${dataset.refreshFrom}"${where}`, params);
      await session.commit();
      return [{ body: Buffer.from(JSON.stringify({ table: dataset.name, source: dataset.refreshFrom, deleted: deleted.rowCount ?? 0, inserted: inserted.rowCount ?? 0 })) }];
    } catch (error) {
      await session.rollback();
      throw mapPgError(error);
    } finally {
      release();
      metrics.activeStreams.dec();
    }
  };

  const actionBody = (action: Action): Record<string, unknown> => {
    const bytes = action.body ?? new Uint8Array(0);
    if (bytes.byteLength === 0) return {};
    if (bytes.byteLength > 64 * 1024) throw new FraiseqlError('BAD_USER_INPUT', 'The action body is larger than 64 KiB.');
    try {
      const value: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // reported below
    }
    throw new FraiseqlError('BAD_USER_INPUT', 'The action body must be a JSON object.');
  };

  const runAction = async (action: Action, principal: TicketPrincipal): Promise<FlightResult[]> => {
    const body = actionBody(action);
    const json = (value: unknown): FlightResult[] => [{ body: Buffer.from(JSON.stringify(value)) }];
    switch (action.type) {
      case 'refresh':
        return refresh(body, principal);
      case 'cancel': {
        const stream = typeof body.streamId === 'string' ? running.get(body.streamId) : undefined;
        if (!stream || stream.subject !== principal.subject) return json({ cancelled: false });
        stream.cancel();
        return json({ cancelled: true });
      }
      case 'schema-versions':
        return json(await deps.schemaVersions());
      case 'list-datasets': {
        const catalog = deps.catalog();
        return json([...catalog.datasets.values()].map((d) => ({ name: d.name, kind: d.kind, description: d.description, tenantScoped: d.tenantScoped, refreshFrom: d.refreshFrom, columns: d.columns })));
      }
      default:
        throw new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', `Unknown action "${action.type ?? ''}": ListActions shows ${FLIGHT_ACTIONS.map((a) => a.type).join(', ')}.`);
    }
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
          done('success');
        } catch (error) {
          logFailure(rpc, error);
          const e = toServiceError(error);
          done('error', e.metadata.get(ERROR_CODE_TRAILER)[0] as string);
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
          done('success');
        } catch (error) {
          logFailure('Handshake', error);
          const e = toServiceError(error);
          done('error', e.metadata.get(ERROR_CODE_TRAILER)[0] as string);
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
    DoPut,
    DoExchange: (call: ServerDuplexStream<FlightData, FlightData>): void => {
      const e = toServiceError(new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', 'DoExchange is not offered: use GetFlightInfo + DoGet to read and DoPut to write.'));
      call.emit('error', { ...e, code: status.UNIMPLEMENTED });
    },
    DoAction: streamed<Action, FlightResult>('DoAction', async (call) => runAction(call.request, await deps.auth.principal(call.metadata))),
    ListActions: streamed<Empty, ActionType>('ListActions', async (call) => {
      await deps.auth.principal(call.metadata);
      return FLIGHT_ACTIONS;
    }),
  };
}
