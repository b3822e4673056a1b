import type { ServerDuplexStream } from '@grpc/grpc-js';
import { DataType, type RecordBatch } from 'apache-arrow';
import { from as copyFrom } from 'pg-copy-streams';
import { CopyBinaryEncoder, uuidToBinary, type CopyTargetColumn } from '@fraiseql/arrow';
import { FraiseqlError } from '@fraiseql/errors';
import { flightDataToRecordBatches, messageBodyLength, type FlightData, type FlightDataFrame, type PutResult } from '@fraiseql/flight';
import { requireOrg, type AuthenticatedCaller } from '@fraiseql/identity';
import type { CompiledDataset } from '@fraiseql/schema';
import type { FlightServiceDeps } from './flight-service-deps';
import { logFailure, toServiceError } from './flight-status';
import { PostgresSession } from './postgres-session';

/**
 * DoPut: Arrow batches bulk-loaded into a ta_* table with COPY … FROM STDIN (FORMAT binary), in one
 * transaction. The upload's schema is checked against the declaration before any byte is sent; the
 * org column is filled from the caller (or, when uploaded, must be the caller's org in every row);
 * a PutResult reports each batch and one more the commit. Any failure or cancellation rolls back.
 */
/** The target columns of a DoPut: every uploaded column, plus the org column filled from the caller. */
function putColumns(dataset: CompiledDataset, fields: ReadonlyArray<{ name: string }>, principal: AuthenticatedCaller): CopyTargetColumn[] {
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
function assertOwnOrg(batch: RecordBatch, column: string, orgId: string): void {
  const vector = batch.getChild(column);
  if (!vector) return;
  const own = uuidToBinary(orgId);
  const data = vector.data[0]!;
  // 16-byte UUIDs are compared in the column buffer (no per-row value); text UUIDs as strings.
  const bytes = DataType.isFixedSizeBinary(data.type) ? (data.values as Uint8Array) : undefined;
  for (let i = 0; i < batch.numRows; i++) {
    let same: boolean;
    if (bytes) {
      const at = (data.offset + i) * 16;
      same = data.getValid(i);
      for (let b = 0; same && b < 16; b++) same = bytes[at + b] === own[b];
    } else {
      const value: unknown = vector.get(i);
      same = typeof value === 'string' && value.toLowerCase() === orgId;
    }
    if (!same) throw new FraiseqlError('FRAISEQL_FORBIDDEN', `Row ${i} of the upload belongs to another organization (column ${column}); only the caller's org may be written. Nothing was written.`, { details: { row: i } });
  }
}

export function createTableUpload(deps: FlightServiceDeps): (call: ServerDuplexStream<FlightData, PutResult>) => void {
  const { metrics } = deps;
  return (call) => {
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
      if (dataset.tenantScoped) requireOrg(principal, `Table ${dataset.name}`);
      release = deps.slots.acquire();
      metrics.activeStreams.inc();

      const frames = async function* (): AsyncGenerator<FlightDataFrame> {
        const toFrame = (m: FlightData): FlightDataFrame => checkedFrame({ dataHeader: m.dataHeader ?? new Uint8Array(0), dataBody: m.dataBody ?? new Uint8Array(0) });
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
        for await (const batch of uploadedBatches(flightDataToRecordBatches(frames()))) {
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
      done();
    } catch (error) {
      await session?.rollback();
      if (clientGone) metrics.cancelledStreams.inc({ reason: 'client' });
      else logFailure(deps.logger, 'DoPut', error);
      const e = toServiceError(clientGone ? new FraiseqlError('FRAISEQL_STREAM_CANCELLED', 'The client cancelled the upload; nothing was written.') : error);
      done(e.errorCode);
      if (!call.cancelled) call.emit('error', e);
    } finally {
      if (release) {
        release();
        metrics.activeStreams.dec();
      }
    }
  })();
};
}

/** The uploaded batches; bytes apache-arrow cannot read as an Arrow IPC stream are the caller's error. */
async function* uploadedBatches(batches: AsyncIterable<RecordBatch>): AsyncGenerator<RecordBatch, void, undefined> {
  try {
    yield* batches;
  } catch (error) {
    if (error instanceof FraiseqlError) throw error;
    throw new FraiseqlError('BAD_USER_INPUT', `The upload is not a valid Arrow IPC stream: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * A FlightData frame whose header is an IPC Message declaring exactly the body it came with: anything
 * else would misalign the IPC stream the reader sees (or make it wait for bytes that never come).
 */
function checkedFrame(frame: FlightDataFrame): FlightDataFrame {
  let declared = -1;
  try {
    if (frame.dataHeader.byteLength >= 8) declared = messageBodyLength(frame.dataHeader);
  } catch {
    declared = -1;
  }
  if (declared !== frame.dataBody.byteLength) {
    throw new FraiseqlError('BAD_USER_INPUT', 'The upload is not a valid Arrow IPC stream: a FlightData header is not an IPC message declaring the body sent with it.');
  }
  return frame;
}
