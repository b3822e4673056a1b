import { Metadata, type sendUnaryData } from '@grpc/grpc-js';
import { ERROR_CODES, FraiseqlError, mapPgError, RetryableError, type ErrorCode } from '@fraiseql/errors';
import { ERROR_CODE_TRAILER } from '@fraiseql/flight';
import { GraphqlRequestError } from '@fraiseql/query-planner';
import type { Logger } from '@fraiseql/service-kit';
import type { FlightServiceDeps } from './flight-service-deps';

/** Planner refusals keep their code and all their messages; the rest through mapPgError (not PostgreSQL's → FRAISEQL_INTERNAL). */
function asFraiseqlError(error: unknown): FraiseqlError {
  if (error instanceof FraiseqlError) return error;
  if (error instanceof GraphqlRequestError) {
    return new FraiseqlError(error.code, error.errors.map((e) => e.message).join('; '), { details: { errors: error.errors } });
  }
  return mapPgError(error);
}

/** What a FraiseqlError becomes on the wire: its gRPC status, message, and the code as a trailer (`errorCode` for the metrics). */
export function toServiceError(error: unknown): { code: number; details: string; metadata: Metadata; errorCode: ErrorCode } {
  const fraiseql = asFraiseqlError(error);
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_TRAILER, fraiseql.code);
  // As HTTP's Retry-After: whole seconds to wait (rate limits, a principal's stream bound).
  if (fraiseql instanceof RetryableError) metadata.set('retry-after', String(Math.max(1, Math.ceil(fraiseql.retryAfterMs / 1000))));
  return { code: ERROR_CODES[fraiseql.code].grpc, details: fraiseql.message, metadata, errorCode: fraiseql.code };
}

/** Logs a failed call: 5xx-class codes as errors, the caller's mistakes as info. */
function logFailure(logger: Logger, rpc: string, error: unknown): void {
  const fraiseql = asFraiseqlError(error);
  const level = ERROR_CODES[fraiseql.code].http >= 500 ? 'error' : 'info';
  logger[level]({ rpc, code: fraiseql.code, err: error }, `${rpc} failed: ${fraiseql.message}`);
}

/** Where a failed call's status goes: a unary call's callback, or the stream itself. */
export type StatusTarget = sendUnaryData<never> | { readonly cancelled: boolean; emit(event: 'error', error: unknown): boolean };

/** A stream ended by its caller or by the cancel action: counted as such, not logged as a failure. */
export interface Cancellation {
  reason: 'client' | 'action';
}

export interface TrackedCall {
  succeeded(): void;
  /** The one way a call leaves with an error: logged (or counted as cancelled), timed with its code, sent as a status. */
  failed(target: StatusTarget, error: unknown, cancellation?: Cancellation): void;
}

/** Starts timing one call of `rpc`, whose outcome every RPC reports through the returned TrackedCall. */
export function trackCall(deps: Pick<FlightServiceDeps, 'logger' | 'metrics'>, rpc: string): TrackedCall {
  const done = deps.metrics.red.start(rpc);
  return {
    succeeded: () => done(),
    failed: (target, error, cancellation) => {
      if (cancellation) deps.metrics.cancelledStreams.inc({ reason: cancellation.reason });
      else logFailure(deps.logger, rpc, error);
      const e = toServiceError(error);
      // The outcome follows from the code (service-kit outcomeOf): a cancelled stream is the caller's doing, a client_error.
      done(e.errorCode);
      if (typeof target === 'function') target(e);
      // A cancelled stream has no one left to tell.
      else if (!target.cancelled) target.emit('error', e);
    },
  };
}
