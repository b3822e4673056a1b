/** `transient`: the same request may succeed later (retry with backoff). `permanent`: it never will as sent. */
export type ClickhouseErrorKind = 'transient' | 'permanent';

/**
 * Why, as far as the code tells:
 * - network, overload, server: ClickHouse was unreachable, busy or unwell (transient);
 * - data: the rows sent cannot be parsed or stored (permanent: find the bad rows, dead-letter them);
 * - statement: the SQL does not fit the tables (permanent: a bug, or migrations out of step);
 * - access: the credentials or grants refuse it (permanent until an operator fixes them);
 * - unknown: a code not in the table, or no code and no network error (treated as transient).
 */
export type ClickhouseErrorCategory = 'network' | 'overload' | 'server' | 'data' | 'statement' | 'access' | 'unknown';

export interface ClickhouseErrorClass {
  kind: ClickhouseErrorKind;
  category: ClickhouseErrorCategory;
  /** The ClickHouse error code, when the error carries one. */
  code?: number;
  /** Its name (`TOO_MANY_PARTS`) when the code is in CLICKHOUSE_ERROR_CODES, or the system error (`ECONNREFUSED`). */
  name?: string;
}

interface CodeSpec {
  name: string;
  kind: ClickhouseErrorKind;
  category: Exclude<ClickhouseErrorCategory, 'unknown'>;
}

const t = (name: string, category: 'network' | 'overload' | 'server'): CodeSpec => ({ name, kind: 'transient', category });
const p = (name: string, category: 'data' | 'statement' | 'access'): CodeSpec => ({ name, kind: 'permanent', category });

/**
 * ClickHouse error codes (src/Common/ErrorCodes.cpp; a test checks every name against the engine's
 * errorCodeToName). A code not listed is transient: retrying an unknown failure costs time, and the consumer's
 * max deliveries still end in the DLQ; dead-lettering a batch that a retry would have stored costs a replay.
 */
export const CLICKHOUSE_ERROR_CODES: Readonly<Record<number, CodeSpec>> = {
  // The connection broke mid-request.
  3: t('UNEXPECTED_END_OF_FILE', 'network'),
  23: t('CANNOT_READ_FROM_ISTREAM', 'network'),
  24: t('CANNOT_WRITE_TO_OSTREAM', 'network'),
  32: t('ATTEMPT_TO_READ_AFTER_EOF', 'network'),
  209: t('SOCKET_TIMEOUT', 'network'),
  210: t('NETWORK_ERROR', 'network'),
  279: t('ALL_CONNECTION_TRIES_FAILED', 'network'),
  1000: t('POCO_EXCEPTION', 'network'),
  // Too busy: back off.
  159: t('TIMEOUT_EXCEEDED', 'overload'),
  160: t('TOO_SLOW', 'overload'),
  173: t('CANNOT_ALLOCATE_MEMORY', 'overload'),
  201: t('QUOTA_EXCEEDED', 'overload'),
  202: t('TOO_MANY_SIMULTANEOUS_QUERIES', 'overload'),
  203: t('NO_FREE_CONNECTION', 'overload'),
  241: t('MEMORY_LIMIT_EXCEEDED', 'overload'),
  252: t('TOO_MANY_PARTS', 'overload'),
  439: t('CANNOT_SCHEDULE_TASK', 'overload'),
  // The server or its cluster is unwell, restarting or being reconfigured.
  218: t('TABLE_IS_DROPPED', 'server'),
  225: t('NO_ZOOKEEPER', 'server'),
  236: t('ABORTED', 'server'),
  242: t('TABLE_IS_READ_ONLY', 'server'),
  243: t('NOT_ENOUGH_SPACE', 'server'),
  244: t('UNEXPECTED_ZOOKEEPER_ERROR', 'server'),
  285: t('TOO_FEW_LIVE_REPLICAS', 'server'),
  286: t('UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE', 'server'),
  319: t('UNKNOWN_STATUS_OF_INSERT', 'server'),
  373: t('SESSION_IS_LOCKED', 'server'),
  394: t('QUERY_WAS_CANCELLED', 'server'),
  425: t('SYSTEM_ERROR', 'server'),
  733: t('TABLE_IS_BEING_RESTARTED', 'server'),
  999: t('KEEPER_EXCEPTION', 'server'),
  // The rows cannot be parsed or stored.
  6: p('CANNOT_PARSE_TEXT', 'data'),
  25: p('CANNOT_PARSE_ESCAPE_SEQUENCE', 'data'),
  26: p('CANNOT_PARSE_QUOTED_STRING', 'data'),
  27: p('CANNOT_PARSE_INPUT_ASSERTION_FAILED', 'data'),
  33: p('CANNOT_READ_ALL_DATA', 'data'),
  38: p('CANNOT_PARSE_DATE', 'data'),
  41: p('CANNOT_PARSE_DATETIME', 'data'),
  53: p('TYPE_MISMATCH', 'data'),
  69: p('ARGUMENT_OUT_OF_BOUND', 'data'),
  70: p('CANNOT_CONVERT_TYPE', 'data'),
  72: p('CANNOT_PARSE_NUMBER', 'data'),
  108: p('NO_DATA_TO_INSERT', 'data'),
  117: p('INCORRECT_DATA', 'data'),
  130: p('CANNOT_READ_ARRAY_FROM_TEXT', 'data'),
  131: p('TOO_LARGE_STRING_SIZE', 'data'),
  349: p('CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN', 'data'),
  728: p('UNEXPECTED_DATA_TYPE', 'data'),
  // The statement does not fit the schema.
  8: p('THERE_IS_NO_COLUMN', 'statement'),
  10: p('NOT_FOUND_COLUMN_IN_BLOCK', 'statement'),
  16: p('NO_SUCH_COLUMN_IN_TABLE', 'statement'),
  20: p('NUMBER_OF_COLUMNS_DOESNT_MATCH', 'statement'),
  36: p('BAD_ARGUMENTS', 'statement'),
  43: p('ILLEGAL_TYPE_OF_ARGUMENT', 'statement'),
  44: p('ILLEGAL_COLUMN', 'statement'),
  46: p('UNKNOWN_FUNCTION', 'statement'),
  47: p('UNKNOWN_IDENTIFIER', 'statement'),
  48: p('NOT_IMPLEMENTED', 'statement'),
  57: p('TABLE_ALREADY_EXISTS', 'statement'),
  60: p('UNKNOWN_TABLE', 'statement'),
  62: p('SYNTAX_ERROR', 'statement'),
  73: p('UNKNOWN_FORMAT', 'statement'),
  80: p('INCORRECT_QUERY', 'statement'),
  81: p('UNKNOWN_DATABASE', 'statement'),
  115: p('UNKNOWN_SETTING', 'statement'),
  122: p('INCOMPATIBLE_COLUMNS', 'statement'),
  352: p('AMBIGUOUS_COLUMN_NAME', 'statement'),
  456: p('UNKNOWN_QUERY_PARAMETER', 'statement'),
  // Credentials and grants.
  164: p('READONLY', 'access'),
  192: p('UNKNOWN_USER', 'access'),
  194: p('REQUIRED_PASSWORD', 'access'),
  195: p('IP_ADDRESS_NOT_ALLOWED', 'access'),
  497: p('ACCESS_DENIED', 'access'),
  516: p('AUTHENTICATION_FAILED', 'access'),
};

/** Node and undici system errors that mean "no answer from the server": always transient. */
const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** chdb's own error codes that are not ClickHouse's: a parameter it could not bind is the caller's mistake. */
const CHDB_PERMANENT = new Set(['CHDB_BIND']);

const CODE_IN_MESSAGE = /\bCode:\s*(\d+)\./;
const EXCEPTION_CODE_HEADER = 'x-clickhouse-exception-code';

/**
 * The ClickHouse error code an error carries, wherever the transport put it: chdb's `clickhouseCode`,
 * @clickhouse/client's `code` (a numeric string), an `X-ClickHouse-Exception-Code` response header, or the
 * `Code: NNN.` that opens every ClickHouse exception text. Follows `cause` chains.
 */
export function clickhouseErrorCode(error: unknown): number | undefined {
  for (let current = error, depth = 0; isObject(current) && depth < 8; current = current.cause, depth++) {
    const own = current.clickhouseCode;
    if (typeof own === 'number' && Number.isInteger(own)) return own;
    const code = current.code;
    if (typeof code === 'number' && Number.isInteger(code)) return code;
    if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
    const headers = current.headers;
    if (isObject(headers)) {
      const header = headers[EXCEPTION_CODE_HEADER];
      if (typeof header === 'string' && /^\d+$/.test(header)) return Number(header);
    }
    const message = current.message;
    if (typeof message === 'string') {
      const match = CODE_IN_MESSAGE.exec(message);
      if (match) return Number(match[1]);
    }
  }
  return undefined;
}

/**
 * Transient or permanent, by the ClickHouse error code (CLICKHOUSE_ERROR_CODES), never by message text beyond
 * reading that code. Without a code: a system error meaning the server did not answer (connection refused or
 * reset, timeouts, DNS) is transient, and so is anything else, since ClickHouse itself always sends a code.
 */
export function classifyClickhouseError(error: unknown): ClickhouseErrorClass {
  const code = clickhouseErrorCode(error);
  if (code !== undefined) {
    const spec = CLICKHOUSE_ERROR_CODES[code];
    return spec ? { kind: spec.kind, category: spec.category, code, name: spec.name } : { kind: 'transient', category: 'unknown', code };
  }
  const system = systemErrorCode(error);
  if (system !== undefined && NETWORK_ERRORS.has(system)) return { kind: 'transient', category: 'network', name: system };
  if (system !== undefined && CHDB_PERMANENT.has(system)) return { kind: 'permanent', category: 'statement', name: system };
  return { kind: 'transient', category: 'unknown', ...(system !== undefined ? { name: system } : {}) };
}

/** A string `code` (ECONNREFUSED, CHDB_BIND) on the error, its causes, or the errors of an AggregateError. */
function systemErrorCode(error: unknown, depth = 0): string | undefined {
  if (!isObject(error) || depth > 8) return undefined;
  if (typeof error.code === 'string' && error.code !== '') return error.code;
  if (Array.isArray(error.errors)) {
    for (const inner of error.errors) {
      const code = systemErrorCode(inner, depth + 1);
      if (code !== undefined) return code;
    }
  }
  return systemErrorCode(error.cause, depth + 1);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
