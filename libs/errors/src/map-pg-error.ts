import { FraiseqlError } from './fraiseql-error';
import type { ErrorCode } from './codes';

/** Node socket errors that mean "PostgreSQL is not reachable", not "the statement is wrong". */
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

/** pg's and pg-pool's own messages when a pooled connection died under a query or the pool was ended (no SQLSTATE). */
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /not queryable/i,
  /timeout exceeded when trying to connect/i,
  /Client was closed/i,
  /Cannot use a pool after calling end/i,
];

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  FRAISEQL_DB_INVALID_INPUT: 'PostgreSQL rejected a value of this operation',
  FRAISEQL_TIMEOUT: 'The statement was cancelled: it ran longer than the statement timeout',
  FRAISEQL_DB_UNDEFINED_OBJECT: 'The database does not have an object the compiled schema needs (migrations and schema are out of step)',
  FRAISEQL_DB_PERMISSION_DENIED: 'PostgreSQL refused access',
  FRAISEQL_DB_CONSTRAINT_VIOLATION: 'A database constraint was violated',
  FRAISEQL_DB_SERIALIZATION_FAILURE: 'The transaction hit a serialization failure or deadlock; retry',
  FRAISEQL_DB_UNAVAILABLE: 'PostgreSQL is unavailable',
  FRAISEQL_DB_ERROR: 'The database failed to run this operation',
  FRAISEQL_INTERNAL: 'Internal error',
};

/** The stable code for a PostgreSQL SQLSTATE (or a node socket error code). */
export function pgErrorCode(sqlstate: string | undefined, message = ''): ErrorCode {
  // No SQLSTATE: a dead connection (pg's own messages), or not PostgreSQL's error at all.
  if (sqlstate === undefined) return CONNECTION_MESSAGES.some((re) => re.test(message)) ? 'FRAISEQL_DB_UNAVAILABLE' : 'FRAISEQL_INTERNAL';
  if (CONNECTION_ERRNOS.has(sqlstate)) return 'FRAISEQL_DB_UNAVAILABLE';
  switch (sqlstate) {
    case '22P02': // invalid_text_representation
    case '22007': // invalid_datetime_format
    case '22008': // datetime_field_overflow
    case '22003': // numeric_value_out_of_range
      return 'FRAISEQL_DB_INVALID_INPUT';
    case '57014': // query_canceled (statement_timeout)
      return 'FRAISEQL_TIMEOUT';
    case '42P01': // undefined_table
    case '42703': // undefined_column
    case '42883': // undefined_function
      return 'FRAISEQL_DB_UNDEFINED_OBJECT';
    case '42501': // insufficient_privilege
      return 'FRAISEQL_DB_PERMISSION_DENIED';
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
      return 'FRAISEQL_DB_SERIALIZATION_FAILURE';
    case '57P01': // admin_shutdown
    case '57P02': // crash_shutdown
    case '57P03': // cannot_connect_now
      return 'FRAISEQL_DB_UNAVAILABLE';
  }
  if (sqlstate.startsWith('23')) return 'FRAISEQL_DB_CONSTRAINT_VIOLATION';
  // 08: connection exceptions; 53: insufficient resources (too many connections, out of memory, disk full).
  if (sqlstate.startsWith('08') || sqlstate.startsWith('53')) return 'FRAISEQL_DB_UNAVAILABLE';
  return 'FRAISEQL_DB_ERROR';
}

/**
 * Turns whatever pg threw into a FraiseqlError whose message is safe for the client:
 * never the SQL text, the server's message, detail or hint (those go to the log through
 * `cause`), nor the SQLSTATE: the stable code is the contract, the rest is logged.
 */
export function mapPgError(error: unknown): FraiseqlError {
  if (error instanceof FraiseqlError) return error;
  const e = error as { code?: unknown; message?: unknown } | null;
  const sqlstate = typeof e?.code === 'string' ? e.code : undefined;
  const code = pgErrorCode(sqlstate, typeof e?.message === 'string' ? e.message : '');
  return new FraiseqlError(code, MESSAGES[code] ?? 'The database failed to run this operation', { cause: error });
}
