import type { handleBidiStreamingCall } from '@grpc/grpc-js';
import { from as copyFrom } from 'pg-copy-streams';
import { CopyBinaryEncoder } from '@fraiseql/arrow';
import { FraiseqlError } from '@fraiseql/errors';
import type { FlightData, FlightDataFrame, PutResult } from '@fraiseql/flight';
import { requireOrg } from '@fraiseql/identity';
import { assertOwnOrg } from './assert-own-org';
import type { FlightServiceDeps } from './flight-service-deps';
import { trackCall } from './flight-status';
import { PostgresSession } from './postgres-session';
import { putColumns } from './put-columns';
import { uploadedBatches } from './uploaded-batches';

/** The upload's staging table: temporary, dropped at the end of the transaction. */
const PUT_STAGE = 'fraiseql_put_stage';

function uploadCancelled(): FraiseqlError {
  return new FraiseqlError('FRAISEQL_STREAM_CANCELLED', 'The client cancelled the upload; nothing was written.');
}

/**
 * DoPut: Arrow batches bulk-loaded into a ta_* table with COPY … FROM STDIN (FORMAT binary), in one
 * transaction. The upload's schema is checked against the declaration before any byte is sent; the
 * org column is filled from the caller (or, when uploaded, must be the caller's org in every row);
 * a PutResult reports each batch and one more the commit. Any failure or cancellation rolls back.
 */
export function createDoPut(deps: FlightServiceDeps): handleBidiStreamingCall<FlightData, PutResult> {
  const { metrics } = deps;
  return (call) => {
    const tracked = trackCall(deps, 'DoPut', call.metadata);
    let session: PostgresSession | undefined;
    let release: (() => void) | undefined;
    let clientGone = false;
    call.on('cancelled', () => {
      clientGone = true;
      void session?.cancel();
    });
    void tracked.span.run(async () => {
      const messages = call.iterator({ destroyOnReturn: false }) as AsyncIterableIterator<FlightData>;
      try {
        const principal = await deps.auth.principal(call.metadata, call.getPeer());
        const first = await messages.next();
        if (first.done)
          throw new FraiseqlError('BAD_USER_INPUT', 'DoPut received no message: the first one must carry the FlightDescriptor.');
        const descriptor = first.value.flightDescriptor;
        const path = descriptor?.path ?? [];
        if (!descriptor || descriptor.type !== 1 || path.length !== 1)
          throw new FraiseqlError('BAD_USER_INPUT', 'DoPut needs a PATH descriptor naming one ta_* table: ["ta_…"].');
        // Writing follows the read rules (ADR 0136): a dataset or a column the caller may not read, it may not write either.
        const catalog = deps.catalog();
        const dataset = catalog.readableDataset(path[0]!, principal);
        if (dataset.kind !== 'table')
          throw new FraiseqlError('FRAISEQL_FORBIDDEN', `${dataset.name} is a view: DoPut writes ta_* tables only.`);
        if (dataset.tenantScoped) requireOrg(principal, `Table ${dataset.name}`);
        release = deps.slots.acquire(principal);
        metrics.activeStreams.inc();

        const frames = async function* (): AsyncGenerator<FlightDataFrame> {
          const toFrame = (m: FlightData): FlightDataFrame => ({
            dataHeader: m.dataHeader ?? new Uint8Array(0),
            dataBody: m.dataBody ?? new Uint8Array(0),
          });
          if ((first.value.dataHeader?.byteLength ?? 0) > 0) yield toFrame(first.value);
          for (;;) {
            const next = await messages.next();
            if (next.done) return;
            metrics.bytes.inc(
              { rpc: 'DoPut', kind: 'table' },
              (next.value.dataHeader?.byteLength ?? 0) + (next.value.dataBody?.byteLength ?? 0),
            );
            yield toFrame(next.value);
          }
        };

        session = await PostgresSession.open(deps.pool, {
          readOnly: false,
          statementTimeoutMs: deps.settings.statementTimeoutMs,
          principal,
        });
        let encoder: CopyBinaryEncoder | undefined;
        let copy: (NodeJS.WritableStream & { destroy(error?: Error): void; rowCount?: number }) | undefined;
        let copyDone: Promise<void> | undefined;
        let stageInsert: string | undefined;
        let total = 0;
        let batchNumber = 0;
        const write = async (bytes: Buffer): Promise<void> => {
          if (!copy!.write(bytes))
            await new Promise<void>((resolve, reject) => {
              copy!.once('drain', resolve);
              copy!.once('error', reject);
            });
        };
        try {
          for await (const batch of uploadedBatches(frames())) {
            if (clientGone) break;
            if (!encoder) {
              const denied = dataset.columns.filter(
                (c) => batch.schema.fields.some((f) => f.name === c.name) && !catalog.mayReadColumn(c, principal),
              );
              if (denied.length > 0)
                throw new FraiseqlError(
                  'FRAISEQL_FORBIDDEN',
                  `Table ${dataset.name}: the upload writes ${denied.map((c) => `"${c.name}"`).join(', ')}, which the caller may not read (${denied[0]!.roles!.join(' or ')}).`,
                  { details: { columns: denied.map((c) => c.name) } },
                );
              const targets = putColumns(dataset, batch.schema.fields, principal);
              encoder = new CopyBinaryEncoder(targets);
              encoder.checkSchema(batch.schema.fields);
              const columnList = targets.map((t) => `"${t.name}"`).join(', ');
              // PostgreSQL refuses COPY FROM into a table under row-level security (ADR 0132): the rows go to a
              // temporary table of the same columns, then INSERT … SELECT moves them, checked by the table's policy.
              await session.client.query(
                `CREATE TEMP TABLE ${PUT_STAGE} ON COMMIT DROP AS SELECT ${columnList} FROM "${dataset.name}" WITH NO DATA`,
              );
              stageInsert = `INSERT INTO "${dataset.name}" (${columnList}) SELECT ${columnList} FROM ${PUT_STAGE}`;
              copy = session.client.query(
                copyFrom(`COPY ${PUT_STAGE} (${columnList}) FROM STDIN (FORMAT binary)`),
              ) as unknown as typeof copy;
              // A COPY fails once (PostgreSQL's error, or our destroy): remember the first error, never leave one unhandled.
              copy!.on('error', () => undefined);
              copyDone = new Promise<void>((resolve, reject) => {
                copy!.once('finish', () => resolve());
                copy!.once('error', reject);
              });
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
          if (clientGone) throw uploadCancelled();
          if (copy && encoder) {
            await write(encoder.trailer());
            copy.end();
            await copyDone;
            await session.client.query(stageInsert!);
          }
        } catch (error) {
          copy?.destroy(error as Error);
          await copyDone?.catch(() => undefined);
          throw error;
        }
        await session.commit();
        metrics.rows.inc({ rpc: 'DoPut', kind: 'table' }, total);
        call.write({
          appMetadata: Buffer.from(JSON.stringify({ committed: true, table: dataset.name, rows: total, batches: batchNumber })),
        });
        call.end();
        tracked.succeeded();
      } catch (error) {
        await session?.rollback();
        if (clientGone) tracked.failed(call, uploadCancelled(), { reason: 'client' });
        else tracked.failed(call, error);
      } finally {
        if (release) {
          release();
          metrics.activeStreams.dec();
        }
      }
    });
  };
}
