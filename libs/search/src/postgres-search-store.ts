import { Pool, type PoolClient } from 'pg';
import type { EntityEvent, JsonObject } from '@fraiseql/events';
import { isRejection, toEventDocument, type EventDocument } from './event-document';
import { resolveSearchOptions, type PostgresSearchStoreOptions, type ResolvedSearchOptions } from './postgres-search-options';
import { prepareSearchSchema } from './prepare-search-schema';
import { decodeCursor, encodeCursor, searchScope, type SearchCursor } from './search-cursor';
import { HEADLINE_OPTIONS, toHighlights } from './search-highlights';
import { checkEntitySearch, checkEventSearch } from './search-query-input';
import type { SearchRejection } from './search-rejection';
import { loadSearchStatements, type SearchStatements } from './search-sql';
import { isPerEventSqlState, toSearchStoreError } from './search-store-error';
import type { EntityHit, EventHit, IndexOutcome, SearchEntitiesQuery, SearchEventsQuery, SearchPage, SearchStore } from './search-store';

interface EventRow {
  event_id: string;
  seq: string;
  event_type: string;
  entity_type: string;
  entity_id: string;
  timestamp: string;
  data: JsonObject;
  score: string;
  headline: string | null;
}

interface EntityRow {
  entity_type: string;
  entity_id: string;
  seq: string;
  updated_at: string;
  data: JsonObject | null;
  deleted: boolean;
  score: string;
  headline: string | null;
}

/**
 * The PostgreSQL full-text SearchStore (docs/search.md): tsvector + GIN in a schema of its own, the default where
 * no Elasticsearch is configured. Call `prepare()` once before anything else.
 */
export class PostgresSearchStore implements SearchStore {
  readonly kind = 'postgres' as const;
  private options: ResolvedSearchOptions;
  private readonly pool: Pool;
  private readonly ownsPool: boolean;
  private readonly sql: SearchStatements;
  private closed = false;

  constructor(options: PostgresSearchStoreOptions) {
    this.options = resolveSearchOptions(options);
    this.ownsPool = options.pool === undefined;
    this.pool = options.pool ?? new Pool({ connectionString: options.connectionString, max: options.poolMax ?? 4 });
    // A broken idle connection must not crash the process: the next query reports it.
    if (this.ownsPool) this.pool.on('error', () => undefined);
    this.sql = loadSearchStatements(this.options.schema);
  }

  /**
   * Creates the schema, tables and indexes (versioned, idempotent, safe to run from several replicas at once) and
   * checks the text search configuration: FRAISEQL_CONFIG_INVALID when PostgreSQL does not have it, or when the
   * index was built with another one (unless `reindexOnConfigChange`).
   */
  async prepare(): Promise<void> {
    const { schema, reindexOnConfigChange } = this.options;
    const result = await prepareSearchSchema(this.pool, { schema, textSearchConfig: this.options.textSearchConfig, reindexOnConfigChange });
    // The canonical name (`English` → `english`) is what queries use from now on.
    this.options = { ...this.options, textSearchConfig: result.textSearchConfig };
  }

  async index(events: readonly EntityEvent[]): Promise<IndexOutcome> {
    const rejected: SearchRejection[] = [];
    const documents: EventDocument[] = [];
    const seen = new Set<string>();
    for (const event of events) {
      const document = toEventDocument(event, this.options);
      if (isRejection(document)) rejected.push(document);
      else if (!seen.has(document.eventId)) {
        // A redelivery inside one batch is one row, like one across batches.
        seen.add(document.eventId);
        documents.push(document);
      }
    }
    if (documents.length === 0) return { rejected };
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toSearchStoreError(error);
    }
    let broken: Error | undefined;
    try {
      try {
        await client.query(this.sql.indexEvents, this.indexParameters(documents));
      } catch (error) {
        if (!isPerEventSqlState(error)) throw error;
        // Something validation did not foresee refused one event: write them one by one, setting aside the refused.
        rejected.push(...(await this.indexOneByOne(client, documents)));
      }
      return { rejected };
    } catch (error) {
      const mapped = toSearchStoreError(error);
      if (mapped.code === 'FRAISEQL_DB_UNAVAILABLE') broken = mapped;
      throw mapped;
    } finally {
      client.release(broken);
    }
  }

  async searchEvents(query: SearchEventsQuery): Promise<SearchPage<EventHit>> {
    const q = checkEventSearch(query);
    const scope = searchScope(['events', q.orgId, q.query, q.entityType, q.eventType, q.from, q.to]);
    const cursor = q.after === null ? null : decodeCursor(q.after, 'events', scope);
    const rows = await this.run<EventRow>(this.sql.searchEvents, [
      q.orgId,
      this.options.textSearchConfig,
      q.query,
      HEADLINE_OPTIONS,
      q.entityType,
      q.eventType,
      q.from,
      q.to,
      cursor?.score ?? null,
      cursor?.at ?? null,
      cursor?.key[0] ?? null,
      q.first + 1,
    ]);
    const page = rows.slice(0, q.first);
    const last = page[page.length - 1];
    return {
      hits: page.map((row) => ({
        eventId: row.event_id,
        seq: Number(row.seq),
        eventType: row.event_type,
        entityType: row.entity_type,
        entityId: row.entity_id,
        timestamp: row.timestamp,
        data: row.data,
        highlights: toHighlights(row.headline),
        score: Number(row.score),
      })),
      ...pageEnd(
        rows.length > q.first && last ? { kind: 'events', scope, score: last.score, at: last.timestamp, key: [last.event_id] } : null,
      ),
    };
  }

  async searchEntities(query: SearchEntitiesQuery): Promise<SearchPage<EntityHit>> {
    const q = checkEntitySearch(query);
    const scope = searchScope(['entities', q.orgId, q.query, q.entityType]);
    const cursor = q.after === null ? null : decodeCursor(q.after, 'entities', scope);
    const rows = await this.run<EntityRow>(this.sql.searchEntities, [
      q.orgId,
      this.options.textSearchConfig,
      q.query,
      HEADLINE_OPTIONS,
      q.entityType,
      cursor?.score ?? null,
      cursor?.at ?? null,
      cursor?.key[0] ?? null,
      cursor?.key[1] ?? null,
      q.first + 1,
    ]);
    const page = rows.slice(0, q.first);
    const last = page[page.length - 1];
    return {
      hits: page.map((row) => ({
        entityType: row.entity_type,
        entityId: row.entity_id,
        seq: Number(row.seq),
        updatedAt: row.updated_at,
        data: row.data,
        deleted: row.deleted,
        highlights: toHighlights(row.headline),
        score: Number(row.score),
      })),
      ...pageEnd(
        rows.length > q.first && last
          ? { kind: 'entities', scope, score: last.score, at: last.updated_at, key: [last.entity_type, last.entity_id] }
          : null,
      ),
    };
  }

  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Ends the store's own pool; a pool given in the options stays open (its owner ends it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.pool.end();
  }

  private indexParameters(documents: readonly EventDocument[]): unknown[] {
    const n = documents.length;
    const columns = Array.from({ length: 9 }, () => new Array<unknown>(n));
    for (let i = 0; i < n; i++) {
      const d = documents[i]!;
      columns[0]![i] = d.eventId;
      columns[1]![i] = d.orgId;
      columns[2]![i] = d.entityType;
      columns[3]![i] = d.entityId;
      columns[4]![i] = d.eventType;
      columns[5]![i] = d.seq;
      columns[6]![i] = d.timestamp;
      columns[7]![i] = d.dataJson;
      columns[8]![i] = d.body;
    }
    return [...columns, this.options.textSearchConfig];
  }

  /** The slow path after a per-event refusal: one savepoint per event, in one transaction. */
  private async indexOneByOne(client: PoolClient, documents: readonly EventDocument[]): Promise<SearchRejection[]> {
    const rejected: SearchRejection[] = [];
    await client.query('BEGIN');
    try {
      for (const document of documents) {
        await client.query('SAVEPOINT event');
        try {
          await client.query(this.sql.indexEvents, this.indexParameters([document]));
          await client.query('RELEASE SAVEPOINT event');
        } catch (error) {
          if (!isPerEventSqlState(error)) throw error;
          await client.query('ROLLBACK TO SAVEPOINT event');
          const reason = error instanceof Error ? error.message : String(error);
          rejected.push({ eventId: document.eventId, code: 'SEARCH_EVENT_REFUSED', message: `PostgreSQL refused the event: ${reason}` });
        }
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return rejected;
  }

  private async run<Row extends object>(text: string, values: unknown[]): Promise<Row[]> {
    try {
      return (await this.pool.query<Row>(text, values)).rows;
    } catch (error) {
      throw toSearchStoreError(error);
    }
  }
}

function pageEnd(next: SearchCursor | null): { endCursor: string | null; hasNextPage: boolean } {
  return next === null ? { endCursor: null, hasNextPage: false } : { endCursor: encodeCursor(next), hasNextPage: true };
}
