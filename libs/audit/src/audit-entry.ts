import { UnrecoverableError } from '@fraiseql/errors';
import type { EntityEvent, JsonObject } from '@fraiseql/events';
import { isUuid } from '@fraiseql/identity';
import { newAuditId } from './audit-id';

/** `entity_type` of every audit entry on the wire (the sink indexes it like any entity). */
export const AUDIT_ENTITY_TYPE = 'AuditEntry';

export const AUDIT_KINDS = ['admin_action', 'credential_failure', 'rate_limited', 'role_change'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];
export type AuditOutcome = 'ok' | 'refused';

/** Who acted: the caller's subject and roles (never its credentials). */
export interface AuditActor {
  subject: string | null;
  roles: readonly string[];
}

/** What a service records; `AuditLog` adds the id, the time and its own name. */
export interface AuditEntryInput {
  kind: AuditKind;
  /** SCREAMING_SNAKE: `CREATE_API_KEY`, `CREDENTIAL_REFUSED`, `RATE_LIMITED`, … */
  action: string;
  outcome: AuditOutcome;
  /** The org the action concerns; null when none is known (a credential refused before any org was read). */
  orgId: string | null;
  /** Null when nobody was identified. */
  actor: AuditActor | null;
  /** What was acted on: an id, a list of ids, a limiter name. */
  target?: string | null;
  ip?: string | null;
  requestId?: string | null;
  /** The error code of a refusal (docs/errors.md). */
  code?: string | null;
  /** Anything else worth keeping; secrets are removed before it leaves the process (see `scrubDetails`). */
  details?: JsonObject;
}

/** One audit entry, complete: what `data` of its EntityEvent holds, plus id, time and org. */
export interface AuditEntry {
  id: string;
  /** RFC 3339 UTC with six fractional digits, as EntityEvent timestamps. */
  at: string;
  orgId: string | null;
  kind: AuditKind;
  action: string;
  outcome: AuditOutcome;
  actor: { subject: string | null; roles: string[] } | null;
  target: string | null;
  source: string;
  ip: string | null;
  requestId: string | null;
  code: string | null;
  details: JsonObject;
}

const ACTION = /^[A-Z][A-Z0-9_]{0,99}$/;
const SECRET_KEY = /secret|token|password|passphrase|authorization|cookie|credential|private|^(api_?)?key$/i;
// An API key (`fqk_<id>_<secret>`), a JWT (three base64url parts, the first a JSON header) or an Authorization value.
const SECRET_TEXT = [/fqk_[0-9a-f]{16}_[A-Za-z0-9_-]+/g, /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, /\b(Bearer|Basic)\s+\S+/gi];
export const REDACTED = '[redacted]';

/** Completes an entry: a new id (UUID v7), the time, the source; details scrubbed of anything that looks secret. */
export function completeAuditEntry(input: AuditEntryInput, source: string, now: Date = new Date()): AuditEntry {
  if (!ACTION.test(input.action)) throw new TypeError(`An audit action is SCREAMING_SNAKE, got ${JSON.stringify(input.action)}`);
  return {
    id: newAuditId(now.getTime()),
    at: `${now.toISOString().slice(0, 23)}000Z`,
    orgId: input.orgId,
    kind: input.kind,
    action: input.action,
    outcome: input.outcome,
    actor: input.actor ? { subject: input.actor.subject, roles: [...input.actor.roles] } : null,
    target: input.target === undefined || input.target === null ? null : scrubText(input.target),
    source,
    ip: input.ip ?? null,
    requestId: input.requestId ?? null,
    code: input.code ?? null,
    details: scrubDetails(input.details ?? {}),
  };
}

/**
 * An entry in the EntityEvent envelope (ADR 0137): `seq` is the entry's time in epoch microseconds (the codec
 * requires seq ≥ 1 and audit entries are not change-log rows), `event_type` its action.
 */
export function toAuditEvent(entry: AuditEntry): EntityEvent {
  return {
    event_id: entry.id,
    seq: epochMicros(entry.at),
    event_type: entry.action,
    entity_type: AUDIT_ENTITY_TYPE,
    entity_id: entry.id,
    org_id: entry.orgId,
    user_id: entry.actor?.subject ?? null,
    timestamp: entry.at,
    data: {
      kind: entry.kind,
      action: entry.action,
      outcome: entry.outcome,
      actor: entry.actor,
      target: entry.target,
      source: entry.source,
      ip: entry.ip,
      requestId: entry.requestId,
      code: entry.code,
      details: entry.details,
    },
    before: null,
    changed_fields: [],
    schema_version: null,
  };
}

/** Reads an entry back from its event; anything that is not one is an UnrecoverableError (FRAISEQL_BAD_MESSAGE: dead-lettered). */
export function fromAuditEvent(event: EntityEvent): AuditEntry {
  const d = event.data;
  const refuse = (why: string): never => {
    throw new UnrecoverableError(`Not an audit entry: ${why}`, { code: 'FRAISEQL_BAD_MESSAGE', details: { eventId: event.event_id } });
  };
  if (event.entity_type !== AUDIT_ENTITY_TYPE) refuse(`entity_type is ${JSON.stringify(event.entity_type)}`);
  if (event.org_id !== null && !isUuid(event.org_id)) refuse('org_id is not a UUID');
  if (!AUDIT_KINDS.includes(d.kind as AuditKind)) refuse(`unknown kind ${JSON.stringify(d.kind)}`);
  if (typeof d.action !== 'string' || !ACTION.test(d.action)) refuse('action is not SCREAMING_SNAKE');
  if (d.outcome !== 'ok' && d.outcome !== 'refused') refuse(`unknown outcome ${JSON.stringify(d.outcome)}`);
  if (typeof d.source !== 'string' || d.source === '') refuse('source is missing');
  const text = (key: string): string | null => {
    const value = d[key];
    if (value === undefined || value === null) return null;
    return typeof value === 'string' ? value : refuse(`${key} is not a string`);
  };
  let actor: AuditEntry['actor'] = null;
  if (d.actor !== null && d.actor !== undefined) {
    const a = d.actor as JsonObject;
    const roles = a.roles;
    if (typeof a !== 'object' || !Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) refuse('actor.roles is not a list');
    if (a.subject !== null && typeof a.subject !== 'string') refuse('actor.subject is not a string');
    actor = { subject: a.subject as string | null, roles: roles as string[] };
  }
  const details = d.details ?? {};
  if (typeof details !== 'object' || details === null || Array.isArray(details)) refuse('details is not an object');
  return {
    id: event.event_id,
    at: event.timestamp,
    orgId: event.org_id,
    kind: d.kind as AuditKind,
    action: d.action as string,
    outcome: d.outcome as AuditOutcome,
    actor,
    target: text('target'),
    source: d.source as string,
    ip: text('ip'),
    requestId: text('requestId'),
    code: text('code'),
    details: details as JsonObject,
  };
}

/** Removes values under secret-sounding keys and secret-looking text anywhere in `details` (defence in depth: emitters pass none). */
export function scrubDetails(details: JsonObject): JsonObject {
  return scrub(details, 0) as JsonObject;
}

function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) out[key] = SECRET_KEY.test(key) ? REDACTED : scrub(item, depth + 1);
  return out;
}

function scrubText(text: string): string {
  return SECRET_TEXT.reduce((acc, pattern) => acc.replace(pattern, REDACTED), text);
}

function epochMicros(at: string): number {
  const micros = Number(at.slice(20, 26));
  return Math.floor(Date.parse(at) / 1000) * 1_000_000 + micros;
}
