import { FraiseqlError } from '@fraiseql/errors';
import { isUuid } from '@fraiseql/identity';

/**
 * A run-time observer rule in the KV bucket FRAISEQL_OBSERVERS (query-executor → observer-worker):
 * key `<org_id>.<name>`, value this JSON envelope. The rule itself is libs/observer-rules' shape; the
 * worker validates it again before using it (never trusting the bus).
 */
export interface ObserverRuleEntry {
  /** The rule's row id in fraiseql.tb_observer: a rule deleted and created again under the same name has a new one. */
  id: string;
  orgId: string;
  name: string;
  /** 1 at creation, +1 at each update. */
  version: number;
  enabled: boolean;
  rule: Record<string, unknown>;
  /** RFC 3339. */
  updatedAt: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/** The KV key of a rule. */
export function observerRuleKey(orgId: string, name: string): string {
  if (!isUuid(orgId) || !NAME.test(name)) throw bad(`no KV key for org ${JSON.stringify(orgId)} and name ${JSON.stringify(name)}`);
  return `${orgId.toLowerCase()}.${name}`;
}

export function encodeObserverRuleEntry(entry: ObserverRuleEntry): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(entry));
}

/** Decodes and checks an entry; anything malformed is FRAISEQL_BAD_MESSAGE. */
export function decodeObserverRuleEntry(data: Uint8Array): ObserverRuleEntry {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(data));
  } catch {
    throw bad('the value is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('the value must be a JSON object');
  const e = value as Record<string, unknown>;
  if (!isUuid(e.id)) throw bad('"id" must be a UUID');
  if (!isUuid(e.orgId)) throw bad('"orgId" must be a UUID');
  if (typeof e.name !== 'string' || !NAME.test(e.name)) throw bad('"name" must be an identifier');
  if (!Number.isSafeInteger(e.version) || (e.version as number) < 1) throw bad('"version" must be a positive integer');
  if (typeof e.enabled !== 'boolean') throw bad('"enabled" must be a boolean');
  if (e.rule === null || typeof e.rule !== 'object' || Array.isArray(e.rule)) throw bad('"rule" must be a JSON object');
  if (typeof e.updatedAt !== 'string' || Number.isNaN(Date.parse(e.updatedAt))) throw bad('"updatedAt" must be an RFC 3339 time');
  return {
    id: e.id.toLowerCase(),
    orgId: e.orgId.toLowerCase(),
    name: e.name,
    version: e.version as number,
    enabled: e.enabled,
    rule: e.rule as Record<string, unknown>,
    updatedAt: e.updatedAt,
  };
}

function bad(reason: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Malformed observer rule entry: ${reason}`);
}
