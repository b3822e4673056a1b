import type { AuditActor, AuditEntryInput } from './audit-entry';

/** Codes of a refused credential (present but bad, or not allowed here) that are audited as `credential_failure`. */
const CREDENTIAL_CODES = new Set(['FRAISEQL_UNAUTHENTICATED', 'FRAISEQL_FORBIDDEN']);

/** Where a request came from, as the service that refused it saw it. */
export interface RequestOrigin {
  ip: string | null;
  requestId: string | null;
  /** `http`, `websocket`, `flight`. */
  transport: string;
  /** Which kind of credential was presented (`bearer`, `api_key`, `basic`, …; `details.scheme`); never its value. */
  credential: string | null;
}

/**
 * The entry of a refused credential (`CREDENTIAL_REFUSED`, org and actor null: nothing the credential claimed is trusted),
 * or null when `error` is not a credential refusal (an outage such as FRAISEQL_AUTH_UNAVAILABLE is not the caller's doing).
 */
export function credentialFailureEntry(error: unknown, origin: RequestOrigin): AuditEntryInput | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !CREDENTIAL_CODES.has(code)) return null;
  return {
    kind: 'credential_failure',
    action: 'CREDENTIAL_REFUSED',
    outcome: 'refused',
    orgId: null,
    actor: null,
    target: null,
    ip: origin.ip,
    requestId: origin.requestId,
    code,
    details: { transport: origin.transport, scheme: origin.credential },
  };
}

/** A rate-limit refusal as libs/rate-limits reports it (`onRateLimited`). */
export interface RateLimitRefusal {
  /** `address`, `principal`, `apiKey`, or a Flight bound. */
  limiter: string;
  /** What was counted: the address, `<org>:<subject>`, or the API key id. */
  key: string;
  caller: ({ orgId: string | null } & AuditActor) | null;
  retryAfterMs: number;
}

/** The entry of a rate-limit refusal (`RATE_LIMITED`): the caller's org and subject when it was known. */
export function rateLimitedEntry(refusal: RateLimitRefusal): AuditEntryInput {
  return {
    kind: 'rate_limited',
    action: 'RATE_LIMITED',
    outcome: 'refused',
    orgId: refusal.caller?.orgId ?? null,
    actor: refusal.caller && refusal.caller.subject !== null ? refusal.caller : null,
    target: refusal.limiter,
    ip: refusal.limiter === 'address' ? refusal.key : null,
    code: 'FRAISEQL_RATE_LIMITED',
    details: { limiter: refusal.limiter, retryAfterMs: refusal.retryAfterMs },
  };
}

/** Which credential a set of request headers carries (for `RequestOrigin.credential`), never its value. */
export function credentialKind(headers: Record<string, unknown>): string | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const scheme = /^\s*(\S+)/.exec(authorization)?.[1]?.toLowerCase();
    return scheme === 'bearer' ? (/^\s*\S+\s+fqk_/i.test(authorization) ? 'api_key' : 'bearer') : (scheme ?? 'authorization');
  }
  if (headers['x-api-key'] !== undefined) return 'api_key';
  return null;
}
