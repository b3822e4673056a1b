import { FraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import type { Context } from '@opentelemetry/api';
import { headers as natsHeaders, type Msg, type MsgHdrs } from 'nats';
import { readHeartbeatRequest, writeHeartbeatRequest } from './executor-heartbeat';
import { idempotencyKeyProblem } from './idempotency-key';
import { readCallerHeaders, writeCallerHeaders } from './caller-headers';
import { HEADERS, SUBJECTS } from './names';
import { injectTraceContext } from './trace-context';

/**
 * The `fraiseql.v1.query` / `fraiseql.v1.mutation` request (gateway → query-executor): the one
 * definition the sender and the receiver share. The body is the GraphQL request as JSON; the
 * headers carry the caller, the trace context, the request id, the deadline, the heartbeat
 * interval and (mutations) the idempotency key.
 */
export type OperationKind = 'query' | 'mutation';

export const OPERATION_SUBJECTS: Readonly<Record<OperationKind, string>> = { query: SUBJECTS.query, mutation: SUBJECTS.mutation };

export interface OperationRequestBody {
  query: string;
  variables: Record<string, unknown> | null;
  operationName: string | null;
}

export interface OperationRequestMeta {
  caller: Caller;
  /** For logs and traces on both sides. */
  requestId?: string;
  /** Epoch milliseconds after which the requester no longer waits (an absolute time, not a duration). */
  deadlineEpochMs?: number;
  /** Heartbeat every this many ms while the request runs (docs/adr/0060-gateway-passthrough.md). */
  heartbeatMs?: number;
  /** The client's Idempotency-Key (mutations; docs/adr/0082-mutations.md). */
  idempotencyKey?: string;
}

export interface OperationRequest {
  body: OperationRequestBody;
  meta: OperationRequestMeta;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The message for a request; the trace context of `traceContext` (default: the active one) goes with it. */
export function encodeOperationRequest(request: OperationRequest, traceContext?: Context): { data: string; headers: MsgHdrs } {
  const { body, meta } = request;
  const headers = natsHeaders();
  writeCallerHeaders(headers, meta.caller);
  injectTraceContext(headers, traceContext);
  if (meta.requestId !== undefined) headers.set(HEADERS.requestId, meta.requestId);
  if (meta.deadlineEpochMs !== undefined) headers.set(HEADERS.deadlineEpochMs, String(Math.floor(meta.deadlineEpochMs)));
  if (meta.heartbeatMs !== undefined && meta.heartbeatMs > 0) writeHeartbeatRequest(headers, meta.heartbeatMs);
  if (meta.idempotencyKey !== undefined) headers.set(HEADERS.idempotencyKey, meta.idempotencyKey);
  return { data: JSON.stringify({ query: body.query, variables: body.variables, operationName: body.operationName }), headers };
}

/**
 * Decodes and checks a request message (never trusting the network): anything malformed is
 * FRAISEQL_BAD_MESSAGE. A malformed heartbeat interval is the one exception: the request is then
 * served without heartbeats, as an older gateway's would be.
 */
export function decodeOperationRequest(msg: Pick<Msg, 'data' | 'headers'>): OperationRequest {
  const meta: OperationRequestMeta = { caller: readCallerHeaders(msg.headers) };
  const requestId = readRequestId(msg.headers);
  if (requestId !== undefined) meta.requestId = requestId;
  const deadline = msg.headers?.get(HEADERS.deadlineEpochMs);
  if (deadline) {
    const value = Number(deadline);
    if (!/^\d{1,16}$/.test(deadline) || !Number.isSafeInteger(value) || value <= 0)
      throw badMessage(`the ${HEADERS.deadlineEpochMs} header is not epoch milliseconds`);
    meta.deadlineEpochMs = value;
  }
  const heartbeatMs = readHeartbeatRequest(msg.headers);
  if (heartbeatMs !== undefined) meta.heartbeatMs = heartbeatMs;
  const key = msg.headers?.get(HEADERS.idempotencyKey);
  if (key) {
    const problem = idempotencyKeyProblem(key);
    if (problem) throw badMessage(problem);
    meta.idempotencyKey = key;
  }
  return { body: decodeBody(msg.data), meta };
}

/** The request id of a message, or undefined when absent or malformed (it only labels logs and spans). */
export function readRequestId(headers: MsgHdrs | undefined): string | undefined {
  const value = headers?.get(HEADERS.requestId);
  return value && REQUEST_ID.test(value) ? value : undefined;
}

function decodeBody(data: Uint8Array): OperationRequestBody {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    throw badMessage('the body is not JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badMessage('the body must be a JSON object');
  const { query, variables, operationName } = body as Record<string, unknown>;
  if (typeof query !== 'string' || query.length === 0) throw badMessage('"query" must be a non-empty string');
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    throw badMessage('"variables" must be an object or null');
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    throw badMessage('"operationName" must be a string or null');
  }
  return {
    query,
    variables: (variables as Record<string, unknown> | null | undefined) ?? null,
    operationName: (operationName as string | null | undefined) ?? null,
  };
}

function badMessage(reason: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Malformed operation request: ${reason}`);
}
