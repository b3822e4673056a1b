import { FraiseqlError, isErrorCode, toFraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import {
  injectTraceContext,
  QUEUE_GROUPS,
  readCallerHeaders,
  SUBJECTS,
  withHandlerSpan,
  writeCallerHeaders,
} from '@fraiseql/nats-contract';
import { headers as natsHeaders, RequestStrategy, type Msg, type NatsConnection, type Subscription } from 'nats';
import { analyticsQuerySql, type AnalyticsQuery } from './analytics-datasets';
import type { ClickhouseExecutor } from './clickhouse-executor';

/**
 * Analytics reads over NATS, for an embedded engine only the sink can open (`fraiseql.v1.analytics.query`, queue group
 * `sink`). The request is JSON `{ dataset, from?, to?, limit? }`; the org is the caller's (headers), never the
 * body's. The answer is the dataset as one Arrow IPC stream, in messages of at most CHUNK_BYTES, then an empty message;
 * a failure is one message with the header `Fraiseql-Error` (JSON `{ code, message }`).
 */
export const ANALYTICS_CHUNK_BYTES = 512 * 1024;
const ERROR_HEADER = 'Fraiseql-Error';
const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

export interface ServeAnalyticsOptions {
  /** Queries run at once by this process; beyond it the answer is FRAISEQL_OVERLOADED (default 4). */
  maxInFlight?: number;
  onError?: (error: unknown) => void;
}

/** The sink's side: answers analytics queries from its executor. */
export function serveAnalyticsQueries(nc: NatsConnection, executor: ClickhouseExecutor, options: ServeAnalyticsOptions = {}): Subscription {
  const maxInFlight = options.maxInFlight ?? 4;
  let inFlight = 0;
  const fail = (msg: Msg, error: FraiseqlError): void => {
    const h = natsHeaders();
    h.set(
      ERROR_HEADER,
      JSON.stringify({
        code: error.code,
        message: error.code === 'FRAISEQL_INTERNAL' ? 'The sink failed to answer (see its log)' : error.message,
      }),
    );
    msg.respond(new Uint8Array(), { headers: h });
  };
  return nc.subscribe(SUBJECTS.analyticsQuery, {
    queue: QUEUE_GROUPS.sink,
    callback: (error, msg) => {
      if (error || !msg.reply) return;
      if (inFlight >= maxInFlight) {
        fail(
          msg,
          new FraiseqlError('FRAISEQL_OVERLOADED', `The sink is answering ${maxInFlight} analytics queries already; retry shortly`),
        );
        return;
      }
      inFlight++;
      // A SERVER span continued from flight-server's traceparent (its DoGet).
      const span = { tracer: '@fraiseql/clickhouse', name: 'analytics query', subject: msg.subject };
      void withHandlerSpan(span, msg.headers, async () => {
        const caller = readCallerHeaders(msg.headers);
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(decoder.decode(msg.data)) as Record<string, unknown>;
        } catch (cause) {
          throw new FraiseqlError('FRAISEQL_BAD_REQUEST', 'The analytics request is not UTF-8 JSON', { cause });
        }
        if (body === null || typeof body !== 'object' || Array.isArray(body))
          throw new FraiseqlError('FRAISEQL_BAD_REQUEST', 'The analytics request must be a JSON object');
        const { sql, params } = analyticsQuerySql({ ...(body as unknown as AnalyticsQuery), orgId: caller.orgId });
        // The whole stream first: an error in the middle must not leave the client half a stream.
        const chunks: Uint8Array[] = [];
        for await (const chunk of executor.queryStream(sql, params, 'ArrowStream')) chunks.push(chunk);
        for (const chunk of chunks)
          for (let at = 0; at < chunk.byteLength; at += ANALYTICS_CHUNK_BYTES) msg.respond(chunk.subarray(at, at + ANALYTICS_CHUNK_BYTES));
        msg.respond(new Uint8Array());
      })
        .catch((caught: unknown) => {
          const failed = toFraiseqlError(caught);
          if (failed.code === 'FRAISEQL_INTERNAL') options.onError?.(caught);
          fail(msg, failed);
        })
        .finally(() => inFlight--);
    },
  });
}

/** flight-server's side: the dataset's Arrow IPC stream bytes, as the sink sends them. */
export async function* requestAnalyticsStream(
  nc: NatsConnection,
  query: Omit<AnalyticsQuery, 'orgId'>,
  caller: Caller,
  options: { timeoutMs?: number } = {},
): AsyncGenerator<Uint8Array> {
  const headers = natsHeaders();
  writeCallerHeaders(headers, caller);
  injectTraceContext(headers);
  let replies: AsyncIterable<Msg>;
  try {
    replies = await nc.requestMany(SUBJECTS.analyticsQuery, encoder.encode(JSON.stringify(query)), {
      strategy: RequestStrategy.SentinelMsg,
      maxWait: options.timeoutMs ?? 60_000,
      headers,
    });
  } catch (cause) {
    throw new FraiseqlError('FRAISEQL_SINK_UNAVAILABLE', 'No sink answered the analytics query', { cause });
  }
  let answered = false;
  const iterator = replies[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Msg>;
    try {
      next = await iterator.next();
    } catch (cause) {
      // No responder (503) or no reply in time: nats.js reports them while iterating.
      throw new FraiseqlError(
        'FRAISEQL_SINK_UNAVAILABLE',
        answered ? 'The sink stopped answering in the middle of an analytics stream' : 'No sink answered the analytics query',
        { cause },
      );
    }
    if (next.done) break;
    const reply = next.value;
    const failure = reply.headers?.get(ERROR_HEADER);
    if (failure) {
      const { code, message } = JSON.parse(failure) as { code: string; message: string };
      throw new FraiseqlError(isErrorCode(code) ? code : 'FRAISEQL_INTERNAL', message);
    }
    if (reply.data.byteLength === 0) return;
    answered = true;
    yield reply.data;
  }
  throw new FraiseqlError(
    'FRAISEQL_SINK_UNAVAILABLE',
    answered ? 'The sink stopped answering in the middle of an analytics stream' : 'No sink answered the analytics query',
  );
}
