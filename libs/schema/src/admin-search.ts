import type { CompiledNativeField } from './compiled-schema';
import { field } from './field';
import type { ObjectTypeDefinition } from './schema-definition';
import { objectType } from './type-builders';

/**
 * Operational search as GraphQL (issue 11, docs/search.md): what `defineSchema({ admin: { search: true } })` adds.
 * The documents live in the sink's search store (Elasticsearch, or PostgreSQL full-text by default), so the fields
 * are native (ADR 0105): the query-executor answers them with a search API request to the sink
 * (`fraiseql.v1.search.*`, @fraiseql/search) on behalf of the caller, whose org scopes every search.
 */
export const SEARCH_API_SURFACE = {
  /** Roles that may search (incident response reads every entity's data, so it is not open to every member). */
  roles: ['admin', 'search'],
  resolvers: { events: 'search.events', entities: 'search.entities' },
  defaultPage: 20,
  maxPage: 100,
} as const;

const native = (type: ObjectTypeDefinition): ObjectTypeDefinition => Object.freeze({ ...type, native: true as const });

const highlights = field.list(field.string(), {
  description: 'Fragments of the matched text, the matches in <em>…</em>, every other character HTML-escaped.',
});

const SearchEventHit = native(
  objectType(
    'SearchEventHit',
    {
      eventId: field.id(),
      seq: field.string({ description: 'The change log sequence (int64, as text).' }),
      eventType: field.string({ description: 'INSERT, UPDATE, DELETE or a custom event.' }),
      entityType: field.string(),
      entityId: field.string(),
      timestamp: field.dateTime(),
      data: field.json({ description: 'The entity as the event carried it.' }),
      highlights,
      score: field.float({ description: 'Relevance (higher first); comparable within one search only.' }),
    },
    { description: 'An entity change event that matches the search.' },
  ),
);

const SearchEntityHit = native(
  objectType(
    'SearchEntityHit',
    {
      entityType: field.string(),
      entityId: field.string(),
      seq: field.string({ description: 'The sequence of the latest event the document holds.' }),
      updatedAt: field.dateTime(),
      data: field.json({ nullable: true, description: 'The latest state; null once deleted.' }),
      deleted: field.boolean(),
      highlights,
      score: field.float(),
    },
    { description: 'An entity whose latest state matches the search.' },
  ),
);

const page = (name: string, hit: ObjectTypeDefinition, what: string): ObjectTypeDefinition =>
  native(
    objectType(
      name,
      {
        hits: field.list(field.object(hit)),
        endCursor: field.string({ nullable: true, description: 'Pass as `after` for the next page.' }),
        hasNextPage: field.boolean(),
      },
      { description: `A page of ${what}, best match first.` },
    ),
  );

const SearchEventsPage = page('SearchEventsPage', SearchEventHit, 'matching events');
const SearchEntitiesPage = page('SearchEntitiesPage', SearchEntityHit, 'matching entities');

/** The surface's definitions, appended after the schema's own. */
export function searchApiDefinitions(): { types: ObjectTypeDefinition[]; nativeFields: CompiledNativeField[] } {
  const roles = [...SEARCH_API_SURFACE.roles];
  const common = [
    { name: 'query', type: 'String!', description: 'Words to find; "a phrase" in quotes; -word excludes.' },
    { name: 'entityType', type: 'String', description: 'Only this entity type (e.g. Order).' },
  ];
  const paging = [
    {
      name: 'first',
      type: 'Int',
      description: `At most this many (default ${SEARCH_API_SURFACE.defaultPage}, at most ${SEARCH_API_SURFACE.maxPage}).`,
    },
    { name: 'after', type: 'String', description: 'The endCursor of the previous page.' },
  ];
  return {
    types: [SearchEventHit, SearchEntityHit, SearchEventsPage, SearchEntitiesPage],
    nativeFields: [
      {
        name: 'searchEvents',
        operation: 'query',
        resolver: SEARCH_API_SURFACE.resolvers.events,
        arguments: [
          ...common,
          { name: 'eventType', type: 'String', description: 'Only this event type (INSERT, UPDATE, DELETE, …).' },
          { name: 'from', type: 'DateTime', description: 'Events at or after this time.' },
          { name: 'to', type: 'DateTime', description: 'Events before this time.' },
          ...paging,
        ],
        type: 'SearchEventsPage!',
        roles,
        description: `Change events of the caller's organization whose data holds the words (docs/search.md). Roles ${roles.join(' or ')}.`,
      },
      {
        name: 'searchEntities',
        operation: 'query',
        resolver: SEARCH_API_SURFACE.resolvers.entities,
        arguments: [...common, ...paging],
        type: 'SearchEntitiesPage!',
        roles,
        description: `Entities of the caller's organization whose latest state holds the words. Roles ${roles.join(' or ')}.`,
      },
    ],
  };
}
