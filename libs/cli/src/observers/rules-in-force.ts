import { toFraiseqlError, type ErrorCode } from '@fraiseql/errors';
import { decodeObserverRuleEntry, KV_BUCKETS } from '@fraiseql/nats-contract';
import {
  validateAdminObserverRule,
  type ObserverEntityCatalog,
  type ObserverRule,
  type ObserverRuleOrigin,
  type ObserverRuleProblem,
} from '@fraiseql/observer-rules';
import { observerEntities, type CompiledSchema } from '@fraiseql/schema';
import type { NatsConnection } from 'nats';
import { bindKvBucket } from './bind-kv-bucket';

/** Why the observer-worker refuses an admin rule (it never fires). */
export interface RuleRefusal {
  code: ErrorCode;
  message: string;
  problems: ObserverRuleProblem[];
}

/** One rule as `fraiseql observers list` shows it. */
export interface ListedObserverRule {
  name: string;
  origin: ObserverRuleOrigin;
  /** null: every org (schema rules). */
  orgId: string | null;
  entityType: string | null;
  eventTypes: string[];
  enabled: boolean;
  actionTypes: string[];
  /** Admin rules: the FRAISEQL_OBSERVERS key, the row's version and the KV revision. */
  key?: string;
  version?: number;
  revision?: number;
  /** The validated rule; absent when refused. */
  rule?: ObserverRule;
  refused?: RuleRefusal;
}

export interface RulesInForce {
  rules: ListedObserverRule[];
  /** Whether FRAISEQL_OBSERVERS was read (false: schema rules only). */
  adminRulesRead: boolean;
}

export interface RulesInForceOptions {
  schema: CompiledSchema;
  /** Absent: the admin rules are not read. */
  nc?: NatsConnection;
  /** Only the rules that fire for this org's events (org-less schema rules included). */
  org?: string;
}

function listed(rule: ObserverRule, origin: ObserverRuleOrigin): ListedObserverRule {
  return {
    name: rule.name,
    origin,
    orgId: rule.orgId ?? null,
    entityType: rule.entityType,
    eventTypes: [...rule.eventTypes],
    enabled: rule.enabled !== false,
    actionTypes: rule.actions.map((a) => a.type),
    rule,
  };
}

/** What a refused entry's body says, as far as it can be read. */
function unvalidated(body: Record<string, unknown> | undefined): Pick<ListedObserverRule, 'entityType' | 'eventTypes' | 'actionTypes'> {
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const actions = Array.isArray(body?.actions) ? (body.actions as unknown[]) : [];
  return {
    entityType: typeof body?.entityType === 'string' ? body.entityType : null,
    eventTypes: strings(body?.eventTypes),
    actionTypes: actions.map((a) => (typeof (a as { type?: unknown } | null)?.type === 'string' ? (a as { type: string }).type : '?')),
  };
}

function refusal(error: unknown): RuleRefusal {
  const failure = toFraiseqlError(error);
  const problems = (failure.details?.problems as ObserverRuleProblem[] | undefined) ?? [];
  return { code: failure.code, message: failure.message, problems };
}

/** One FRAISEQL_OBSERVERS entry, validated as observer-worker does (ObserverRuleSet): decoded, then checked against the schema. */
function admitEntry(key: string, value: Uint8Array, revision: number, catalog: ObserverEntityCatalog): ListedObserverRule {
  let entry;
  try {
    entry = decodeObserverRuleEntry(value);
  } catch (error) {
    const [org, name] = key.split(/\.(.*)/s);
    return {
      name: name ?? key,
      origin: 'admin',
      orgId: org ?? null,
      enabled: false,
      key,
      revision,
      ...unvalidated(undefined),
      refused: refusal(error),
    };
  }
  const meta = { key, version: entry.version, revision };
  try {
    return { ...listed(validateAdminObserverRule(entry, catalog), 'admin'), ...meta };
  } catch (error) {
    return {
      name: entry.name,
      origin: 'admin',
      orgId: entry.orgId,
      enabled: entry.enabled,
      ...unvalidated(entry.rule),
      ...meta,
      refused: refusal(error),
    };
  }
}

/**
 * Every rule in force: the compiled schema's (validated by the compiler), then the admin rules of
 * FRAISEQL_OBSERVERS by key, each validated against `schema` — refused ones are kept, with why.
 */
export async function loadRulesInForce(options: RulesInForceOptions): Promise<RulesInForce> {
  const org = options.org?.toLowerCase();
  const rules = (options.schema.observers ?? []).map((rule) => listed(rule, 'schema'));
  const kv = options.nc ? await bindKvBucket(options.nc, KV_BUCKETS.observers) : undefined;
  if (kv) {
    const catalog = observerEntities(options.schema.types);
    const keys: string[] = [];
    for await (const key of await kv.keys()) keys.push(key);
    for (const key of keys.sort()) {
      const entry = await kv.get(key);
      if (entry?.operation === 'PUT') rules.push(admitEntry(key, entry.value, entry.revision, catalog));
    }
  }
  return { rules: rules.filter((r) => org === undefined || r.orgId === null || r.orgId === org), adminRulesRead: options.nc !== undefined };
}
