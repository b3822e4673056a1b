import { Client, type estypes } from '@elastic/elasticsearch';
import type { EntityEvent } from '@fraiseql/events';
import type { EntityHit, EventHit, IndexOutcome, SearchEntitiesQuery, SearchEventsQuery, SearchPage, SearchStore } from '@fraiseql/search';
import { toStoreError } from './elasticsearch-failure';
import { resolveStoreOptions, type ElasticsearchSearchStoreOptions, type ResolvedStoreOptions } from './elasticsearch-search-store-options';
import { prepareElasticsearch } from './prepare-elasticsearch';
import { SearchCursorCodec, type CursorShape } from './search-cursor';
import {
  entityDocumentId,
  searchTextOf,
  toEntityDocument,
  toEventDocument,
  type EntityDocument,
  type EventDocument,
} from './search-documents';
import {
  checkSearchQuery,
  ENTITY_CURSOR_SHAPE,
  EVENT_CURSOR_SHAPE,
  searchEntitiesRequest,
  searchEventsRequest,
  searchIdentity,
} from './search-request';
import { writeBulk, type BulkAction } from './write-bulk';

/**
 * The SearchStore on Elasticsearch 9: events in the data stream `fraiseql-events-<namespace>` (one document per
 * event, `_id` = event_id, written with `create`), the latest state of each entity in the index
 * `fraiseql-entities-<namespace>` (external versioning by `seq`), both written by one NDJSON `_bulk` per batch.
 * docs/search-elasticsearch.md describes the layout, versioning and failure handling.
 */
export class ElasticsearchSearchStore implements SearchStore {
  readonly kind = 'elasticsearch' as const;
  private readonly client: Client;
  private readonly options: ResolvedStoreOptions;
  private readonly cursors: SearchCursorCodec;

  constructor(private readonly config: ElasticsearchSearchStoreOptions) {
    this.options = resolveStoreOptions(config);
    this.cursors = new SearchCursorCodec(this.options.cursorSecret);
    this.client = new Client({
      node: this.options.node,
      ...(config.auth ? { auth: config.auth } : {}),
      ...(config.caCertificate ? { tls: { ca: config.caCertificate } } : {}),
      requestTimeout: this.options.requestTimeoutMs,
      // Failures reach the caller at once: the sink's batcher owns outage backoff, and _bulk items are retried here.
      maxRetries: 0,
      name: 'fraiseql-search',
    });
  }

  /** The events data stream and the entities index this store writes and searches. */
  get names(): { eventsDataStream: string; entitiesIndex: string } {
    return { eventsDataStream: this.options.eventsDataStream, entitiesIndex: this.options.entitiesIndex };
  }

  prepare(): Promise<void> {
    return prepareElasticsearch(this.client, this.options);
  }

  async index(events: readonly EntityEvent[]): Promise<IndexOutcome> {
    if (events.length === 0) return { rejected: [] };
    const { eventsDataStream, entitiesIndex } = this.options;
    const actions: BulkAction[] = [];
    for (const event of events) {
      const searchText = searchTextOf(event.data);
      actions.push({
        eventId: event.event_id,
        action: { create: { _index: eventsDataStream, _id: event.event_id } },
        document: toEventDocument(event, searchText),
      });
      actions.push({
        eventId: event.event_id,
        action: { index: { _index: entitiesIndex, _id: entityDocumentId(event), version: event.seq, version_type: 'external' } },
        document: toEntityDocument(event, searchText),
      });
    }
    return writeBulk(this.client, actions, {
      refresh: this.options.refresh,
      itemRetry: this.options.itemRetry,
      ...(this.config.onBulkAttempt ? { onBulkAttempt: this.config.onBulkAttempt } : {}),
    });
  }

  async searchEvents(query: SearchEventsQuery): Promise<SearchPage<EventHit>> {
    return this.search<EventDocument, EventHit>(
      'events',
      query,
      this.options.eventsDataStream,
      EVENT_CURSOR_SHAPE,
      searchEventsRequest,
      (source) => ({
        eventId: source.event_id,
        seq: source.seq,
        eventType: source.event_type,
        entityType: source.entity_type,
        entityId: source.entity_id,
        timestamp: source['@timestamp'],
        data: source.data,
      }),
    );
  }

  async searchEntities(query: SearchEntitiesQuery): Promise<SearchPage<EntityHit>> {
    return this.search<EntityDocument, EntityHit>(
      'entities',
      query,
      this.options.entitiesIndex,
      ENTITY_CURSOR_SHAPE,
      searchEntitiesRequest,
      (source) => ({
        entityType: source.entity_type,
        entityId: source.entity_id,
        seq: source.seq,
        updatedAt: source.updated_at,
        data: source.data ?? null,
        deleted: source.deleted,
      }),
    );
  }

  async ping(): Promise<boolean> {
    try {
      return await this.client.ping(undefined, { requestTimeout: Math.min(this.options.requestTimeoutMs, 5_000) });
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async search<Doc, Hit extends { highlights: string[]; score: number }>(
    kind: 'events' | 'entities',
    query: SearchEventsQuery,
    index: string,
    shape: CursorShape,
    build: (query: SearchEventsQuery, searchAfter: unknown[] | undefined) => estypes.SearchRequest,
    toHit: (source: Doc) => Omit<Hit, 'highlights' | 'score'>,
  ): Promise<SearchPage<Hit>> {
    checkSearchQuery(query);
    const fingerprint = this.cursors.fingerprint(searchIdentity(kind, query));
    const searchAfter = query.after === undefined ? undefined : this.cursors.decode(query.after, fingerprint, shape);
    const request = build(query, searchAfter);
    let response: estypes.SearchResponse<Doc>;
    try {
      response = await this.client.search<Doc>({ index, ...request });
    } catch (error) {
      throw toStoreError(error, `search of ${index}`);
    }
    const found = response.hits.hits;
    const page = found.slice(0, query.first);
    const hits = page.map(
      (hit) =>
        ({
          ...toHit(hit._source as Doc),
          highlights: hit.highlight?.search_text ?? [],
          score: hit._score ?? 0,
        }) as Hit,
    );
    const hasNextPage = found.length > query.first;
    const last = page[page.length - 1];
    return {
      hits,
      hasNextPage,
      endCursor: hasNextPage && last?.sort ? this.cursors.encode(fingerprint, last.sort) : null,
    };
  }
}
