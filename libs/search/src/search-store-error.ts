import { FraiseqlError, mapPgError, pgErrorCode, RetryableError } from '@fraiseql/errors';

/** Socket errors pg reports with the errno as `code`: PostgreSQL is out of reach, not the statement wrong. */
const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);

/** pg and pg-pool messages without a SQLSTATE for a connection that died, timed out, or a pool already ended. */
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /not queryable/i,
  /timeout exceeded when trying to connect/i,
  /Client was closed/i,
  /Cannot use a pool after calling end/i,
];

/** Retry delays: a store that is down comes back in seconds; a lost serialization race may go again at once. */
const UNAVAILABLE_RETRY_MS = 1000;
const CONFLICT_RETRY_MS = 50;

/**
 * SQLSTATEs of failures that another attempt may not meet: connection (08), serialization failure and deadlock,
 * resources (53), shutdown (57P0x).
 */
export function isTransientSqlState(sqlstate: string): boolean {
  return (
    sqlstate.startsWith('08') || sqlstate === '40001' || sqlstate === '40P01' || sqlstate.startsWith('53') || /^57P0\d$/.test(sqlstate)
  );
}

/**
 * What a store operation throws: a `RetryableError` (FRAISEQL_DB_UNAVAILABLE or FRAISEQL_DB_SERIALIZATION_FAILURE)
 * when the store failed transiently, else the FraiseqlError of libs/errors' PostgreSQL mapping. Messages never
 * carry the server's text (it stays in `cause`).
 */
export function toSearchStoreError(error: unknown): FraiseqlError {
  if (error instanceof FraiseqlError) return error;
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : '';
  const unreachable =
    code === undefined ? CONNECTION_MESSAGES.some((re) => re.test(message)) : CONNECTION_ERRNOS.has(code) || isTransientSqlState(code);
  if (!unreachable) return mapPgError(error);
  if (code === '40001' || code === '40P01') {
    return new RetryableError(pgErrorCode(code), 'The search store hit a serialization failure or deadlock; retry', CONFLICT_RETRY_MS, {
      cause: error,
    });
  }
  return new RetryableError('FRAISEQL_DB_UNAVAILABLE', 'The PostgreSQL search store is unavailable; retry', UNAVAILABLE_RETRY_MS, {
    cause: error,
  });
}

/**
 * Data exceptions (22), constraint violations (23) and program limits (54: JSON nesting, tsvector or index row
 * too large): one event's fault, not the batch's.
 */
export function isPerEventSqlState(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23') || code.startsWith('54'));
}
