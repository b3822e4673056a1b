import type { Msg } from 'nats';
import { isSpanContextValid, type Span } from '@opentelemetry/api';
import { FraiseqlError } from '@fraiseql/errors';
import type { OperationPlan, PreparedOperation, QueryPlanner } from '@fraiseql/query-planner';
import type { RequestSettings } from '@fraiseql/identity';
import type { PlannedStatement } from './pooled-transaction';
import type { RequestMessage } from './request-envelope';

export interface PlanRequestOptions {
  /** The planner of the schema loaded now; the request keeps the one it started with. */
  planner: QueryPlanner | undefined;
  /** The one operation type this subject serves: a query never runs on the mutation subject, nor a mutation on the query subject. */
  serves: 'query' | 'mutation';
  statementTimeoutMs: number;
  /** SET LOCAL ROLE for the request's transaction (docs/adr/0132-row-level-security.md); omitted: the pool's own role. */
  requestRole?: string | undefined;
}

export interface PlannedRequest {
  planner: QueryPlanner;
  operation: PreparedOperation;
  plan: OperationPlan;
  /** The plan's 'sql' steps, in step order. */
  statements: PlannedStatement[];
  /** The request context for the transaction; the statement timeout is capped by the deadline. */
  settings: RequestSettings;
}

/**
 * Re-validates and plans the operation of a checked request message (never trusting the
 * gateway), and tags the request's span with what it is.
 */
export function planRequest(msg: Msg, span: Span, message: RequestMessage, options: PlanRequestOptions): PlannedRequest {
  const { planner } = options;
  if (!planner) throw new FraiseqlError('FRAISEQL_SCHEMA_UNAVAILABLE', 'The query-executor has no compiled schema loaded yet');
  const { body, meta } = message;

  const operation = planner.prepare({ query: body.query, operationName: body.operationName ?? undefined });
  span.setAttributes({
    'graphql.operation.type': operation.operationType,
    'graphql.operation.name': operation.operationName ?? '',
    'fraiseql.operation.hash': operation.hash,
    'fraiseql.schema.hash': planner.schemaHash,
  });
  if (operation.operationType !== options.serves) {
    throw new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', `${operation.operationType} operations are not served on ${msg.subject}`);
  }
  const plan = planner.plan(operation, body.variables ?? {}, meta.caller);

  const statements: PlannedStatement[] = [];
  for (const step of plan.steps) if (step.kind === 'sql') statements.push({ name: step.name, text: step.text, values: step.values });
  const context = span.spanContext();
  const settings: RequestSettings = {
    caller: meta.caller,
    traceId: isSpanContextValid(context) ? context.traceId : '',
    statementTimeoutMs: Math.min(options.statementTimeoutMs, message.remainingMs),
    ...(options.requestRole ? { role: options.requestRole } : {}),
  };
  return { planner, operation, plan, statements, settings };
}
