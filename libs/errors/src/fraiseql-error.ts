import { ERROR_CODES, type ErrorCode, type GrpcStatusCode } from './codes';

export interface FraiseqlErrorOptions {
  cause?: unknown;
  /** Extra machine-readable detail, safe to show to the caller (no SQL, no secrets). */
  details?: Record<string, unknown>;
}

/** The base of every error the fleet raises on purpose: a stable code, a human message, a cause. */
export class FraiseqlError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: FraiseqlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FraiseqlError';
    this.code = code;
    this.details = options.details;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  get grpcStatus(): GrpcStatusCode {
    return ERROR_CODES[this.code].grpc;
  }

  /** The GraphQL error `extensions` for this error. */
  toExtensions(): Record<string, unknown> {
    return this.details ? { code: this.code, ...this.details } : { code: this.code };
  }

  /** A plain object that survives JSON (for NATS replies); `fromJSON` restores it. */
  toJSON(): SerializedError {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }

  static fromJSON(value: SerializedError): FraiseqlError {
    return new FraiseqlError(value.code, value.message, value.details ? { details: value.details } : {});
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** A failure the caller may retry after the given delay. */
export class RetryableError extends FraiseqlError {
  readonly retryAfterMs: number;
  constructor(code: ErrorCode, message: string, retryAfterMs: number, options: FraiseqlErrorOptions = {}) {
    super(code, message, options);
    this.name = 'RetryableError';
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * A failure that retrying cannot fix (BullMQ's UnrecoverableError): a consumer dead-letters the
 * message at once instead of scheduling another attempt. The code defaults to FRAISEQL_PERMANENT_FAILURE.
 */
export class UnrecoverableError extends FraiseqlError {
  constructor(message: string, options: FraiseqlErrorOptions & { code?: ErrorCode } = {}) {
    const { code = 'FRAISEQL_PERMANENT_FAILURE', ...rest } = options;
    super(code, message, rest);
    this.name = 'UnrecoverableError';
  }
}

/** Wraps anything thrown into a FraiseqlError, keeping codes already present. */
export function toFraiseqlError(error: unknown): FraiseqlError {
  if (error instanceof FraiseqlError) return error;
  return new FraiseqlError('FRAISEQL_INTERNAL', 'Internal error', { cause: error });
}
