import { FraiseqlError, type ErrorCode } from '@fraiseql/errors';
import { normalizeUuid } from './uuid';

/**
 * Who is asking (docs/architecture.md, "The caller"): the one shape every path uses, from the HTTP headers
 * or the Flight metadata that authenticated it, through the NATS headers and the planner, into
 * Flight tickets and the PostgreSQL request settings (docs/architecture.md, "The caller").
 */
export interface Caller {
  /** The authenticated subject (JWT `sub`); null for an anonymous caller. */
  readonly subject: string | null;
  /** The caller's organization, a lower-case UUID; null outside any organization. */
  readonly orgId: string | null;
  /** Simple tokens (see ROLE_PATTERN), never empty strings. */
  readonly roles: readonly string[];
}

/** A caller with a subject: what Flight calls and tickets require. */
export interface AuthenticatedCaller extends Caller {
  readonly subject: string;
}

export const ANONYMOUS_CALLER: Caller = Object.freeze({ subject: null, orgId: null, roles: Object.freeze([]) as readonly string[] });

/** A role travels in a comma-separated header and SQL setting: simple tokens keep both unambiguous. */
const ROLE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const MAX_ROLES = 64;
const MAX_SUBJECT_LENGTH = 256;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A caller's parts as a credential or a header carried them, not yet trusted. */
export interface CallerInput {
  subject?: unknown;
  orgId?: unknown;
  roles?: unknown;
}

/**
 * The one validation of a caller, whatever carried it (JWT claims, development headers, NATS
 * headers, a Flight session token). Absent parts (undefined or null) are absent; anything else
 * malformed is refused with `code` — FRAISEQL_UNAUTHENTICATED for a credential, FRAISEQL_BAD_MESSAGE
 * for a message between services. The org id comes out lower-case.
 */
export function toCaller(input: CallerInput, code: ErrorCode): Caller {
  const refuse = (message: string): never => {
    throw new FraiseqlError(code, message);
  };
  const { subject, orgId, roles } = input;
  let checkedSubject: string | null = null;
  if (subject !== undefined && subject !== null) {
    if (typeof subject !== 'string' || subject === '' || subject !== subject.trim())
      refuse("The caller's subject must be a non-empty string without surrounding whitespace");
    const text = subject as string;
    if (text.length > MAX_SUBJECT_LENGTH) refuse(`The caller's subject is longer than ${MAX_SUBJECT_LENGTH} characters`);
    if (CONTROL.test(text)) refuse("The caller's subject contains a control character");
    checkedSubject = text;
  }
  let checkedOrg: string | null = null;
  if (orgId !== undefined && orgId !== null) {
    checkedOrg = normalizeUuid(orgId);
    if (checkedOrg === null) refuse(`The caller's org id is not a UUID: ${JSON.stringify(String(orgId).slice(0, 64))}`);
  }
  let checkedRoles: readonly string[] = [];
  if (roles !== undefined && roles !== null) {
    if (!Array.isArray(roles) || roles.length > MAX_ROLES) refuse(`The caller's roles must be a list of at most ${MAX_ROLES} names`);
    for (const role of roles as unknown[]) {
      if (typeof role !== 'string' || !ROLE_PATTERN.test(role))
        refuse(`The caller's roles must be simple names ([A-Za-z0-9_.:-], at most 128 characters): ${JSON.stringify(role)} is not`);
    }
    checkedRoles = roles as string[];
  }
  return { subject: checkedSubject, orgId: checkedOrg, roles: checkedRoles };
}

/**
 * The org of a caller reading or writing tenant data, or the refusal — the same on every path
 * (GraphQL planner, Flight datasets, uploads, actions, event history): a caller with no
 * credentials is FRAISEQL_UNAUTHENTICATED (credentials would help); an authenticated caller
 * outside any organization is FRAISEQL_FORBIDDEN (no credential of theirs will).
 */
export function requireOrg(caller: Caller, what: string): string {
  // Re-checked here, not trusted: a caller built by hand (a test, a future path) must not reach SQL with a malformed org.
  const orgId = normalizeUuid(caller.orgId);
  if (orgId !== null) return orgId;
  if (caller.subject === null)
    throw new FraiseqlError('FRAISEQL_UNAUTHENTICATED', `${what} is per organization: send credentials that name one.`);
  throw new FraiseqlError('FRAISEQL_FORBIDDEN', `${what} is per organization: the caller belongs to none.`);
}
