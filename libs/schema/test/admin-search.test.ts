import { isObjectType, printType } from 'graphql';
import { buildGraphQLSchema, compileSchema, defineSchema, entity, field, listQuery, SEARCH_API_SURFACE } from '../src';

// Operational search as GraphQL (docs/search.md): what `admin: { search: true }` adds — two native queries the
// executor answers through the sink's search API, gated by role, with their hit and page types.

const Ticket = entity('Ticket', { view: 'v_ticket' }, { id: field.id(), title: field.string() });

describe('admin: { search: true }', () => {
  it('adds searchEvents and searchEntities, gated by the search roles, with pages of hits', () => {
    const compiled = compileSchema(defineSchema({ types: [Ticket], queries: [listQuery('tickets', Ticket)], admin: { search: true } }));
    const roles = [...SEARCH_API_SURFACE.roles];
    expect(compiled.nativeFields.map((f) => [f.operation, f.name, f.resolver, f.type, f.roles ?? null])).toEqual([
      ['query', 'searchEvents', 'search.events', 'SearchEventsPage!', roles],
      ['query', 'searchEntities', 'search.entities', 'SearchEntitiesPage!', roles],
    ]);
    const graphql = buildGraphQLSchema(compiled);
    const query = graphql.getQueryType()!.getFields();
    expect(query.searchEvents!.args.map((a) => `${a.name}: ${a.type.toString()}`)).toEqual([
      'query: String!',
      'entityType: String',
      'eventType: String',
      'from: DateTime',
      'to: DateTime',
      'first: Int',
      'after: String',
    ]);
    expect(query.searchEntities!.args.map((a) => a.name)).toEqual(['query', 'entityType', 'first', 'after']);
    const hit = graphql.getType('SearchEventHit');
    expect(isObjectType(hit) && Object.keys(hit.getFields())).toEqual([
      'eventId',
      'seq',
      'eventType',
      'entityType',
      'entityId',
      'timestamp',
      'data',
      'highlights',
      'score',
    ]);
    expect(printType(graphql.getType('SearchEntitiesPage')!)).toContain('hits: [SearchEntityHit!]!');
    // Native result types never get a generated where input.
    expect(graphql.getType('SearchEventHitWhereInput')).toBeUndefined();
  });

  it('names the new option among the known ones when an unknown one is given', () => {
    expect(() =>
      compileSchema(defineSchema({ types: [Ticket], queries: [listQuery('tickets', Ticket)], admin: { serch: true } as never })),
    ).toThrow(
      expect.objectContaining({
        details: { errors: expect.arrayContaining([expect.stringContaining('known: observers, deadLetters, jobs, search, apiKeys')]) },
      }),
    );
  });
});
