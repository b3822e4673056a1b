import type { EntityEvent, JsonObject } from '@fraiseql/events';

/**
 * Operational search (issue 11): what sink-search writes and the search API (`fraiseql.v1.search.*`) reads.
 * Two implementations keep the same behaviour: PostgreSQL full-text (this library; the default, so search always
 * works) and Elasticsearch (libs/search-elasticsearch). Every read is scoped to one org. The shared semantics, with
 * error codes: docs/search.md; `checkEventSearch`/`checkEntitySearch` validate the arguments alike for both.
 */
export interface SearchStore {
  readonly kind: 'postgres' | 'elasticsearch';
  /** Creates or updates what the store needs (schema and indexes; index template, ILM policy, data stream). Idempotent. */
  prepare(): Promise<void>;
  /**
   * Indexes a batch and resolves once it is durable: each event as an event document (idempotent by `event_id`: a
   * redelivered event is one document), and each entity's latest state (the document of the highest `seq` wins; an
   * older `seq` never overwrites a newer one, in any order of arrival). A transient failure of the store (down,
   * overloaded) rejects with a `RetryableError` and nothing of the batch may be assumed written; an event the store
   * refuses for good (a mapping error) is listed in `rejected` while the rest of the batch is written.
   */
  index(events: readonly EntityEvent[]): Promise<IndexOutcome>;
  /**
   * Events whose text matches, best first (then newest, then a stable key). Bad arguments: BAD_USER_INPUT (a query
   * without any letter or digit, a bad date), FRAISEQL_PAGE_TOO_LARGE (first > 100), FRAISEQL_INVALID_CURSOR /
   * FRAISEQL_STALE_CURSOR. A query of stop words only is an empty page, not an error. Store down: RetryableError.
   */
  searchEvents(query: SearchEventsQuery): Promise<SearchPage<EventHit>>;
  /** Entities (their latest state, deleted ones included and flagged) whose text matches; as `searchEvents`. */
  searchEntities(query: SearchEntitiesQuery): Promise<SearchPage<EntityHit>>;
  /** For /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface IndexOutcome {
  /** Events refused for good: they go to the DLQ with this code and message; the others were written. */
  rejected: Array<{ eventId: string; code: string; message: string }>;
}

interface SearchQueryBase {
  /** The caller's org: only its documents are searched (null: documents without an org). */
  orgId: string | null;
  /**
   * Words to find, all of them (the store's own query syntax is never exposed: plain words, "quoted phrases", `-word`
   * to exclude, `or` between alternatives; anything else is a separator). At most 1000 characters.
   */
  query: string;
  entityType?: string;
  /** Page size, 1..100. */
  first: number;
  /** Opaque cursor from a previous page's `endCursor`. */
  after?: string;
}

export interface SearchEventsQuery extends SearchQueryBase {
  /** RFC 3339; events with from ≤ timestamp < to. */
  from?: string;
  to?: string;
  eventType?: string;
}

export type SearchEntitiesQuery = SearchQueryBase;

export interface EventHit {
  eventId: string;
  seq: number;
  eventType: string;
  entityType: string;
  entityId: string;
  timestamp: string;
  data: JsonObject;
  /**
   * Up to 3 fragments of the document's text that hold a match, the matches wrapped in `<em>…</em>`, everything else
   * HTML-escaped (safe to insert as HTML). Empty when only the entity type or id matched.
   */
  highlights: string[];
  /** Relevance, higher is better; comparable only within one result list. */
  score: number;
}

export interface EntityHit {
  entityType: string;
  entityId: string;
  /** The `seq` of the event the document holds (the latest seen). */
  seq: number;
  updatedAt: string;
  /** The entity's latest state; null after a DELETE (the document stays, marked deleted, so it can be found). */
  data: JsonObject | null;
  deleted: boolean;
  highlights: string[];
  score: number;
}

export interface SearchPage<Hit> {
  hits: Hit[];
  /** Pass as `after` for the next page (valid only for the same org, words and filters); null when there is none. */
  endCursor: string | null;
  hasNextPage: boolean;
}
