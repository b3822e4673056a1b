import type { Msg } from 'nats';
import type { Pool } from 'pg';
import type { Counter } from 'prom-client';
import type { Span } from '@opentelemetry/api';
import { assembleResponse, type QueryPlanner } from '@fraiseql/query-planner';
import type { Logger, RedMetrics } from '@fraiseql/service-kit';
import { runNativeStep, type NativeFieldResolvers, type NativeStep } from './native-fields';
import { firstFailureCode, interleaveOutcomes, operationReply, resultsInStepOrder } from './operation-reply';
import { planRequest } from './plan-request';
import { readRequestMessage, serveRequest, type Reply } from './request-envelope';
import { runReadTransaction } from './run-read-transaction';

export interface QueryHandlerOptions {
  pool: Pool;
  /** The planner of the schema loaded now; each request keeps the one it started with. */
  planner: () => QueryPlanner | undefined;
  statementTimeoutMs: number;
  /** The role request transactions run as (SET LOCAL ROLE, row-level security; ADR 0132); omitted: the pool's own role. */
  requestRole?: string | undefined;
  metrics: RedMetrics;
  /** `fraiseql_query_executor_heartbeats_total`: heartbeats sent for requests still running. */
  heartbeatsSent: Counter;
  logger: Logger;
  /** Resolvers of native fields by compiled name (ADR 0105); a field without one is FRAISEQL_OPERATION_NOT_SUPPORTED. */
  nativeResolvers?: NativeFieldResolvers;
}

/**
 * Handles one `fraiseql.v1.query` request: checks the message, re-validates and plans the
 * operation (never trusting the gateway), runs its SQL in one read-only transaction and
 * replies with the JSON text PostgreSQL built, spliced into the GraphQL response unparsed.
 */
export function createQueryHandler(options: QueryHandlerOptions): (msg: Msg) => Promise<void> {
  const { logger } = options;

  const execute = async (msg: Msg, span: Span, requestId: string | undefined): Promise<Reply> => {
    const message = readRequestMessage(msg);
    const { planner, operation, plan, statements, settings } = planRequest(msg, span, message, {
      planner: options.planner(),
      serves: 'query',
      statementTimeoutMs: options.statementTimeoutMs,
      requestRole: options.requestRole,
    });
    // Native fields do not touch PostgreSQL: they run while the read transaction does.
    const natives = plan.steps.filter((s): s is NativeStep => s.kind === 'native');
    const [transaction, nativeOutcomes] = await Promise.all([
      statements.length === 0 ? { outcomes: [] } : runReadTransaction(options.pool, settings, statements),
      Promise.all(
        natives.map((step) =>
          runNativeStep(planner, step, message.meta.caller, options.nativeResolvers, (err) =>
            logger.error({ err, requestId, field: step.field.name }, 'a native field failed'),
          ),
        ),
      ),
    ]);
    if ('failure' in transaction && transaction.failure !== undefined) {
      logger.error(
        {
          err: transaction.failure,
          code: firstFailureCode(transaction.outcomes),
          requestId,
          operationName: operation.operationName,
          operationHash: operation.hash,
        },
        'operation failed in PostgreSQL',
      );
    }
    const outcomes = interleaveOutcomes(plan, transaction.outcomes, nativeOutcomes);
    return operationReply(plan, outcomes, assembleResponse(plan, resultsInStepOrder(plan, outcomes)), planner.schemaHash);
  };

  return serveRequest({ operation: 'query', metrics: options.metrics, heartbeatsSent: options.heartbeatsSent, logger }, execute);
}
