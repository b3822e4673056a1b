export { ERROR_CODES, GrpcStatus, isErrorCode } from './codes';
export type { ErrorCode, ErrorCodeSpec, GrpcStatusCode } from './codes';
export { FraiseqlError, RetryableError, toFraiseqlError, UnrecoverableError } from './fraiseql-error';
export type { FraiseqlErrorOptions, SerializedError } from './fraiseql-error';
export { renderErrorCodeTable } from './render-error-table';
export { mapPgError, pgErrorCode } from './map-pg-error';
