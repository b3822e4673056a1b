import { loadChdb } from '@fraiseql/testkit';
import { CLICKHOUSE_ERROR_CODES, classifyClickhouseError, clickhouseErrorCode } from '../src';

/** @clickhouse/client's ClickHouseError: the code as a numeric string, parsed from the response body. */
const clientError = (code: number, type: string): Error => Object.assign(new Error(`${type} happened`), { code: String(code), type });
/** chdb's errors: `clickhouseCode` when the native side gave one, else only the `Code: N.` of the message. */
const chdbError = (code: number | undefined, message: string): Error =>
  Object.assign(new Error(message), { code: 'CHDB_QUERY', ...(code !== undefined ? { clickhouseCode: code } : {}) });
const systemError = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:8123`), { code, errno: -111 });

describe('classifyClickhouseError', () => {
  it.each([
    ['TIMEOUT_EXCEEDED from the server', clientError(159, 'TIMEOUT_EXCEEDED'), 'transient', 'overload', 159],
    ['TOO_MANY_SIMULTANEOUS_QUERIES', clientError(202, 'TOO_MANY_SIMULTANEOUS_QUERIES'), 'transient', 'overload', 202],
    ['MEMORY_LIMIT_EXCEEDED', clientError(241, 'MEMORY_LIMIT_EXCEEDED'), 'transient', 'overload', 241],
    ['TOO_MANY_PARTS', clientError(252, 'TOO_MANY_PARTS'), 'transient', 'overload', 252],
    ['SOCKET_TIMEOUT', clientError(209, 'SOCKET_TIMEOUT'), 'transient', 'network', 209],
    ['NETWORK_ERROR', clientError(210, 'NETWORK_ERROR'), 'transient', 'network', 210],
    ['SYSTEM_ERROR', clientError(425, 'SYSTEM_ERROR'), 'transient', 'server', 425],
    ['KEEPER_EXCEPTION', clientError(999, 'KEEPER_EXCEPTION'), 'transient', 'server', 999],
    ['UNEXPECTED_END_OF_FILE', clientError(3, 'UNEXPECTED_END_OF_FILE'), 'transient', 'network', 3],
    ['CANNOT_PARSE_INPUT_ASSERTION_FAILED', clientError(27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'), 'permanent', 'data', 27],
    ['CANNOT_PARSE_QUOTED_STRING', clientError(26, 'CANNOT_PARSE_QUOTED_STRING'), 'permanent', 'data', 26],
    ['TYPE_MISMATCH', clientError(53, 'TYPE_MISMATCH'), 'permanent', 'data', 53],
    ['INCORRECT_DATA', clientError(117, 'INCORRECT_DATA'), 'permanent', 'data', 117],
    ['UNKNOWN_TABLE', clientError(60, 'UNKNOWN_TABLE'), 'permanent', 'statement', 60],
    ['SYNTAX_ERROR', clientError(62, 'SYNTAX_ERROR'), 'permanent', 'statement', 62],
    ['NO_SUCH_COLUMN_IN_TABLE', clientError(16, 'NO_SUCH_COLUMN_IN_TABLE'), 'permanent', 'statement', 16],
    ['ACCESS_DENIED', clientError(497, 'ACCESS_DENIED'), 'permanent', 'access', 497],
    ['AUTHENTICATION_FAILED', clientError(516, 'AUTHENTICATION_FAILED'), 'permanent', 'access', 516],
    [
      'chdb with clickhouseCode',
      chdbError(252, 'Code: 252. DB::Exception: Too many parts. (TOO_MANY_PARTS)'),
      'transient',
      'overload',
      252,
    ],
    [
      'chdb with the code in its message only',
      chdbError(undefined, 'Query failed: Code: 62. DB::Exception: Syntax error'),
      'permanent',
      'statement',
      62,
    ],
    [
      'a response header',
      Object.assign(new Error('boom'), { headers: { 'x-clickhouse-exception-code': '241' } }),
      'transient',
      'overload',
      241,
    ],
    [
      'a wrapped cause',
      new Error('insert failed', { cause: clientError(27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED') }),
      'permanent',
      'data',
      27,
    ],
    ['a code missing from the table', clientError(4242, 'SOMETHING_NEW'), 'transient', 'unknown', 4242],
  ])('%s', (_, error, kind, category, code) => {
    expect(classifyClickhouseError(error)).toMatchObject({ kind, category, code });
  });

  it.each([
    ['connection refused', systemError('ECONNREFUSED'), 'ECONNREFUSED'],
    ['connection reset', systemError('ECONNRESET'), 'ECONNRESET'],
    ['no route', systemError('EHOSTUNREACH'), 'EHOSTUNREACH'],
    ['every address refused (AggregateError)', Object.assign(new AggregateError([systemError('ECONNREFUSED')], 'x'), {}), 'ECONNREFUSED'],
  ])('treats %s, which carries no ClickHouse code, as a transient network failure', (_, error, name) => {
    expect(classifyClickhouseError(error)).toEqual({ kind: 'transient', category: 'network', name });
  });

  it('treats a failure with no code at all (the client timeout, an abort) as transient, and an unbindable chdb parameter as permanent', () => {
    expect(classifyClickhouseError(new Error('Timeout error.'))).toEqual({ kind: 'transient', category: 'unknown' });
    expect(classifyClickhouseError(Object.assign(new Error('bad param'), { code: 'CHDB_BIND' }))).toEqual({
      kind: 'permanent',
      category: 'statement',
      name: 'CHDB_BIND',
    });
    expect(classifyClickhouseError('a string')).toEqual({ kind: 'transient', category: 'unknown' });
  });

  it('reads the code from where each transport puts it and never from other text', () => {
    expect(clickhouseErrorCode(new Error('Code: 60. DB::Exception: Unknown table'))).toBe(60);
    expect(clickhouseErrorCode(new Error('the table has 60 columns'))).toBeUndefined();
    expect(clickhouseErrorCode(systemError('ECONNREFUSED'))).toBeUndefined();
  });

  it('names every code as the engine does (errorCodeToName)', () => {
    const codes = Object.keys(CLICKHOUSE_ERROR_CODES).map(Number);
    const engine = loadChdb().query(
      `SELECT number, errorCodeToName(number) FROM numbers(2000) WHERE number IN (${codes.join(', ')})`,
      'TSV',
    );
    const names = Object.fromEntries(
      engine
        .trim()
        .split('\n')
        .map((line) => line.split('\t'))
        .map(([code, name]) => [code, name]),
    );
    for (const code of codes) expect(`${code} ${names[code]}`).toBe(`${code} ${CLICKHOUSE_ERROR_CODES[code]!.name}`);
  });
});
