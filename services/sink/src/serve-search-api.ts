import { serveNatsApi, type ServeNatsApiOptions } from '@fraiseql/nats-api';
import { SEARCH_API, type SearchApiHandlers, type SearchApiResults, type SearchStore } from '@fraiseql/search';
import { DEFAULT_SEARCH_PAGE } from '@fraiseql/search';
import type { NatsConnection, Subscription } from 'nats';

/**
 * The search API (`fraiseql.v1.search.*`, queue group `sink`): each search runs in the caller's org — taken from
 * the caller headers the gateway and executor set, never from the request body.
 */
export function serveSearchApi(nc: NatsConnection, store: SearchStore, options: ServeNatsApiOptions = {}): Subscription {
  const handlers: SearchApiHandlers = {
    events: async (request, caller) =>
      store.searchEvents({
        orgId: caller.orgId,
        query: request.query,
        first: request.first ?? DEFAULT_SEARCH_PAGE,
        ...(request.entityType === undefined ? {} : { entityType: request.entityType }),
        ...(request.eventType === undefined ? {} : { eventType: request.eventType }),
        ...(request.from === undefined ? {} : { from: request.from }),
        ...(request.to === undefined ? {} : { to: request.to }),
        ...(request.after === undefined ? {} : { after: request.after }),
      }),
    entities: async (request, caller) =>
      store.searchEntities({
        orgId: caller.orgId,
        query: request.query,
        first: request.first ?? DEFAULT_SEARCH_PAGE,
        ...(request.entityType === undefined ? {} : { entityType: request.entityType }),
        ...(request.after === undefined ? {} : { after: request.after }),
      }),
  };
  return serveNatsApi<typeof SEARCH_API, SearchApiResults>(nc, SEARCH_API, handlers, options);
}
