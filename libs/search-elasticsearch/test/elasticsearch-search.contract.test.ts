import { FraiseqlError } from '@fraiseql/errors';
import { ElasticsearchSearchStore, NO_ORG } from '@fraiseql/search-elasticsearch';
import { entityEvent } from './fixtures/entity-events';
import { startSearchTarget, type SearchTarget } from './fixtures/search-target';

// Contract tests: against the Elasticsearch stand-in, or a real Elasticsearch when ELASTICSEARCH_URL is set
// (docs/search-elasticsearch.md, "Tests").
describe('ElasticsearchSearchStore search (contract: Elasticsearch stand-in, or ELASTICSEARCH_URL)', () => {
  let target: SearchTarget;
  let store: ElasticsearchSearchStore;
  const searchesBefore = { count: 0 };

  const orgA = [
    entityEvent({ entity_type: 'Order', event_type: 'INSERT', entity_id: 'o1', data: { title: 'Red apple pie', note: 'fresh' } }),
    entityEvent({ entity_type: 'Order', event_type: 'UPDATE', entity_id: 'o2', data: { title: 'Green apple', note: 'sour' } }),
    entityEvent({ entity_type: 'Customer', event_type: 'INSERT', entity_id: 'c1', data: { name: 'Red car', tags: ['fast', 'apple'] } }),
    entityEvent({ entity_type: 'Order', event_type: 'UPDATE', entity_id: 'o3', data: { title: 'alert <b>fire</b> & smoke' } }),
  ];
  const orgB = [entityEvent({ org_id: 'org-b', entity_id: 'b1', data: { title: 'Red apple pie from org B' } })];
  const noOrg = [entityEvent({ org_id: null, entity_id: 'n1', data: { title: 'apple without org' } })];
  const paged = Array.from({ length: 7 }, (_, i) =>
    entityEvent({ entity_type: 'Ticket', entity_id: `t${i}`, data: { text: `pager duty ${i}` } }),
  );

  beforeAll(async () => {
    target = await startSearchTarget();
    store = new ElasticsearchSearchStore(target.storeOptions({ cursorSecret: 'contract-secret' }));
    await store.prepare();
    expect(await store.index([...orgA, ...orgB, ...noOrg, ...paged])).toEqual({ rejected: [] });
    searchesBefore.count = target.server.requests.length;
  });
  afterAll(async () => {
    await store.close();
    await target.close();
  });

  const ids = (hits: Array<{ eventId: string }>): string[] => hits.map((h) => h.eventId).sort();
  const idsOf = (events: Array<{ event_id: string }>): string[] => events.map((e) => e.event_id).sort();

  it('finds events by words of their data, scoped by org: org B never sees org A hits, nor A those of B', async () => {
    const a = await store.searchEvents({ orgId: 'org-a', query: 'apple', first: 100 });
    expect(ids(a.hits)).toEqual(idsOf(orgA.slice(0, 3)));
    const b = await store.searchEvents({ orgId: 'org-b', query: 'apple', first: 100 });
    expect(ids(b.hits)).toEqual(idsOf(orgB));
    const none = await store.searchEvents({ orgId: null, query: 'apple', first: 100 });
    expect(ids(none.hits)).toEqual(idsOf(noOrg));
    const unknown = await store.searchEvents({ orgId: 'org-c', query: 'apple', first: 100 });
    expect(unknown.hits).toEqual([]);
  });

  it('scopes every search request by a term filter on the caller org, built from orgId and never from the words', async () => {
    const attempts = ['org_id:org-b', 'org-b', '* OR org_id:*', '(apple) | org_id:org\\-b', 'title:apple^5 ~2'];
    for (const query of attempts) {
      const page = await store.searchEvents({ orgId: 'org-a', query, first: 100 });
      for (const hit of page.hits) expect(idsOf(orgB)).not.toContain(hit.eventId);
      await store.searchEntities({ orgId: 'org-a', query, first: 100 });
    }
    const searches = target.server.requestsTo('/_search', searchesBefore.count);
    expect(searches.length).toBeGreaterThanOrEqual(2 * attempts.length);
    for (const search of searches) {
      const body = JSON.parse(search.body) as {
        query: { bool: { filter: unknown[]; must?: Array<{ simple_query_string: Record<string, unknown> }> } };
      };
      expect(body.query.bool.filter[0]).toEqual({ term: { org_id: expect.any(String) } });
      expect(['org-a', 'org-b', 'org-c', NO_ORG]).toContain((body.query.bool.filter[0] as { term: { org_id: string } }).term.org_id);
      for (const clause of body.query.bool.must ?? []) {
        expect(clause.simple_query_string).toMatchObject({
          fields: ['search_text'],
          flags: 'PHRASE|NOT|WHITESPACE',
          default_operator: 'and',
        });
      }
      expect(JSON.stringify(body.query.bool.filter)).not.toContain('org_id:');
    }
    expect(NO_ORG).toBe('\u0000');
  });

  it('understands plain words (all required), "phrases" and -exclusions, and no other query syntax', async () => {
    const search = async (query: string): Promise<string[]> => ids((await store.searchEvents({ orgId: 'org-a', query, first: 100 })).hits);
    expect(await search('red apple')).toEqual(idsOf([orgA[0]!, orgA[2]!]));
    expect(await search('"apple pie"')).toEqual(idsOf([orgA[0]!]));
    expect(await search('apple -green')).toEqual(idsOf([orgA[0]!, orgA[2]!]));
    expect(await search('apple -"red apple"')).toEqual(idsOf([orgA[1]!, orgA[2]!]));
    // No prefix, OR or field syntax: `app*` is the word "app", `|` is not OR, `title:` is not a field.
    expect(await search('app*')).toEqual([]);
    expect(await search('red | sour')).toEqual([]);
    expect(await search('title:apple')).toEqual([]);
    expect(await search('APPLE')).toEqual(idsOf(orgA.slice(0, 3)));
  });

  it('filters by entity type, event type and a time range with from inclusive and to exclusive', async () => {
    const page = (extra: object) => store.searchEvents({ orgId: 'org-a', query: 'apple', first: 100, ...extra });
    expect(ids((await page({ entityType: 'Customer' })).hits)).toEqual(idsOf([orgA[2]!]));
    expect(ids((await page({ eventType: 'INSERT' })).hits)).toEqual(idsOf([orgA[0]!, orgA[2]!]));
    expect(ids((await page({ from: orgA[1]!.timestamp })).hits)).toEqual(idsOf([orgA[1]!, orgA[2]!]));
    expect(ids((await page({ to: orgA[1]!.timestamp })).hits)).toEqual(idsOf([orgA[0]!]));
    expect(ids((await page({ from: orgA[1]!.timestamp, to: orgA[2]!.timestamp })).hits)).toEqual(idsOf([orgA[1]!]));
  });

  it('returns the event fields and highlights matches in <em>, the rest of the text HTML-escaped', async () => {
    const { hits } = await store.searchEvents({ orgId: 'org-a', query: 'fire', first: 10 });
    expect(hits).toHaveLength(1);
    const [hit] = hits;
    const e = orgA[3]!;
    expect(hit).toMatchObject({
      eventId: e.event_id,
      seq: e.seq,
      eventType: 'UPDATE',
      entityType: 'Order',
      entityId: 'o3',
      timestamp: e.timestamp,
      data: e.data,
    });
    expect(hit!.score).toBeGreaterThan(0);
    expect(hit!.highlights).toHaveLength(1);
    expect(hit!.highlights[0]).toContain('<em>fire</em>');
    expect(hit!.highlights[0]).toContain('&lt;b&gt;');
    expect(hit!.highlights[0]).toContain('&amp;');
    expect(hit!.highlights[0]!.replace(/<\/?em>/g, '')).not.toMatch(/[<>]/);
  });

  it('searches entities: their latest state, with highlights, scoped by org and filtered by type', async () => {
    const { hits } = await store.searchEntities({ orgId: 'org-a', query: 'apple', entityType: 'Order', first: 10 });
    expect(hits.map((h) => h.entityId).sort()).toEqual(['o1', 'o2']);
    const o1 = hits.find((h) => h.entityId === 'o1')!;
    expect(o1).toMatchObject({
      entityType: 'Order',
      seq: orgA[0]!.seq,
      updatedAt: orgA[0]!.timestamp,
      deleted: false,
      data: orgA[0]!.data,
    });
    expect(o1.highlights.join(' ')).toContain('<em>apple</em>');
    const b = await store.searchEntities({ orgId: 'org-b', query: 'apple', first: 10 });
    expect(b.hits.map((h) => h.entityId)).toEqual(['b1']);
  });

  it('pages with search_after: the cursor round-trips, pages never overlap and together hold every hit', async () => {
    for (const search of [
      (after?: string) => store.searchEvents({ orgId: 'org-a', query: 'pager', first: 3, ...(after ? { after } : {}) }),
      (after?: string) => store.searchEntities({ orgId: 'org-a', query: 'pager', first: 3, ...(after ? { after } : {}) }),
    ]) {
      const seen: string[] = [];
      const sizes: number[] = [];
      let after: string | undefined;
      const since = target.server.requests.length;
      for (let n = 0; n < 5; n++) {
        const page = await search(after);
        sizes.push(page.hits.length);
        seen.push(...page.hits.map((h) => ('eventId' in h ? h.eventId : h.entityId)));
        expect(page.hasNextPage).toBe(page.endCursor !== null);
        if (!page.hasNextPage) break;
        after = page.endCursor!;
      }
      expect(sizes).toEqual([3, 3, 1]);
      expect(new Set(seen).size).toBe(7);
      const bodies = target.server
        .requestsTo('/_search', since)
        .map((r) => JSON.parse(r.body) as { search_after?: unknown[]; size: number });
      expect(bodies[0]!.search_after).toBeUndefined();
      expect(bodies[1]!.search_after).toEqual(expect.any(Array));
      expect(bodies.every((b) => b.size === 4)).toBe(true);
    }
    // Best match first, then newest first: with equal scores, the page order is the events' order reversed.
    const all = await store.searchEvents({ orgId: 'org-a', query: 'pager', first: 100 });
    expect(all.hits.map((h) => h.eventId)).toEqual(paged.map((e) => e.event_id).reverse());
  });

  it('refuses a tampered cursor, a cursor of another search and a page size outside 1..100, before asking Elasticsearch', async () => {
    const first = await store.searchEvents({ orgId: 'org-a', query: 'pager', first: 2 });
    const cursor = first.endCursor!;
    const since = target.server.requests.length;
    const [body, signature] = cursor.split('.');
    const forged = Buffer.from(JSON.stringify([1, 'x', 99, 'ffffffff'])).toString('base64url');
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e as FraiseqlError,
      );
    for (const bad of [`${forged}.${signature}`, `${body}.${signature!.slice(1)}`, 'not-a-cursor', `${body}x.${signature}`]) {
      expect(await refusal(store.searchEvents({ orgId: 'org-a', query: 'pager', first: 2, after: bad }))).toMatchObject({
        code: 'FRAISEQL_INVALID_CURSOR',
      });
    }
    expect(await refusal(store.searchEvents({ orgId: 'org-b', query: 'pager', first: 2, after: cursor }))).toMatchObject({
      code: 'FRAISEQL_STALE_CURSOR',
    });
    expect(await refusal(store.searchEvents({ orgId: 'org-a', query: 'other words', first: 2, after: cursor }))).toMatchObject({
      code: 'FRAISEQL_STALE_CURSOR',
    });
    expect(await refusal(store.searchEntities({ orgId: 'org-a', query: 'pager', first: 2, after: cursor }))).toMatchObject({
      code: 'FRAISEQL_STALE_CURSOR',
    });
    expect(await refusal(store.searchEvents({ orgId: 'org-a', query: 'pager', first: 101 }))).toMatchObject({
      code: 'FRAISEQL_PAGE_TOO_LARGE',
    });
    expect(await refusal(store.searchEvents({ orgId: 'org-a', query: 'pager', first: 0 }))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await refusal(store.searchEvents({ orgId: 'org-a', query: 'pager', first: 1, from: 'yesterday' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { argument: 'from' },
    });
    expect(target.server.requestsTo('/_search', since)).toEqual([]);
    // The genuine cursor still works with the same search.
    const second = await store.searchEvents({ orgId: 'org-a', query: 'pager', first: 2, after: cursor });
    expect(second.hits).toHaveLength(2);
  });

  it('an empty query lists everything in scope (filters only), newest first', async () => {
    const page = await store.searchEvents({ orgId: 'org-a', query: '  ', entityType: 'Ticket', first: 100 });
    expect(page.hits.map((h) => h.eventId)).toEqual(paged.map((e) => e.event_id).reverse());
    expect(page.hits.every((h) => h.highlights.length === 0)).toBe(true);
  });

  it('sent no search request of this suite without the org term filter first', () => {
    const searches = target.server.requestsTo('/_search');
    expect(searches.length).toBeGreaterThan(20);
    for (const search of searches) {
      const body = JSON.parse(search.body) as { query: { bool: { filter: Array<{ term?: { org_id?: unknown } }> } } };
      expect(typeof body.query.bool.filter[0]!.term!.org_id).toBe('string');
    }
  });
});
