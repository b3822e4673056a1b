import { randomUUID } from 'node:crypto';
import { Metadata, type handleServerStreamingCall } from '@grpc/grpc-js';
import type { RecordBatch } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import { recordBatchesToFlightData, type FlightData, type FlightDataFrame, type Ticket } from '@fraiseql/flight';
import { tracedIterable } from '@fraiseql/service-kit';
import { drained } from './drained';
import type { FlightServiceDeps, RunningStream } from './flight-service-deps';
import { trackCall } from './flight-status';
import { PostgresSession } from './postgres-session';
import { readAnalyticsFrames } from './read-analytics-frames';
import { readTicketBatches } from './read-ticket-batches';
import { TicketRowBudget } from './ticket-row-budget';

/** Header of DoGet responses naming the stream, for the `cancel` action. */
export const STREAM_ID_HEADER = 'x-fraiseql-stream-id';
/** How long a cancelled DoGet keeps draining its COPY for PostgreSQL's cancel to land. */
const CANCEL_DRAIN_MS = 5000;

type CancelReason = 'client' | 'action';

function streamCancelled(reason: CancelReason, cause?: unknown): FraiseqlError {
  const message = reason === 'client' ? 'The client cancelled the stream.' : 'The stream was cancelled by the cancel action.';
  return new FraiseqlError('FRAISEQL_STREAM_CANCELLED', message, { cause });
}

/**
 * DoGet: streams a verified ticket's batches as Arrow IPC while holding a stream slot; the stream is
 * registered in `running` under the id sent in its header, so the cancel action can end it.
 */
export function createDoGet(deps: FlightServiceDeps, running: Map<string, RunningStream>): handleServerStreamingCall<Ticket, FlightData> {
  const { metrics } = deps;
  return (call) => {
    const tracked = trackCall(deps, 'DoGet', call.metadata);
    const streamId = randomUUID();
    const abort = new AbortController();
    let session: PostgresSession | undefined;
    let release: (() => void) | undefined;
    let kind = 'unknown';
    let cancelReason: CancelReason | undefined;
    const cancel = (reason: CancelReason): void => {
      if (cancelReason) return;
      cancelReason = reason;
      abort.abort();
      void session?.cancel();
    };
    call.on('cancelled', () => cancel('client'));

    void tracked.span.run(async () => {
      try {
        const principal = await deps.auth.principal(call.metadata, call.getPeer());
        const ticket = deps.tickets.verify(call.request.ticket ?? new Uint8Array(0), principal);
        kind = ticket.kind;
        tracked.span.span.setAttribute('fraiseql.ticket.kind', kind);
        const catalog = deps.catalog();
        release = deps.slots.acquire(principal);
        metrics.activeStreams.inc();
        running.set(streamId, { subject: principal.subject, cancel: () => cancel('action') });
        const header = new Metadata();
        header.set(STREAM_ID_HEADER, streamId);
        call.sendMetadata(header);
        const openSession = async (): Promise<PostgresSession> => {
          session = await PostgresSession.open(deps.pool, {
            readOnly: true,
            statementTimeoutMs: deps.settings.statementTimeoutMs,
            principal,
          });
          if (cancelReason) void session.cancel();
          return session;
        };
        let rows = 0;
        const budget = new TicketRowBudget(deps.settings.maxRowsPerTicket ?? 0, () => {
          const key = `${principal.orgId ?? '-'}:${principal.subject}`;
          deps.rateLimits?.countRefusal({ limiter: 'rows_per_ticket', key, caller: principal, retryAfterMs: 0 });
        });
        const counted = async function* (batches: AsyncIterable<RecordBatch>): AsyncGenerator<RecordBatch> {
          // Cut at the row limit: the reader stops (PostgreSQL's COPY is cancelled, an event read aborted).
          const stop = (): void => {
            abort.abort();
            void session?.cancel();
          };
          for await (const batch of budget.within(batches, stop)) {
            rows += batch.numRows;
            yield batch;
          }
        };
        // Analytics pass ClickHouse's own IPC messages through; the other kinds encode the batches they read.
        if (ticket.kind === 'analytics') catalog.assertAnalyticsReadable(ticket.dataset, principal);
        const frames: AsyncIterable<FlightDataFrame> =
          ticket.kind === 'analytics'
            ? tracedIterable(
                tracked.span.context,
                '@fraiseql/flight-server',
                'analytics read',
                { 'fraiseql.dataset': ticket.dataset, 'fraiseql.analytics.source': deps.analytics.source.kind },
                readAnalyticsFrames(deps.analytics, ticket, principal, abort.signal, (n) => {
                  budget.count(n);
                  rows += n;
                }),
                (frame) => frame.dataHeader.byteLength + frame.dataBody.byteLength,
                'fraiseql.bytes',
              )
            : // Each batch's IPC message is copied once, straight into its FlightData wire bytes (ADR 0143).
              // grpc-js copies each message when it serializes it, so its memory is reused afterwards.
              recordBatchesToFlightData(
                counted(readTicketBatches(deps, ticket, catalog, principal, openSession, abort.signal, tracked.span.context)),
                { reuseBuffers: true },
              );
        let bytes = 0;
        let giveUpAt = 0;
        for await (const frame of frames) {
          if (cancelReason) {
            // A backend blocked writing to us only notices the cancel once it can write again: keep
            // reading (and dropping) until PostgreSQL ends the COPY with its cancel error, so the
            // connection goes back to the pool in a clean state. Past the grace period, give up
            // (the rollback then discards the connection).
            giveUpAt ||= Date.now() + CANCEL_DRAIN_MS;
            if (Date.now() > giveUpAt || !session) break;
            continue;
          }
          const frameBytes = frame.dataHeader.byteLength + frame.dataBody.byteLength;
          bytes += frameBytes;
          metrics.bytes.inc({ rpc: 'DoGet', kind }, frameBytes);
          if (!call.write(frame)) await drained(call);
        }
        metrics.rows.inc({ rpc: 'DoGet', kind }, rows);
        tracked.span.span.setAttributes({ 'fraiseql.rows': rows, 'fraiseql.bytes': bytes });
        if (cancelReason) throw streamCancelled(cancelReason);
        budget.throwIfCut();
        await session?.rollback();
        call.end();
        tracked.succeeded();
      } catch (error) {
        await session?.rollback();
        if (cancelReason) tracked.failed(call, streamCancelled(cancelReason, error), { reason: cancelReason });
        else tracked.failed(call, error);
      } finally {
        running.delete(streamId);
        if (release) {
          release();
          metrics.activeStreams.dec();
        }
      }
    });
  };
}
