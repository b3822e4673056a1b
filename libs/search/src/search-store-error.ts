import { FraiseqlError, mapPgError, pgErrorCode, RetryableError } from '@fraiseql/errors';

/** Retry delays: a store that is down comes back in seconds; a lost serialization race may go again at once. */
const UNAVAILABLE_RETRY_MS = 1000;
const CONFLICT_RETRY_MS = 50;

/**
 * SQLSTATEs (or socket errnos) of failures another attempt may not meet — libs/errors' mapping says the database is
 * unavailable (08, 53, 57P01–03, a dead socket) or lost a serialization race (40001, 40P01).
 */
export function isTransientSqlState(sqlstate: string): boolean {
  const code = pgErrorCode(sqlstate);
  return code === 'FRAISEQL_DB_UNAVAILABLE' || code === 'FRAISEQL_DB_SERIALIZATION_FAILURE';
}

/**
 * What a store operation throws: libs/errors' PostgreSQL mapping, as a `RetryableError` when it says the store
 * failed transiently (FRAISEQL_DB_UNAVAILABLE, FRAISEQL_DB_SERIALIZATION_FAILURE). Messages never carry the server's
 * text (it stays in `cause`).
 */
export function toSearchStoreError(error: unknown): FraiseqlError {
  const mapped = mapPgError(error);
  if (mapped instanceof RetryableError) return mapped;
  if (mapped.code === 'FRAISEQL_DB_SERIALIZATION_FAILURE')
    return new RetryableError(mapped.code, 'The search store hit a serialization failure or deadlock; retry', CONFLICT_RETRY_MS, {
      cause: error,
    });
  if (mapped.code === 'FRAISEQL_DB_UNAVAILABLE')
    return new RetryableError(mapped.code, 'The PostgreSQL search store is unavailable; retry', UNAVAILABLE_RETRY_MS, { cause: error });
  return mapped;
}

/**
 * Data exceptions (22), constraint violations (23) and program limits (54: JSON nesting, tsvector or index row
 * too large): one event's fault, not the batch's.
 */
export function isPerEventSqlState(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23') || code.startsWith('54'));
}
