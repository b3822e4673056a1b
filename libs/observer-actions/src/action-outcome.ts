import { FraiseqlError, RetryableError, type ErrorCode } from '@fraiseql/errors';

/** The action types this package delivers; the `action_type` label of every metric. */
export type ActionType = 'webhook' | 'slack' | 'email' | 'sms' | 'push' | 'cache' | 'publish' | 'job';

/** The action reached its receiver and the receiver accepted it. */
export interface ActionSuccess {
  kind: 'success';
  /** HTTP status, or SMTP reply code; absent for Redis and NATS. */
  status?: number;
  latencyMs: number;
  /** What the receiver gave back that a caller may keep (Twilio message sid, SMTP message id, keys deleted, ...). */
  detail?: Record<string, unknown>;
}

/** The action did not take effect, and trying again later may succeed. */
export interface ActionRetryable {
  kind: 'retryable';
  code: ErrorCode;
  reason: string;
  /** Set when the receiver said when to come back (`Retry-After`) or the circuit knows its cooldown. */
  retryAfterMs?: number;
  status?: number;
  latencyMs: number;
  /** The underlying error, for the log (never shown to the rule's owner as is). */
  cause?: unknown;
}

/** The action did not take effect, and trying again will not change that. */
export interface ActionPermanent {
  kind: 'permanent';
  code: ErrorCode;
  reason: string;
  status?: number;
  latencyMs: number;
  cause?: unknown;
}

/** What every client returns: never a thrown error, always one of three classified outcomes. */
export type ActionOutcome = ActionSuccess | ActionRetryable | ActionPermanent;

type FailureFields = { status?: number; retryAfterMs?: number; cause?: unknown };

export function retryable(code: ErrorCode, reason: string, latencyMs: number, fields: FailureFields = {}): ActionRetryable {
  return { kind: 'retryable', code, reason, latencyMs, ...definedOnly(fields) };
}

export function permanent(
  code: ErrorCode,
  reason: string,
  latencyMs: number,
  fields: Omit<FailureFields, 'retryAfterMs'> = {},
): ActionPermanent {
  return { kind: 'permanent', code, reason, latencyMs, ...definedOnly(fields) };
}

/**
 * The outcome as the error the rest of the fleet understands: a `RetryableError` (its `retryAfterMs` 0 when
 * nobody said) for a retryable outcome, a `FraiseqlError` for a permanent one, `undefined` for a success.
 */
export function outcomeError(outcome: ActionOutcome): FraiseqlError | undefined {
  if (outcome.kind === 'success') return undefined;
  const options = { cause: outcome.cause, details: outcome.status === undefined ? undefined : { status: outcome.status } };
  return outcome.kind === 'retryable'
    ? new RetryableError(outcome.code, outcome.reason, outcome.retryAfterMs ?? 0, options)
    : new FraiseqlError(outcome.code, outcome.reason, options);
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
