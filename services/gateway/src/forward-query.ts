import type { NatsConnection } from 'nats';
import { Counter, type Registry } from 'prom-client';
import { FraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import {
  decodeOperationReply,
  encodeOperationRequest,
  OPERATION_SUBJECTS,
  type OperationKind,
  type OperationReply,
} from '@fraiseql/nats-contract';
import type { Logger } from '@fraiseql/service-kit';
import { ExecutorReplyError, ExecutorReplyInbox } from './executor-reply-inbox';
import type { GraphqlRequest } from './graphql-request';

export interface ForwardContext {
  caller: Caller;
  requestId: string;
  timeoutMs: number;
  /** `mutation` goes to `fraiseql.v1.mutation` (default `query`: `fraiseql.v1.query`). */
  operationType?: OperationKind;
  /** The client's Idempotency-Key, already checked (mutations only). */
  idempotencyKey?: string;
}

/** The executor's reply: the response body exactly as the executor wrote it. */
export type ExecutorReply = OperationReply<Buffer>;

export interface QueryForwarderOptions {
  /**
   * FRAISEQL_GATEWAY_EXECUTOR_LIVENESS_MS: a request whose executor sent neither a heartbeat
   * nor its reply for this long fails with FRAISEQL_EXECUTOR_UNAVAILABLE. 0 turns it off.
   */
  livenessMs: number;
  logger: Logger;
  registry: Registry;
}

export interface QueryForwarder {
  forward(request: GraphqlRequest, context: ForwardContext): Promise<ExecutorReply>;
  /** Fails the requests still waiting; call once the HTTP server has stopped taking requests. */
  close(): void;
}

/** The executor heartbeats this often, so a liveness window holds three heartbeats. */
function heartbeatIntervalFor(livenessMs: number): number {
  return Math.floor(livenessMs / 3);
}

/**
 * Sends validated operations to `fraiseql.v1.query` (queue group `query-executor`) and returns
 * each reply body untouched. NATS failures become the codes a client can act on; an executor
 * that dies mid-request is noticed by its missing heartbeats (docs/adr/0060-gateway-passthrough.md).
 */
export function createQueryForwarder(nc: NatsConnection, options: QueryForwarderOptions): QueryForwarder {
  const { logger, livenessMs } = options;
  const inbox = new ExecutorReplyInbox(nc, { livenessMs });
  const heartbeatMs = livenessMs > 0 ? heartbeatIntervalFor(livenessMs) : 0;
  const lost = new Counter({
    name: 'fraiseql_gateway_executor_lost_total',
    help: 'Requests failed because their query-executor stopped responding (no heartbeat or reply within FRAISEQL_GATEWAY_EXECUTOR_LIVENESS_MS).',
    registers: [options.registry],
  });

  const forward = async (request: GraphqlRequest, context: ForwardContext): Promise<ExecutorReply> => {
    const { data, headers } = encodeOperationRequest({
      body: { query: request.query, variables: request.variables, operationName: request.operationName },
      meta: {
        caller: context.caller,
        requestId: context.requestId,
        deadlineEpochMs: Date.now() + context.timeoutMs,
        heartbeatMs,
        ...(context.idempotencyKey === undefined ? {} : { idempotencyKey: context.idempotencyKey }),
      },
    });
    let reply;
    try {
      reply = await inbox.request(OPERATION_SUBJECTS[context.operationType ?? 'query'], data, headers, context.timeoutMs);
    } catch (error) {
      if (error instanceof ExecutorReplyError && error.reason === 'executor-lost') {
        lost.inc();
        logger.warn({ requestId: context.requestId, livenessMs }, 'the query-executor handling a request stopped responding');
      }
      throw forwardFailure(error, context.timeoutMs);
    }
    return decodeOperationReply(reply);
  };

  return { forward, close: () => inbox.close() };
}

function forwardFailure(error: unknown, timeoutMs: number): FraiseqlError {
  if (error instanceof ExecutorReplyError) {
    switch (error.reason) {
      case 'no-responders':
        return new FraiseqlError('FRAISEQL_EXECUTOR_UNAVAILABLE', 'No query-executor is running; retry shortly', { cause: error });
      case 'executor-lost':
        return new FraiseqlError('FRAISEQL_EXECUTOR_UNAVAILABLE', 'The query-executor handling this request stopped responding; retry', {
          cause: error,
        });
      case 'timeout':
        return new FraiseqlError('FRAISEQL_TIMEOUT', `No query-executor answered within ${timeoutMs} ms`, { cause: error });
      case 'bus-unavailable':
        break;
    }
  }
  return new FraiseqlError('FRAISEQL_EXECUTOR_UNAVAILABLE', 'The message bus to the query-executor is unavailable; retry shortly', {
    cause: error,
  });
}
