import { FraiseqlError } from '@fraiseql/errors';
import { NatsApiClient } from '@fraiseql/nats-api';
import { SEARCH_API_SURFACE } from '@fraiseql/schema';
import { SEARCH_API, type SearchApiResults } from '@fraiseql/search';
import type { NatsConnection } from 'nats';
import type { NativeFieldRequest, NativeFieldResolvers } from '../native-fields';

/**
 * The resolvers of the search fields (`admin: { search: true }`, docs/search.md): each one is a search API request to
 * the sink on behalf of the caller, whose org (checked by the planner) scopes the search there. The sink validates
 * the request again and names a bad argument.
 */
export function searchResolvers(nc: NatsConnection, options: { timeoutMs?: number } = {}): NativeFieldResolvers {
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
      return { ...page, hits: page.hits.map((hit) => ({ ...hit, seq: String(hit.seq) })) };
    },
    [resolvers.entities]: async (request) => {
      const args = request.args;
      const page = await api.call(
        'entities',
        { ...(strings(args, ['query', 'entityType', 'after']) as { query: string }), ...first(args) },
        caller(request),
      );
      return { ...page, hits: page.hits.map((hit) => ({ ...hit, seq: String(hit.seq) })) };
    },
  };
}
