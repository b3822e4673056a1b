import { defineNatsApi, type NatsApiHandlers } from '@fraiseql/nats-api';
import { QUEUE_GROUPS, SUBJECTS } from '@fraiseql/nats-contract';
import { z } from 'zod';
import { MAX_FILTER_LENGTH, MAX_PAGE_SIZE, MAX_QUERY_LENGTH } from './search-query-input';
import type { EntityHit, EventHit, SearchPage } from './search-store';

export const DEFAULT_SEARCH_PAGE = 20;

// Shapes only: the store checks the rest (a query with no letter or digit, a cursor of another search).
const words = z.string().trim().min(1, 'must hold at least one word').max(MAX_QUERY_LENGTH);
const name = z.string().min(1).max(MAX_FILTER_LENGTH);
const isoTime = z.string().datetime({ offset: true, message: 'must be an RFC 3339 date-time' });
const page = {
  first: z.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  after: z.string().min(1).max(1024).optional(),
};

/**
 * The search API: `fraiseql.v1.search.<operation>` (request/reply, queue group `sink`), over whichever store the sink
 * runs (Elasticsearch, or PostgreSQL full-text). The caller (from the caller headers) scopes every search to its org.
 */
export const SEARCH_API = defineNatsApi({
  name: 'search API',
  service: 'sink',
  subjectPrefix: SUBJECTS.searchApiPrefix,
  queueGroup: QUEUE_GROUPS.sink,
  requests: {
    events: z
      .object({
        query: words,
        entityType: name.optional(),
        eventType: name.optional(),
        from: isoTime.optional(),
        to: isoTime.optional(),
        ...page,
      })
      .strict(),
    entities: z.object({ query: words, entityType: name.optional(), ...page }).strict(),
  },
  unavailableCode: 'FRAISEQL_SINK_UNAVAILABLE',
});

export interface SearchApiResults {
  events: SearchPage<EventHit>;
  entities: SearchPage<EntityHit>;
}

export type SearchApiHandlers = NatsApiHandlers<typeof SEARCH_API, SearchApiResults>;
