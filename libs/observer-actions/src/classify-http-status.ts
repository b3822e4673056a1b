import { permanent, retryable, type ActionOutcome } from './action-outcome';
import { parseRetryAfter } from './parse-retry-after';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The start of the response body (bounded), for the reason. */
  bodyText: string;
  latencyMs: number;
}

/** Statuses outside 5xx that say "not now" rather than "never": Request Timeout, Too Early, Too Many Requests. */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/**
 * The classification table of docs (README, "Outcomes"): 2xx success; 408/425/429 and 5xx retryable
 * (with the receiver's `Retry-After`); 3xx (redirects are never followed) and every other 4xx permanent.
 */
export function classifyHttpStatus(answer: HttpAnswer, describe = defaultReason): ActionOutcome {
  const { status, latencyMs } = answer;
  if (status >= 200 && status < 300) return { kind: 'success', status, latencyMs };
  const reason = describe(answer);
  if (status >= 500 || RETRYABLE_4XX.has(status)) {
    const code = status === 429 ? 'FRAISEQL_ACTION_THROTTLED' : 'FRAISEQL_ACTION_RECEIVER_ERROR';
    return retryable(code, reason, latencyMs, { status, retryAfterMs: parseRetryAfter(answer.headers['retry-after']) });
  }
  return permanent('FRAISEQL_ACTION_REJECTED', reason, latencyMs, { status });
}

function defaultReason(answer: HttpAnswer): string {
  const body = answer.bodyText.trim().replace(/\s+/g, ' ').slice(0, 200);
  return `receiver answered HTTP ${answer.status}${body ? `: ${body}` : ''}`;
}
