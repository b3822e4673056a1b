import { createHash } from 'node:crypto';
import type { Msg } from 'nats';
import { isSpanContextValid, type Span } from '@opentelemetry/api';
import { FraiseqlError } from '@fraiseql/errors';
import { NIL_UUID, type Caller } from '@fraiseql/identity';
import type { OperationRequestBody } from '@fraiseql/nats-contract';
import { assembleResponse } from '@fraiseql/query-planner';
import type { QueryHandlerOptions } from './handle-query';
import type { MutationAudit } from './audit/mutation-audit';
import { runNativeStep } from './native-fields';
import { firstFailureCode, operationReply, resultsInStepOrder } from './operation-reply';
import { planRequest } from './plan-request';
import type { StatementOutcome } from './pooled-transaction';
import { readRequestMessage, serveRequest, type Reply } from './request-envelope';
import { runMutationTransaction, type IdempotencyClaim, type MutationSettings, type MutationWork } from './run-mutation-transaction';

/** A mutation handler needs what a query handler does: the pool, the current planner, the bounds and telemetry. */
export type MutationHandlerOptions = QueryHandlerOptions & {
  /** Records admin mutations and their refusals in the audit log (ADR 0137); omitted: not audited. */
  audit?: MutationAudit | undefined;
};

/**
 * Handles one `fraiseql.v1.mutation` request (docs/adr/0082-mutations.md): re-validates and plans
 * the operation (input coercion refuses bad input before PostgreSQL), then runs each mutation
 * root field serially, each in its own read-write transaction with the request context set. With
 * an `Idempotency-Key` the whole operation is one transaction that also records the key and the
 * response, so a retry gets the first response without running anything twice.
 */
export function createMutationHandler(options: MutationHandlerOptions): (msg: Msg) => Promise<void> {
  const { logger, audit } = options;

  const execute = async (msg: Msg, span: Span, requestId: string | undefined): Promise<Reply> => {
    // The idempotency key is checked with the rest of the message, so a malformed one is FRAISEQL_BAD_MESSAGE whatever the document.
    const message = readRequestMessage(msg);
    const { body, meta } = message;
    const { idempotencyKey, caller, deadlineEpochMs: deadline } = meta;
    const {
      planner,
      operation,
      plan,
      statements,
      settings: requestSettings,
    } = planRequest(msg, span, message, {
      planner: options.planner(),
      serves: 'mutation',
      statementTimeoutMs: options.statementTimeoutMs,
      requestRole: options.requestRole,
    });

    const context = span.spanContext();
    const settings: MutationSettings = {
      ...requestSettings,
      traceparent: isSpanContextValid(context)
        ? `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 1) === 1 ? '01' : '00'}`
        : '',
      schemaVersion: planner.schemaHash,
    };
    const render = (outcomes: StatementOutcome[]): string => assembleResponse(plan, resultsInStepOrder(plan, outcomes));
    // Mutation fields run one after the other in step order: statements and native fields (ADR 0105) alike.
    let nextStatement = 0;
    const work: MutationWork[] = [];
    for (const step of plan.steps) {
      if (step.kind === 'sql') work.push(statements[nextStatement++]!);
      else if (step.kind === 'native')
        work.push({
          native: () =>
            runNativeStep(
              planner,
              step,
              caller,
              options.nativeResolvers,
              (err) => logger.error({ err, requestId, field: step.field.name }, 'a native field failed'),
              audit && ((result) => audit.native(step, { caller, requestId }, result)),
            ),
        });
    }

    let outcomes: StatementOutcome[];
    if (idempotencyKey !== undefined) {
      span.setAttribute('fraiseql.idempotency_key', true);
      const claim: IdempotencyClaim = {
        // Keys of callers without an org share the nil org.
        orgId: caller.orgId ?? NIL_UUID,
        key: idempotencyKey,
        operationHash: operationHash(operation.hash, body, caller),
        render,
      };
      // Native fields run inside the claim's transaction: a retry with the same key waits for it, then gets its response.
      const result = await runMutationTransaction(options.pool, settings, work, claim);
      if (result.kind === 'replayed') {
        span.setAttribute('fraiseql.idempotent_replay', true);
        return { body: result.body, status: 200, schemaHash: planner.schemaHash };
      }
      if (result.kind === 'reused') {
        throw new FraiseqlError(
          'FRAISEQL_IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was already used for a different operation; use a new key',
        );
      }
      outcomes = result.outcomes;
      if (result.failure !== undefined) logFailure(result.failure, outcomes);
      if (result.body !== undefined) {
        await audit?.planned(planner, operation, plan, outcomes, { caller, requestId });
        return operationReply(plan, outcomes, result.body, planner.schemaHash);
      }
    } else {
      // GraphQL runs mutation fields one after the other; each commits on its own.
      outcomes = [];
      for (const item of work) {
        if ('native' in item) {
          outcomes.push(await item.native());
          continue;
        }
        const result = await runMutationTransaction(
          options.pool,
          { ...settings, statementTimeoutMs: Math.min(options.statementTimeoutMs, remainingOf(deadline)) },
          [item],
        );
        if (result.kind !== 'ran') throw new Error('a mutation without an idempotency key cannot be replayed');
        if (result.failure !== undefined) logFailure(result.failure, result.outcomes);
        outcomes.push(result.outcomes[0]!);
      }
    }
    await audit?.planned(planner, operation, plan, outcomes, { caller, requestId });
    return operationReply(plan, outcomes, render(outcomes), planner.schemaHash);

    function logFailure(failure: unknown, failed: StatementOutcome[]): void {
      logger.error(
        { err: failure, code: firstFailureCode(failed), requestId, operationName: operation.operationName, operationHash: operation.hash },
        'mutation failed in PostgreSQL',
      );
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

/** What was asked, by whom: the same key with anything else is FRAISEQL_IDEMPOTENCY_KEY_REUSED. */
function operationHash(documentHash: string, request: OperationRequestBody, caller: Caller): string {
  return createHash('sha256')
    .update(stableJson([documentHash, request.variables ?? {}, caller.subject, [...caller.roles].sort()]))
    .digest('hex');
}

/** JSON with object keys sorted, so that a client re-serializing the same variables gets the same hash. */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort()
    .filter((k) => record[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableJson(record[k])}`)
    .join(',')}}`;
}
