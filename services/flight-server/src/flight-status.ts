import { Metadata, type sendUnaryData } from '@grpc/grpc-js';
import { ERROR_CODES, FraiseqlError, mapPgError, RetryableError, type ErrorCode } from '@fraiseql/errors';
import { ERROR_CODE_TRAILER } from '@fraiseql/flight';
import { GraphqlRequestError } from '@fraiseql/query-planner';
import { startServerSpan, type Logger, type ServerSpan, type TraceCarrier } from '@fraiseql/service-kit';
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
  /** The call's SERVER span (continued from the caller's `traceparent` metadata): attributes and child spans go here. */
  span: ServerSpan;
  succeeded(): void;
  /** The one way a call leaves with an error: logged (or counted as cancelled), timed with its code, sent as a status. */
  failed(target: StatusTarget, error: unknown, cancellation?: Cancellation): void;
}

/** The Flight service's full name: the `rpc.service` of every span and the prefix of its name. */
const FLIGHT_SERVICE = 'arrow.flight.protocol.FlightService';

/**
 * Starts timing and tracing one call of `rpc`, whose outcome every RPC reports through the
 * returned TrackedCall; `metadata` is the call's, read for the W3C trace context.
 */
export function trackCall(deps: Pick<FlightServiceDeps, 'logger' | 'metrics'>, rpc: string, metadata?: Metadata): TrackedCall {
  const done = deps.metrics.red.start(rpc);
  const span = startServerSpan('@fraiseql/flight-server', `${FLIGHT_SERVICE}/${rpc}`, metadata && traceCarrier(metadata), {
    'rpc.system': 'grpc',
    'rpc.service': FLIGHT_SERVICE,
    'rpc.method': rpc,
  });
  return {
    span,
    succeeded: () => {
      done();
      span.span.setAttribute('rpc.grpc.status_code', 0);
      span.end();
    },
    failed: (target, error, cancellation) => {
      if (cancellation) deps.metrics.cancelledStreams.inc({ reason: cancellation.reason });
      else logFailure(deps.logger, rpc, error);
      const e = toServiceError(error);
      // The outcome follows from the code (service-kit outcomeOf): a cancelled stream is the caller's doing, a client_error.
      done(e.errorCode);
      span.span.setAttribute('rpc.grpc.status_code', e.code);
      span.end(e.errorCode);
      if (typeof target === 'function') target(e);
      // A cancelled stream has no one left to tell.
      else if (!target.cancelled) target.emit('error', e);
    },
  };
}

/** The trace headers of gRPC metadata (text values only; binary `-bin` keys carry no trace context). */
function traceCarrier(metadata: Metadata): TraceCarrier {
  const carrier: TraceCarrier = {};
  for (const key of ['traceparent', 'tracestate']) {
    const values = metadata.get(key).filter((v): v is string => typeof v === 'string');
    if (values.length > 0) carrier[key] = values.length === 1 ? values[0] : values;
  }
  return carrier;
}
