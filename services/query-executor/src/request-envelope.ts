import type { Msg } from 'nats';
import type { Counter } from 'prom-client';
import { context as otelContext, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { FraiseqlError, toFraiseqlError } from '@fraiseql/errors';
import {
  decodeOperationRequest,
  encodeOperationReply,
  extractTraceContext,
  readHeartbeatRequest,
  readRequestId,
  type OperationReply,
  type OperationRequest,
} from '@fraiseql/nats-contract';
import { formatErrorBody, GraphqlRequestError } from '@fraiseql/query-planner';
import type { Logger, RedMetrics } from '@fraiseql/service-kit';
import { sendHeartbeats } from './send-heartbeats';

/**
 * What the query and mutation handlers share about a request message and its reply: the
 * deadline, the trace context, and the reply for a refused or failed request.
 */

/** What goes back on the reply subject. */
export type Reply = OperationReply<string>;

/** A malformed traceparent must not fail the request: the span then starts a new trace. */
function parentContext(msg: Msg): ReturnType<typeof extractTraceContext> | undefined {
  try {
    return extractTraceContext(msg.headers);
  } catch {
    return undefined;
  }
}

/** A request message decoded by its contract (libs/nats-contract) and not yet expired. */
export interface RequestMessage extends OperationRequest {
  /** Milliseconds left before the deadline when the message was read (Infinity without one). */
  remainingMs: number;
}

/** Checks a request message before any schema work: malformed is FRAISEQL_BAD_MESSAGE, expired FRAISEQL_TIMEOUT. */
export function readRequestMessage(msg: Msg): RequestMessage {
  const request = decodeOperationRequest(msg);
  const deadline = request.meta.deadlineEpochMs;
  const remainingMs = deadline === undefined ? Infinity : deadline - Date.now();
  // The requester has given up: any work now would be thrown away.
  if (remainingMs <= 0) throw new FraiseqlError('FRAISEQL_TIMEOUT', 'The request deadline passed before the executor could start it');
  return { ...request, remainingMs };
}

function errorReply(error: unknown): Reply {
  if (error instanceof GraphqlRequestError) {
    return { body: formatErrorBody(error.errors), status: error.httpStatus, errorCode: error.code };
  }
  const e = toFraiseqlError(error);
  return { body: formatErrorBody([{ message: e.message, extensions: e.toExtensions() }]), status: e.httpStatus, errorCode: e.code };
}

/** The reply for a request refused before any work (admission control, shutdown). */
export function refuse(msg: Msg, error: FraiseqlError): void {
  const { data, headers } = encodeOperationReply(errorReply(error));
  msg.respond(data, { headers });
}

export interface RequestServingOptions {
  /** `query` or `mutation`: the span name, the metric's operation label, the log wording. */
  operation: 'query' | 'mutation';
  metrics: RedMetrics;
  /** `fraiseql_query_executor_heartbeats_total`. */
  heartbeatsSent: Counter;
  logger: Logger;
}

const tracer = trace.getTracer('@fraiseql/query-executor');

/**
 * Everything a request message needs around its execution, the same for queries and mutations:
 * a span (child of the caller's traceparent), heartbeats while it runs (only when the requester
 * asked for them: an older gateway would take one for the reply), the error reply when execution
 * throws, the reply itself, and the RED metrics.
 */
export function serveRequest(
  options: RequestServingOptions,
  execute: (msg: Msg, span: Span, requestId: string | undefined) => Promise<Reply>,
): (msg: Msg) => Promise<void> {
  const { logger, operation } = options;
  return async (msg: Msg): Promise<void> => {
    const done = options.metrics.start(operation);
    // Read on its own (not with the whole message) so that even a malformed request is logged with its id.
    const requestId = readRequestId(msg.headers);
    const parent = parentContext(msg) ?? ROOT_CONTEXT;
    const span = tracer.startSpan(
      `fraiseql.${operation}`,
      { kind: SpanKind.SERVER, attributes: requestId ? { 'fraiseql.request_id': requestId } : {} },
      parent,
    );
    const heartbeatMs = readHeartbeatRequest(msg.headers);
    const stopHeartbeats = heartbeatMs === undefined ? undefined : sendHeartbeats(msg, heartbeatMs, options.heartbeatsSent);
    let reply: Reply;
    try {
      // The span is the active context: calls made while executing (the job API) continue this trace.
      reply = await otelContext.with(trace.setSpan(parent, span), () => execute(msg, span, requestId));
    } catch (error) {
      reply = errorReply(error);
      if (reply.errorCode === 'FRAISEQL_INTERNAL')
        logger.error({ err: error, requestId }, `unexpected failure while handling a ${operation}`);
    } finally {
      // Before the final reply, so that no heartbeat can follow it.
      stopHeartbeats?.();
    }
    if (reply.errorCode) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: reply.errorCode });
      span.setAttribute('fraiseql.error.code', reply.errorCode);
    }
    span.end();
    const { data, headers } = encodeOperationReply(reply);
    try {
      msg.respond(data, { headers });
    } catch (error) {
      logger.warn({ err: error, requestId }, `could not send a ${operation} reply`);
    }
    done(reply.errorCode);
  };
}
