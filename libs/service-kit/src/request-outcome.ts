import { ERROR_CODES, type ErrorCode } from '@fraiseql/errors';

/**
 * The one outcome vocabulary of every service's request metrics (the `outcome` label), derived
 * from the error code so that two services never disagree about the same failure:
 *
 * - `success`: no error;
 * - `client_error`: the caller's mistake (a 4xx code other than 429) — the caller must change the request;
 * - `overloaded`: refused to protect the service (429, FRAISEQL_OVERLOADED) — the caller may retry later;
 * - `timeout`: the deadline passed (FRAISEQL_TIMEOUT, 504);
 * - `server_error`: anything else of 5xx — ours to fix. Error-rate alerts watch `server_error` and `timeout`.
 */
export type RequestOutcome = 'success' | 'client_error' | 'overloaded' | 'timeout' | 'server_error';

export function outcomeOf(code: ErrorCode | undefined): RequestOutcome {
  if (code === undefined) return 'success';
  const http = ERROR_CODES[code].http;
  if (http === 429 || code === 'FRAISEQL_OVERLOADED') return 'overloaded';
  if (http === 504) return 'timeout';
  return http < 500 ? 'client_error' : 'server_error';
}
