import { createHash } from 'node:crypto';
import type { Msg } from 'nats';
import type { Pool } from 'pg';
import type { Counter } from 'prom-client';
import { isSpanContextValid, type Span } from '@opentelemetry/api';
import { FraiseqlError } from '@fraiseql/errors';
import { HEADERS, idempotencyKeyProblem, readAuthHeaders, type AuthContext } from '@fraiseql/nats-contract';
import { assembleResponse, type OperationPlan, type QueryPlanner } from '@fraiseql/query-planner';
import type { Logger, RedMetrics } from '@fraiseql/service-kit';
import { decodeQueryRequest, type QueryRequest } from './query-request';
import { readDeadline, serveRequest, type Reply } from './request-envelope';
import type { ReadStatement, StatementOutcome } from './run-read-transaction';
import { runMutationTransaction, type IdempotencyClaim, type MutationSettings } from './run-mutation-transaction';

export interface MutationHandlerOptions {
  pool: Pool;
  /** The planner of the schema loaded now; each request keeps the one it started with. */
  planner: () => QueryPlanner | undefined;
  statementTimeoutMs: number;
  metrics: RedMetrics;
  heartbeatsSent: Counter;
  logger: Logger;
}

/** Org of idempotency keys sent by callers without an org. */
const NO_ORG = '00000000-0000-0000-0000-000000000000';
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * Handles one `fraiseql.v1.mutation` request (docs/adr/0082-mutations.md): re-validates and plans
 * the operation (input coercion refuses bad input before PostgreSQL), then runs each mutation
 * root field serially, each in its own read-write transaction with the request context set. With
 * an `Idempotency-Key` the whole operation is one transaction that also records the key and the
 * response, so a retry gets the first response without running anything twice.
 */
export function createMutationHandler(options: MutationHandlerOptions): (msg: Msg) => Promise<void> {
  const { logger } = options;

  const execute = async (msg: Msg, span: Span, requestId: string | undefined): Promise<Reply> => {
    const deadline = readDeadline(msg);
    const remainingMs = deadline === undefined ? Infinity : deadline - Date.now();
    if (remainingMs <= 0) throw new FraiseqlError('FRAISEQL_TIMEOUT', 'The request deadline passed before the executor could start it');

    const request = decodeQueryRequest(msg.data);
    const auth = readAuthHeaders(msg.headers);
    const idempotencyKey = readIdempotencyKey(msg);
    const planner = options.planner();
    if (!planner) throw new FraiseqlError('FRAISEQL_SCHEMA_UNAVAILABLE', 'The query-executor has no compiled schema loaded yet');

    const operation = planner.prepare({ query: request.query, operationName: request.operationName ?? undefined });
    span.setAttributes({
      'graphql.operation.type': operation.operationType,
      'graphql.operation.name': operation.operationName ?? '',
      'fraiseql.operation.hash': operation.hash,
      'fraiseql.schema.hash': planner.schemaHash,
    });
    // Only mutations run read-write, and only from this subject (a query is never run here, nor a mutation on the query subject).
    if (operation.operationType !== 'mutation') {
      throw new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', `${operation.operationType} operations are not served on ${msg.subject}`);
    }
    const plan = planner.plan(operation, request.variables ?? {}, auth);

    const context = span.spanContext();
    const traced = isSpanContextValid(context);
    const settings: MutationSettings = {
      orgId: auth.orgId ?? null,
      userId: auth.subject ?? null,
      roles: auth.roles ?? [],
      traceId: traced ? context.traceId : '',
      traceparent: traced ? `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 1) === 1 ? '01' : '00'}` : '',
      schemaVersion: planner.schemaHash,
      statementTimeoutMs: Math.min(options.statementTimeoutMs, remainingMs),
    };
    const statements: ReadStatement[] = [];
    for (const step of plan.steps) if (step.kind === 'sql') statements.push({ name: step.name, text: step.text, values: step.values });
    const render = (outcomes: StatementOutcome[]): string => assembleResponse(plan, resultsInStepOrder(plan, outcomes));

    let outcomes: StatementOutcome[];
    if (idempotencyKey !== undefined) {
      span.setAttribute('fraiseql.idempotency_key', true);
      const claim: IdempotencyClaim = {
        orgId: auth.orgId !== null && UUID.test(auth.orgId) ? auth.orgId.toLowerCase() : NO_ORG,
        key: idempotencyKey,
        operationHash: operationHash(operation.hash, request, auth),
        render,
      };
      const result = await runMutationTransaction(options.pool, settings, statements, claim);
      if (result.kind === 'replayed') {
        span.setAttribute('fraiseql.idempotent_replay', true);
        return { body: result.body, status: 200, schemaHash: planner.schemaHash, outcome: 'success' };
      }
      if (result.kind === 'reused') {
        throw new FraiseqlError('FRAISEQL_IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different operation; use a new key');
      }
      outcomes = result.outcomes;
      if (result.failure !== undefined) logFailure(result.failure, outcomes);
      if (result.body !== undefined) return replyFor(plan, outcomes, result.body, planner.schemaHash);
    } else {
      // GraphQL runs mutation fields one after the other; each commits on its own.
      outcomes = [];
      for (const statement of statements) {
        const result = await runMutationTransaction(options.pool, { ...settings, statementTimeoutMs: Math.min(options.statementTimeoutMs, remainingOf(deadline)) }, [statement]);
        if (result.kind !== 'ran') throw new Error('a mutation without an idempotency key cannot be replayed');
        if (result.failure !== undefined) logFailure(result.failure, result.outcomes);
        outcomes.push(result.outcomes[0]!);
      }
    }
    return replyFor(plan, outcomes, render(outcomes), planner.schemaHash);

    function logFailure(failure: unknown, failed: StatementOutcome[]): void {
      const code = failed.find((o): o is FraiseqlError => o instanceof FraiseqlError)?.code;
      logger.error({ err: failure, code, requestId, operationName: operation.operationName, operationHash: operation.hash }, 'mutation failed in PostgreSQL');
    }
  };

  return serveRequest({ operation: 'mutation', metrics: options.metrics, heartbeatsSent: options.heartbeatsSent, logger }, execute);
}

function remainingOf(deadline: number | undefined): number {
  if (deadline === undefined) return Infinity;
  const left = deadline - Date.now();
  // The requester has given up: a statement started now could only be wasted work.
  if (left <= 0) throw new FraiseqlError('FRAISEQL_TIMEOUT', 'The request deadline passed before every mutation field could run');
  return left;
}

function readIdempotencyKey(msg: Msg): string | undefined {
  const value = msg.headers?.get(HEADERS.idempotencyKey);
  if (!value) return undefined;
  const problem = idempotencyKeyProblem(value);
  if (problem) throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Malformed mutation request: ${problem}`);
  return value;
}

/** What was asked, by whom: the same key with anything else is FRAISEQL_IDEMPOTENCY_KEY_REUSED. */
function operationHash(documentHash: string, request: QueryRequest, auth: AuthContext): string {
  return createHash('sha256').update(stableJson([documentHash, request.variables ?? {}, auth.subject, [...auth.roles].sort()])).digest('hex');
}

/** JSON with object keys sorted, so that a client re-serializing the same variables gets the same hash. */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record).sort().filter((k) => record[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson(record[k])}`).join(',')}}`;
}

function resultsInStepOrder(plan: OperationPlan, outcomes: StatementOutcome[]): Array<string | null | Error> {
  let next = 0;
  return plan.steps.map((step) => (step.kind === 'sql' ? outcomes[next++]! : null));
}

/** 200 when some field has data; when every field failed, the first error's status (graphql-response+json). */
function replyFor(plan: OperationPlan, outcomes: StatementOutcome[], body: string, schemaHash: string): Reply {
  const errors = outcomes.filter((o): o is FraiseqlError => o instanceof FraiseqlError);
  const firstError = errors[0] ?? plan.steps.find((s) => s.kind === 'error')?.error;
  const nothingSucceeded = plan.steps.length > 0 && errors.length === outcomes.length && plan.steps.every((s) => s.kind !== 'json');
  return {
    body,
    status: firstError && nothingSucceeded ? firstError.httpStatus : 200,
    schemaHash,
    outcome: firstError ? (firstError.code === 'FRAISEQL_TIMEOUT' ? 'timeout' : 'error') : 'success',
    ...(firstError ? { code: firstError.code } : {}),
  };
}
