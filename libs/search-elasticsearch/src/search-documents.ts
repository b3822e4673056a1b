import type { EntityEvent, JsonObject } from '@fraiseql/events';

/**
 * The org of documents without one, as the mappings' `null_value` of `org_id`: searches filter on it with the
 * same `term` as on a real org. PostgreSQL text cannot hold NUL, so no real org id can ever equal it.
 */
export const NO_ORG = '\u0000';

/** Beyond this many characters of an entity's string values, the rest is stored but not searchable. */
const MAX_SEARCH_TEXT_CHARS = 1_000_000;

/** A document of the events data stream (mappings: migrations/elasticsearch, component template fraiseql-events@mappings). */
export interface EventDocument {
  '@timestamp': string;
  event_id: string;
  seq: number;
  event_type: string;
  entity_type: string;
  entity_id: string;
  org_id: string | null;
  user_id: string | null;
  changed_fields: string[];
  schema_version: string | null;
  data: JsonObject;
  before: JsonObject | null;
  search_text: string[];
}

/** A document of the entities index (index template fraiseql-entities): the entity as of its highest `seq`. */
export interface EntityDocument {
  org_id: string | null;
  entity_type: string;
  entity_id: string;
  seq: number;
  event_id: string;
  event_type: string;
  updated_at: string;
  deleted: boolean;
  /** Null after a DELETE; the document stays (marked deleted) and is still found by the words it last held. */
  data: JsonObject | null;
  search_text: string[];
}

/** `searchText`: `searchTextOf(event.data)`, computed once for both documents of an event. */
export function toEventDocument(event: EntityEvent, searchText = searchTextOf(event.data)): EventDocument {
  return {
    '@timestamp': event.timestamp,
    event_id: event.event_id,
    seq: event.seq,
    event_type: event.event_type,
    entity_type: event.entity_type,
    entity_id: event.entity_id,
    org_id: event.org_id,
    user_id: event.user_id,
    changed_fields: event.changed_fields,
    schema_version: event.schema_version,
    data: event.data,
    before: event.before,
    search_text: searchText,
  };
}

export function toEntityDocument(event: EntityEvent, searchText = searchTextOf(event.data)): EntityDocument {
  const deleted = event.event_type === 'DELETE';
  return {
    org_id: event.org_id,
    entity_type: event.entity_type,
    entity_id: event.entity_id,
    seq: event.seq,
    event_id: event.event_id,
    event_type: event.event_type,
    updated_at: event.timestamp,
    deleted,
    data: deleted ? null : event.data,
    search_text: searchText,
  };
}

/**
 * `<org>:<entity_type>:<entity_id>`, each part percent-encoded so that a `:` inside one cannot make two entities
 * share an id (an entity without an org: `%00`, the encoded NO_ORG).
 */
export function entityDocumentId(event: Pick<EntityEvent, 'org_id' | 'entity_type' | 'entity_id'>): string {
  return [event.org_id ?? NO_ORG, event.entity_type, event.entity_id].map(encodeURIComponent).join(':');
}

/**
 * Every string (and number) value of `data`, one array element each: what words are matched against and what
 * highlights are cut from. Kept apart in an array so a phrase never matches across two values.
 */
export function searchTextOf(data: JsonObject): string[] {
  const out: string[] = [];
  let budget = MAX_SEARCH_TEXT_CHARS;
  const visit = (value: unknown): void => {
    if (budget <= 0) return;
    if (typeof value === 'string') {
      if (value.trim() === '') return;
      const text = value.length > budget ? value.slice(0, budget) : value;
      budget -= text.length;
      out.push(text);
    } else if (typeof value === 'number') {
      visit(String(value));
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const item of Object.values(value)) visit(item);
    }
  };
  visit(data);
  return out;
}
