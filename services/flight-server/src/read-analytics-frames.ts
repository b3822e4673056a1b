import { ipcStreamToFlightData, type AnalyticsTicket, type FlightDataFrame } from '@fraiseql/flight';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import type { AnalyticsCatalog } from './analytics-catalog';
import { recordBatchRows } from './record-batch-rows';

/**
 * An analytics ticket's FlightData: ClickHouse's ArrowStream split into its IPC messages, each header and body
 * sent as received (never decoded into vectors, never re-encoded). The org is the caller's. `signal` ends the
 * read at once, even while ClickHouse or the sink has not answered yet; the source is then closed as soon as it
 * can be (an HTTP response is destroyed, the NATS inbox unsubscribed).
 */
export async function* readAnalyticsFrames(
  analytics: AnalyticsCatalog,
  ticket: AnalyticsTicket,
  caller: AuthenticatedCaller,
  signal: AbortSignal,
  onRows: (rows: number) => void,
): AsyncGenerator<FlightDataFrame, void, undefined> {
  const dataset = analytics.dataset(ticket.dataset);
  const chunks = analytics.source.stream(
    {
      dataset,
      ...(ticket.from === undefined ? {} : { from: ticket.from }),
      ...(ticket.to === undefined ? {} : { to: ticket.to }),
      ...(ticket.limit === undefined ? {} : { limit: ticket.limit }),
    },
    caller,
  );
  for await (const frame of ipcStreamToFlightData(untilAborted(chunks, signal))) {
    onRows(recordBatchRows(frame.dataHeader));
    yield frame;
  }
}

const ABORTED = Symbol('aborted');

/** The chunks of `source` until `signal` aborts, without waiting for a chunk that has not arrived. */
async function* untilAborted(source: AsyncIterable<Uint8Array>, signal: AbortSignal): AsyncGenerator<Uint8Array, void, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  let finished = false;
  try {
    while (!signal.aborted) {
      const pending = iterator.next();
      const next = await Promise.race([pending, aborted]);
      if (next === ABORTED) {
        // The read in flight settles later; its outcome has no one waiting for it.
        pending.catch(() => undefined);
        return;
      }
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort!);
    // Not awaited: a generator busy waiting for its next chunk runs its cleanup once that chunk arrives.
    if (!finished) iterator.return?.(undefined)?.catch(() => undefined);
  }
}
