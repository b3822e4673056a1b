import { FraiseqlError } from '@fraiseql/errors';
import { NatsApiClient } from '@fraiseql/nats-api';
import { SEARCH_API_SURFACE } from '@fraiseql/schema';
import type { Caller } from '@fraiseql/identity';
import { SEARCH_API, type SearchApiResults } from '@fraiseql/search';
import type { NatsConnection } from 'nats';
import { compileEntityRedactor, entityReadDenials } from '@fraiseql/query-planner';
import type { CompiledSchema } from '@fraiseql/schema';
import type { NativeFieldRequest, NativeFieldResolvers } from '../native-fields';

interface Hit {
  entityType: string;
  data: Record<string, unknown> | null;
  highlights: string[];
}

/**
 * The read rules (docs/adr/0136-authorization-in-the-plan.md) on search hits, which carry whole documents: a hit of a
 * type the caller may not read is left out; in a hit of a type with fields it may not read, those fields are null and
 * the highlights are dropped (a fragment may come from a denied field). Without a schema, hits pass unchanged.
 */
function applyReadRules<T extends Hit>(hits: readonly T[], compiled: CompiledSchema | undefined, caller: Caller): T[] {
  if (!compiled) return [...hits];
  const out: T[] = [];
  const byType = new Map<string, { readable: boolean; redact: ((data: Record<string, unknown>) => Record<string, unknown>) | null }>();
  for (const hit of hits) {
    let rule = byType.get(hit.entityType);
    if (!rule) {
      const known = compiled.types.some((t) => t.name === hit.entityType);
      const denials = known ? entityReadDenials(compiled, hit.entityType, caller.roles) : [];
      rule = {
        readable: !denials.includes(hit.entityType),
        redact: known ? compileEntityRedactor(compiled, hit.entityType, caller.roles) : null,
      };
      byType.set(hit.entityType, rule);
    }
    if (!rule.readable) continue;
    out.push(rule.redact ? { ...hit, data: hit.data === null ? null : rule.redact(hit.data), highlights: [] } : hit);
  }
  return out;
}

/**
 * The resolvers of the search fields (`admin: { search: true }`, docs/search.md): each one is a search API request to
 * the sink on behalf of the caller, whose org (checked by the planner) scopes the search there. The sink validates
 * the request again and names a bad argument. The hits then pass the schema's read rules (`compiled`: the active schema).
 */
export function searchResolvers(
  nc: NatsConnection,
  options: { timeoutMs?: number; compiled?: () => CompiledSchema | undefined } = {},
): NativeFieldResolvers {
  const api = new NatsApiClient<typeof SEARCH_API, SearchApiResults>(nc, SEARCH_API, options);
  const { resolvers } = SEARCH_API_SURFACE;
  const caller = (request: NativeFieldRequest) => ({ ...request.caller, orgId: request.orgId });
  const strings = (args: Record<string, unknown>, names: readonly string[]): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const name of names) {
      const value = args[name];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string') throw new FraiseqlError('BAD_USER_INPUT', `${name} must be a string`, { details: { argument: name } });
      out[name] = value;
    }
    return out;
  };
  const first = (args: Record<string, unknown>): { first?: number } => {
    const value = args.first;
    if (value === undefined || value === null) return {};
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > SEARCH_API_SURFACE.maxPage)
      throw new FraiseqlError(
        'FRAISEQL_PAGE_TOO_LARGE',
        `first must be between 1 and ${SEARCH_API_SURFACE.maxPage}, got ${String(value)}`,
        {
          details: { argument: 'first' },
        },
      );
    return { first: value };
  };
  return {
    [resolvers.events]: async (request) => {
      const args = request.args;
      const page = await api.call(
        'events',
        {
          ...(strings(args, ['query', 'entityType', 'eventType', 'from', 'to', 'after']) as { query: string }),
          ...first(args),
        },
        caller(request),
      );
      const hits = applyReadRules(page.hits, options.compiled?.(), request.caller);
      return { ...page, hits: hits.map((hit) => ({ ...hit, seq: String(hit.seq) })) };
    },
    [resolvers.entities]: async (request) => {
      const args = request.args;
      const page = await api.call(
        'entities',
        { ...(strings(args, ['query', 'entityType', 'after']) as { query: string }), ...first(args) },
        caller(request),
      );
      const hits = applyReadRules(page.hits, options.compiled?.(), request.caller);
      return { ...page, hits: hits.map((hit) => ({ ...hit, seq: String(hit.seq) })) };
    },
  };
}
