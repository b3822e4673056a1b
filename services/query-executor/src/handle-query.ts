import type { Msg } from 'nats';
import type { Pool } from 'pg';
import type { Counter } from 'prom-client';
import { isSpanContextValid, type Span } from '@opentelemetry/api';
import { FraiseqlError } from '@fraiseql/errors';
import { readAuthHeaders } from '@fraiseql/nats-contract';
import { assembleResponse, type QueryPlanner } from '@fraiseql/query-planner';
import type { Logger, RedMetrics } from '@fraiseql/service-kit';
import { decodeQueryRequest } from './query-request';
import { readDeadline, serveRequest, type Reply } from './request-envelope';
import { runReadTransaction, type ReadStatement } from './run-read-transaction';

export interface QueryHandlerOptions {
  pool: Pool;
  /** The planner of the schema loaded now; each request keeps the one it started with. */
  planner: () => QueryPlanner | undefined;
  statementTimeoutMs: number;
  metrics: RedMetrics;
  /** `fraiseql_query_executor_heartbeats_total`: heartbeats sent for requests still running. */
  heartbeatsSent: Counter;
  logger: Logger;
}

/**
 * Handles one `fraiseql.v1.query` request: checks the message, re-validates and plans the
 * operation (never trusting the gateway), runs its SQL in one read-only transaction and
 * replies with the JSON text PostgreSQL built, spliced into the GraphQL response unparsed.
 */
export function createQueryHandler(options: QueryHandlerOptions): (msg: Msg) => Promise<void> {
  const { logger } = options;

  const execute = async (msg: Msg, span: Span, requestId: string | undefined): Promise<Reply> => {
    const deadline = readDeadline(msg);
    const remainingMs = deadline === undefined ? Infinity : deadline - Date.now();
    // The requester has given up: any work now would be thrown away.
    if (remainingMs <= 0) throw new FraiseqlError('FRAISEQL_TIMEOUT', 'The request deadline passed before the executor could start it');

    const request = decodeQueryRequest(msg.data);
    const auth = readAuthHeaders(msg.headers);
    const planner = options.planner();
    if (!planner) throw new FraiseqlError('FRAISEQL_SCHEMA_UNAVAILABLE', 'The query-executor has no compiled schema loaded yet');

    const operation = planner.prepare({ query: request.query, operationName: request.operationName ?? undefined });
    span.setAttributes({
      'graphql.operation.type': operation.operationType,
      'graphql.operation.name': operation.operationName ?? '',
      'fraiseql.operation.hash': operation.hash,
      'fraiseql.schema.hash': planner.schemaHash,
    });
    if (operation.operationType !== 'query') {
      throw new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', `${operation.operationType} operations are not served on ${msg.subject}`);
    }
    const plan = planner.plan(operation, request.variables ?? {}, auth);

    const statements: ReadStatement[] = [];
    for (const step of plan.steps) if (step.kind === 'sql') statements.push({ name: step.name, text: step.text, values: step.values });
    const traceId = span.spanContext().traceId;
    const transaction = statements.length === 0
      ? { outcomes: [] }
      : await runReadTransaction(options.pool, {
          orgId: auth.orgId ?? null,
          userId: auth.subject ?? null,
          roles: auth.roles ?? [],
          traceId: isSpanContextValid(span.spanContext()) ? traceId : '',
          statementTimeoutMs: Math.min(options.statementTimeoutMs, remainingMs),
        }, statements);

    // Results in step order: 'sql' steps take their outcome, the others are filled by the planner.
    let next = 0;
    const results = plan.steps.map((step) => (step.kind === 'sql' ? transaction.outcomes[next++]! : null));
    const errors = transaction.outcomes.filter((o): o is FraiseqlError => o instanceof FraiseqlError);
    const firstError = errors[0] ?? plan.steps.find((s) => s.kind === 'error')?.error;
    if ('failure' in transaction && transaction.failure !== undefined) {
      logger.error({ err: transaction.failure, code: firstError?.code, requestId, operationName: operation.operationName, operationHash: operation.hash }, 'operation failed in PostgreSQL');
    }
    // Under graphql-response+json a response with some data is 200; with none, the error's status.
    const nothingSucceeded = plan.steps.length > 0 && errors.length === statements.length && plan.steps.every((s) => s.kind !== 'json');
    return {
      body: assembleResponse(plan, results),
      status: firstError && nothingSucceeded ? firstError.httpStatus : 200,
      schemaHash: planner.schemaHash,
      outcome: firstError ? (firstError.code === 'FRAISEQL_TIMEOUT' ? 'timeout' : 'error') : 'success',
      ...(firstError ? { code: firstError.code } : {}),
    };
  };

  return serveRequest({ operation: 'query', metrics: options.metrics, heartbeatsSent: options.heartbeatsSent, logger }, execute);
}

// Shared with the mutation handler; kept importable from here for existing callers.
export { refuse } from './request-envelope';
