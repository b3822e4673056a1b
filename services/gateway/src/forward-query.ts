import { ErrorCode as NatsErrorCode, headers as natsHeaders, NatsError, type NatsConnection } from 'nats';
import { FraiseqlError } from '@fraiseql/errors';
import { HEADERS, injectTraceContext, readQueryReplyHeaders, SUBJECTS, writeAuthHeaders, type AuthContext } from '@fraiseql/nats-contract';
import type { GraphqlRequest } from './graphql-request';

export interface ForwardContext {
  auth: AuthContext;
  requestId: string;
  timeoutMs: number;
}

/** The executor's reply: the response body exactly as the executor wrote it. */
export interface ExecutorReply {
  body: Buffer;
  /** The status the executor chose for application/graphql-response+json. */
  status: number;
  schemaHash?: string;
}

/**
 * Sends a validated operation to `fraiseql.v1.query` (queue group `query-executor`) and
 * returns the reply body untouched. NATS failures become the codes a client can act on.
 */
export async function forwardQuery(nc: NatsConnection, request: GraphqlRequest, context: ForwardContext): Promise<ExecutorReply> {
  const headers = natsHeaders();
  writeAuthHeaders(headers, context.auth);
  injectTraceContext(headers);
  headers.set(HEADERS.requestId, context.requestId);
  // Absolute epoch ms: the executor skips work whose requester has stopped waiting.
  headers.set(HEADERS.deadline, String(Date.now() + context.timeoutMs));
  const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName });
  let reply;
  try {
    reply = await nc.request(SUBJECTS.query, body, { timeout: context.timeoutMs, headers });
  } catch (error) {
    throw natsFailure(error, context.timeoutMs);
  }
  return { body: Buffer.from(reply.data), ...readQueryReplyHeaders(reply.headers) };
}

function natsFailure(error: unknown, timeoutMs: number): FraiseqlError {
  if (error instanceof NatsError) {
    if (error.code === NatsErrorCode.NoResponders) {
      return new FraiseqlError('FRAISEQL_EXECUTOR_UNAVAILABLE', 'No query-executor is running; retry shortly', { cause: error });
    }
    if (error.code === NatsErrorCode.Timeout) {
      return new FraiseqlError('FRAISEQL_TIMEOUT', `No query-executor answered within ${timeoutMs} ms`, { cause: error });
    }
  }
  return new FraiseqlError('FRAISEQL_EXECUTOR_UNAVAILABLE', 'The message bus to the query-executor is unavailable; retry shortly', { cause: error });
}
