import type { estypes } from '@elastic/elasticsearch';
import { FraiseqlError } from '@fraiseql/errors';
import type { SearchEntitiesQuery, SearchEventsQuery } from '@fraiseql/search';
import type { CursorShape } from './search-cursor';
import { NO_ORG } from './search-documents';

export const MAX_PAGE_SIZE = 100;
const MAX_QUERY_CHARS = 1_000;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** The `_source` fields a hit needs (not `search_text` or `before`: they would only cost bandwidth). */
export const EVENT_SOURCE = ['event_id', 'seq', 'event_type', 'entity_type', 'entity_id', '@timestamp', 'data'];
export const ENTITY_SOURCE = ['entity_type', 'entity_id', 'seq', 'updated_at', 'data', 'deleted'];

/**
 * Best match first, then a unique tiebreak so that `search_after` never skips or repeats a hit: events newest first
 * (event ids are UUID v7, time-ordered); entities most recently changed first, then by type and id (unique in an org).
 */
const EVENT_SORT: estypes.SortCombinations[] = [{ _score: { order: 'desc' } }, { event_id: { order: 'desc' } }];
export const EVENT_CURSOR_SHAPE: CursorShape = ['number', 'string'];
const ENTITY_SORT: estypes.SortCombinations[] = [
  { _score: { order: 'desc' } },
  { seq: { order: 'desc' } },
  { entity_type: { order: 'asc' } },
  { entity_id: { order: 'asc' } },
];
export const ENTITY_CURSOR_SHAPE: CursorShape = ['number', 'number', 'string', 'string'];

/**
 * `_search` of the events data stream. The org is always a `term` filter built from `orgId` (the caller's, never the
 * words); the words are a `simple_query_string` restricted to words, "phrases" and -exclusions.
 */
export function searchEventsRequest(query: SearchEventsQuery, searchAfter: unknown[] | undefined): estypes.SearchRequest {
  const filter = baseFilters(query);
  if (query.eventType !== undefined) filter.push({ term: { event_type: query.eventType } });
  const from = query.from === undefined ? undefined : timestamp(query.from, 'from');
  const to = query.to === undefined ? undefined : timestamp(query.to, 'to');
  if (from !== undefined || to !== undefined) {
    filter.push({
      range: {
        '@timestamp': {
          ...(from !== undefined ? { gte: from } : {}),
          ...(to !== undefined ? { lt: to } : {}),
          format: 'strict_date_optional_time_nanos',
        },
      },
    });
  }
  return request(query, filter, EVENT_SORT, EVENT_SOURCE, searchAfter);
}

export function searchEntitiesRequest(query: SearchEntitiesQuery, searchAfter: unknown[] | undefined): estypes.SearchRequest {
  return request(query, baseFilters(query), ENTITY_SORT, ENTITY_SOURCE, searchAfter);
}

/** What makes two searches the same search, for cursors (everything but the page size and position). */
export function searchIdentity(kind: 'events' | 'entities', query: SearchEventsQuery): unknown[] {
  return [kind, query.orgId, query.query, query.entityType ?? null, query.eventType ?? null, query.from ?? null, query.to ?? null];
}

/** Checks what the caller controls before any request is made. */
export function checkSearchQuery(query: SearchEventsQuery): void {
  const bad = (argument: string, why: string): FraiseqlError =>
    new FraiseqlError('BAD_USER_INPUT', `Argument "${argument}" ${why}`, { details: { argument } });
  if (!Number.isInteger(query.first) || query.first < 1) throw bad('first', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  if (query.first > MAX_PAGE_SIZE) {
    throw new FraiseqlError('FRAISEQL_PAGE_TOO_LARGE', `Argument "first" must be at most ${MAX_PAGE_SIZE}`, {
      details: { argument: 'first', maximum: MAX_PAGE_SIZE },
    });
  }
  if (typeof query.query !== 'string') throw bad('query', 'must be a string');
  if (query.query.length > MAX_QUERY_CHARS) throw bad('query', `must be at most ${MAX_QUERY_CHARS} characters`);
  if (query.orgId !== null && typeof query.orgId !== 'string')
    throw new FraiseqlError('FRAISEQL_INTERNAL', 'orgId must be a string or null');
}

function baseFilters(query: SearchEntitiesQuery): estypes.QueryDslQueryContainer[] {
  const filter: estypes.QueryDslQueryContainer[] = [{ term: { org_id: query.orgId ?? NO_ORG } }];
  if (query.entityType !== undefined) filter.push({ term: { entity_type: query.entityType } });
  return filter;
}

function request(
  query: SearchEntitiesQuery,
  filter: estypes.QueryDslQueryContainer[],
  sort: estypes.SortCombinations[],
  source: string[],
  searchAfter: unknown[] | undefined,
): estypes.SearchRequest {
  const words = query.query.trim();
  return {
    size: query.first + 1,
    track_total_hits: false,
    query: {
      bool: {
        filter,
        ...(words === ''
          ? {}
          : {
              must: [
                {
                  simple_query_string: {
                    query: words,
                    fields: ['search_text'],
                    default_operator: 'and',
                    // Words, "phrases" and -exclusions only: no field:, *, ~, |, +, ( ) from the caller's text.
                    flags: 'PHRASE|NOT|WHITESPACE',
                    analyze_wildcard: false,
                    auto_generate_synonyms_phrase_query: false,
                    lenient: true,
                  },
                },
              ],
            }),
      },
    },
    sort,
    ...(searchAfter ? { search_after: searchAfter as estypes.SortResults } : {}),
    _source: source,
    highlight: {
      pre_tags: ['<em>'],
      post_tags: ['</em>'],
      encoder: 'html',
      require_field_match: true,
      fields: { search_text: { number_of_fragments: 3, fragment_size: 150 } },
    },
  };
}

function timestamp(value: string, argument: string): string {
  if (typeof value !== 'string' || !RFC3339.test(value) || !Number.isFinite(Date.parse(value))) {
    throw new FraiseqlError('BAD_USER_INPUT', `Argument "${argument}" must be an RFC 3339 date-time (e.g. 2024-03-01T09:00:00Z)`, {
      details: { argument },
    });
  }
  return value;
}
