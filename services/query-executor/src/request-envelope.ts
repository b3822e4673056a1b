import { headers as natsHeaders, type Msg } from 'nats';
import { FraiseqlError, toFraiseqlError, type ErrorCode } from '@fraiseql/errors';
import { extractTraceContext, HEADERS, writeQueryReplyHeaders } from '@fraiseql/nats-contract';
import { formatErrorBody, GraphqlRequestError } from '@fraiseql/query-planner';
import type { RequestOutcome } from '@fraiseql/service-kit';

/**
 * What the query and mutation handlers share about a request message and its reply: the
 * deadline, the trace context, and the reply for a refused or failed request.
 */

/** What goes back on the reply subject. */
export interface Reply {
  body: string;
  status: number;
  schemaHash?: string;
  outcome: RequestOutcome;
  code?: ErrorCode;
}

/** A malformed traceparent must not fail the request: the span then starts a new trace. */
export function parentContext(msg: Msg): ReturnType<typeof extractTraceContext> | undefined {
  try {
    return extractTraceContext(msg.headers);
  } catch {
    return undefined;
  }
}

/** The deadline header carries the epoch milliseconds after which the requester no longer waits. */
export function readDeadline(msg: Msg): number | undefined {
  const raw = msg.headers?.get(HEADERS.deadline);
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Malformed ${HEADERS.deadline} header`);
  return value;
}

export function errorReply(error: unknown): Reply {
  if (error instanceof GraphqlRequestError) {
    return { body: formatErrorBody(error.errors), status: error.httpStatus, outcome: 'rejected', code: error.code };
  }
  const e = toFraiseqlError(error);
  const outcome: RequestOutcome = e.code === 'FRAISEQL_TIMEOUT' ? 'timeout' : e.httpStatus < 500 || e.code === 'FRAISEQL_OVERLOADED' ? 'rejected' : 'error';
  return { body: formatErrorBody([{ message: e.message, extensions: e.toExtensions() }]), status: e.httpStatus, outcome, code: e.code };
}

/** The reply for a request refused before any work (admission control, shutdown). */
export function refuse(msg: Msg, error: FraiseqlError): void {
  const reply = errorReply(error);
  const headers = natsHeaders();
  writeQueryReplyHeaders(headers, { status: reply.status });
  msg.respond(reply.body, { headers });
}
