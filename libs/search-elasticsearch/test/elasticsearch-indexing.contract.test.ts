import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FraiseqlError, RetryableError } from '@fraiseql/errors';
import { ELASTICSEARCH_MIGRATIONS_DIR, ElasticsearchSearchStore, type BulkAttemptReport } from '@fraiseql/search-elasticsearch';
import { entityEvent, nested } from './fixtures/entity-events';
import { authorizationHeader, startSearchTarget, type SearchTarget } from './fixtures/search-target';

// Contract tests: against the Elasticsearch stand-in, or a real Elasticsearch when ELASTICSEARCH_URL is set
// (docs/search-elasticsearch.md, "Tests").
describe('ElasticsearchSearchStore indexing (contract: Elasticsearch stand-in, or ELASTICSEARCH_URL)', () => {
  let target: SearchTarget;
  const stores: ElasticsearchSearchStore[] = [];

  beforeAll(async () => {
    target = await startSearchTarget();
  });
  afterEach(() => target.server.clearFaults());
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await target.close();
  });

  async function preparedStore(extra: Parameters<SearchTarget['storeOptions']>[0] = {}): Promise<ElasticsearchSearchStore> {
    const store = new ElasticsearchSearchStore(target.storeOptions(extra));
    stores.push(store);
    await store.prepare();
    return store;
  }

  const bulkLines = (since: number): Array<Array<Record<string, any>>> =>
    target.server.requestsTo('/_bulk', since).map((r) =>
      r.body
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l)),
    );

  it('prepare installs the ILM policy with the configured retention, the templates, the data stream and the entities index; again, it keeps them', async () => {
    const store = await preparedStore({ retentionDays: 30 });
    const { eventsDataStream, entitiesIndex } = store.names;
    const policy = (await target.direct('GET', '/_ilm/policy/fraiseql-events')).body as Record<string, any>;
    expect(policy['fraiseql-events'].policy.phases.delete.min_age).toBe('30d');
    expect(policy['fraiseql-events'].policy.phases.hot.actions.rollover).toEqual({ max_age: '7d', max_primary_shard_size: '50gb' });
    expect(policy['fraiseql-events'].policy._meta).toMatchObject({ managed_by: 'fraiseql', fraiseql_migration: 1, retention_days: 30 });
    const events = (await target.direct('GET', '/_index_template/fraiseql-events')).body as Record<string, any>;
    expect(events.index_templates[0].index_template).toMatchObject({ version: 3, index_patterns: ['fraiseql-events-*'], data_stream: {} });
    const stream = (await target.direct('GET', `/_data_stream/${eventsDataStream}`)).body as Record<string, any>;
    expect(stream.data_streams[0]).toMatchObject({ name: eventsDataStream, template: 'fraiseql-events', ilm_policy: 'fraiseql-events' });
    expect((await target.direct('HEAD', `/${entitiesIndex}`)).status).toBe(200);

    const event = entityEvent({ data: { note: 'kept across prepare' } });
    await store.index([event]);
    await store.prepare();
    const page = await store.searchEvents({ orgId: 'org-a', query: 'kept', first: 10 });
    expect(page.hits.map((h) => h.eventId)).toEqual([event.event_id]);
  });

  it('prepare never downgrades a template that a newer deployment installed', async () => {
    await preparedStore();
    const newer = (await target.direct('GET', '/_component_template/fraiseql-events@mappings')).body as Record<string, any>;
    const installed = newer.component_templates[0].component_template;
    try {
      await target.direct('PUT', '/_component_template/fraiseql-events@mappings', { ...installed, version: 1_000_000 });
      await preparedStore();
      const after = (await target.direct('GET', '/_component_template/fraiseql-events@mappings')).body as Record<string, any>;
      expect(after.component_templates[0].component_template.version).toBe(1_000_000);
    } finally {
      await target.direct('PUT', '/_component_template/fraiseql-events@mappings', installed);
    }
  });

  it('prepare fails with FRAISEQL_MIGRATION_FAILED naming the file when Elasticsearch refuses a body', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'es-migrations-'));
    try {
      for (const file of readdirSync(ELASTICSEARCH_MIGRATIONS_DIR)) copyFileSync(join(ELASTICSEARCH_MIGRATIONS_DIR, file), join(dir, file));
      const bad = '0099_component-template_fraiseql-contract-test-bad.json';
      writeFileSync(join(dir, bad), JSON.stringify({ template: { mappings: { properties: { x: { type: 'no_such_type' } } } } }));
      const store = new ElasticsearchSearchStore(target.storeOptions({ migrationsDir: dir }));
      stores.push(store);
      const failure = await store.prepare().catch((e: unknown) => e);
      expect(failure).toMatchObject({
        code: 'FRAISEQL_MIGRATION_FAILED',
        details: { file: bad, status: 400, type: 'mapper_parsing_exception' },
      });
      expect((failure as Error).message).toContain(bad);
      expect((await target.direct('GET', '/_component_template/fraiseql-contract-test-bad')).status).toBe(404);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends a batch as one NDJSON _bulk: per event a create into the data stream (_id = event_id) and an externally versioned index of the entity', async () => {
    const store = await preparedStore();
    const { eventsDataStream, entitiesIndex } = store.names;
    const since = target.server.requests.length;
    const a = entityEvent({ entity_id: 'order:1', data: { customer: 'Ada' } });
    const b = entityEvent({ org_id: null, entity_type: 'Invoice', entity_id: 'inv-7', data: { amount: 12 } });
    expect(await store.index([a, b])).toEqual({ rejected: [] });

    const bulks = target.server.requestsTo('/_bulk', since);
    expect(bulks).toHaveLength(1);
    const [bulk] = bulks;
    expect(bulk!.headers['content-type']).toMatch(/x-ndjson/);
    expect(bulk!.body.startsWith('[')).toBe(false);
    expect(bulk!.body.endsWith('\n')).toBe(true);
    const lines = bulkLines(since)[0]!;
    expect(lines).toHaveLength(8);
    expect(lines[0]).toEqual({ create: { _index: eventsDataStream, _id: a.event_id } });
    expect(lines[1]).toMatchObject({
      '@timestamp': a.timestamp,
      event_id: a.event_id,
      seq: a.seq,
      org_id: 'org-a',
      data: a.data,
      search_text: ['Ada'],
    });
    expect(lines[2]).toEqual({ index: { _index: entitiesIndex, _id: 'org-a:Order:order%3A1', version: a.seq, version_type: 'external' } });
    expect(lines[3]).toMatchObject({ entity_id: 'order:1', seq: a.seq, deleted: false, data: a.data });
    expect(lines[4]).toEqual({ create: { _index: eventsDataStream, _id: b.event_id } });
    expect(lines[6]).toEqual({ index: { _index: entitiesIndex, _id: '%00:Invoice:inv-7', version: b.seq, version_type: 'external' } });
  });

  it('sends the configured credentials with every request', async () => {
    const since = target.server.requests.length;
    const auth = target.auth ?? { apiKey: 'stand-in-key' };
    const store = await preparedStore({ auth });
    await store.index([entityEvent()]);
    const sent = target.server.requests.slice(since);
    expect(sent.length).toBeGreaterThan(3);
    for (const r of sent) expect(r.headers.authorization).toBe(authorizationHeader(auth).authorization);
  });

  it('a redelivered event stays one document: its create is answered 409 and treated as done', async () => {
    const store = await preparedStore();
    const event = entityEvent({ data: { note: 'delivered twice' } });
    await store.index([event]);
    const since = target.server.requests.length;
    expect(await store.index([event, event])).toEqual({ rejected: [] });
    const answer = JSON.parse(target.server.requestsTo('/_bulk', since)[0]!.responseBody!) as {
      items: Array<Record<string, { status: number }>>;
    };
    expect(answer.items.map((i) => Object.values(i)[0]!.status)).toEqual([409, 409, 409, 409]);
    const events = await store.searchEvents({ orgId: 'org-a', query: 'twice', first: 10 });
    expect(events.hits.map((h) => h.eventId)).toEqual([event.event_id]);
    const entities = await store.searchEntities({ orgId: 'org-a', query: 'twice', first: 10 });
    expect(entities.hits).toHaveLength(1);
  });

  it('a stale seq never overwrites a newer entity document, in either order of arrival', async () => {
    const store = await preparedStore();
    const older = entityEvent({ entity_id: 'o-1', data: { status: 'pending' } });
    const newer = entityEvent({ entity_id: 'o-1', data: { status: 'shipped' } });
    await store.index([newer]);
    await store.index([older]);
    const other1 = entityEvent({ entity_id: 'o-2', data: { status: 'pending' } });
    const other2 = entityEvent({ entity_id: 'o-2', data: { status: 'shipped' } });
    await store.index([other2, other1]);
    const page = await store.searchEntities({ orgId: 'org-a', query: '', first: 10 });
    const byId = Object.fromEntries(page.hits.map((h) => [h.entityId, h]));
    expect(byId['o-1']).toMatchObject({ seq: newer.seq, data: { status: 'shipped' }, deleted: false, updatedAt: newer.timestamp });
    expect(byId['o-2']).toMatchObject({ seq: other2.seq, data: { status: 'shipped' } });
    // Both event documents exist: the history keeps every event, only the entity state is versioned.
    const events = await store.searchEvents({ orgId: 'org-a', query: 'pending', first: 10 });
    expect(events.hits.map((h) => h.eventId).sort()).toEqual([older.event_id, other1.event_id].sort());
  });

  it('a DELETE keeps the entity document, marked deleted with data null, still found by its last words', async () => {
    const store = await preparedStore();
    const created = entityEvent({ event_type: 'INSERT', entity_id: 'c-1', data: { name: 'Grace Hopper' } });
    const deleted = entityEvent({ event_type: 'DELETE', entity_id: 'c-1', data: { name: 'Grace Hopper' } });
    await store.index([created, deleted]);
    const page = await store.searchEntities({ orgId: 'org-a', query: 'hopper', first: 10 });
    expect(page.hits).toHaveLength(1);
    expect(page.hits[0]).toMatchObject({ entityId: 'c-1', deleted: true, data: null, seq: deleted.seq });
  });

  it('items answered 429 are retried with backoff, only they, and then written', async () => {
    const reports: BulkAttemptReport[] = [];
    const store = await preparedStore({ onBulkAttempt: (r) => reports.push(r) });
    const calm = entityEvent({ data: { note: 'calm' } });
    const busy = entityEvent({ data: { note: 'busy' } });
    target.server.failBulkItems({ match: (action) => action.create?._id === busy.event_id, status: 429, times: 2 });
    const since = target.server.requests.length;
    const started = Date.now();
    expect(await store.index([calm, busy])).toEqual({ rejected: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(20 + 40 - 10);

    const bulks = bulkLines(since);
    // The retries carry the refused create alone (its action line and document): the rest was written the first time.
    expect(bulks.map((lines) => lines.length)).toEqual([8, 2, 2]);
    for (const retry of bulks.slice(1)) {
      expect(retry[0]).toEqual({ create: { _index: store.names.eventsDataStream, _id: busy.event_id } });
    }
    expect(reports.map((r) => [r.attempt, r.actions, r.retryable, r.rejected])).toEqual([
      [1, 4, 1, 0],
      [2, 1, 1, 0],
      [3, 1, 0, 0],
    ]);
    const page = await store.searchEvents({ orgId: 'org-a', query: 'busy', first: 10 });
    expect(page.hits.map((h) => h.eventId)).toEqual([busy.event_id]);
  });

  it('items still answered 429 after the last attempt reject the batch with a RetryableError; writing it again duplicates nothing', async () => {
    const store = await preparedStore();
    const events = [entityEvent({ data: { note: 'again' } }), entityEvent({ data: { note: 'again' } })];
    target.server.failBulkItems({ match: (action) => action.create?._id === events[1]!.event_id, status: 429 });
    const since = target.server.requests.length;
    const failure = await store.index(events).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RetryableError);
    expect(failure).toMatchObject({ code: 'FRAISEQL_ELASTICSEARCH_UNAVAILABLE', details: { attempts: 4, pending: 1 } });
    expect(target.server.requestsTo('/_bulk', since)).toHaveLength(4);

    target.server.clearFaults();
    expect(await store.index(events)).toEqual({ rejected: [] });
    const page = await store.searchEvents({ orgId: 'org-a', query: 'again', first: 10 });
    expect(page.hits.map((h) => h.eventId).sort()).toEqual(events.map((e) => e.event_id).sort());
  });

  it('an event whose document does not fit the mappings is rejected (for the DLQ) while the rest of the batch is written', async () => {
    const store = await preparedStore();
    const good = entityEvent({ data: { note: 'fits' } });
    const bad = entityEvent({ data: { note: 'fits', deep: nested(30) } });
    const alsoGood = entityEvent({ data: { note: 'fits' } });
    const outcome = await store.index([good, bad, alsoGood]);
    expect(outcome.rejected).toEqual([
      {
        eventId: bad.event_id,
        code: 'FRAISEQL_ELASTICSEARCH_DOCUMENT_REJECTED',
        message: expect.stringMatching(/^(document_parsing_exception|mapper_parsing_exception): .*depth/),
      },
    ]);
    const page = await store.searchEvents({ orgId: 'org-a', query: 'fits', first: 10 });
    expect(page.hits.map((h) => h.eventId).sort()).toEqual([good.event_id, alsoGood.event_id].sort());
  });

  it('a whole _bulk answered 503 rejects with a RetryableError; the batch written again is one copy', async () => {
    const store = await preparedStore();
    const event = entityEvent({ data: { note: 'outage' } });
    target.server.failRequests({
      match: (r) => r.path.endsWith('/_bulk'),
      status: 503,
      body: { error: { type: 'cluster_block_exception', reason: 'blocked by: [SERVICE_UNAVAILABLE/2/no master];' }, status: 503 },
      times: 1,
    });
    const failure = await store.index([event]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RetryableError);
    expect(failure).toMatchObject({
      code: 'FRAISEQL_ELASTICSEARCH_UNAVAILABLE',
      details: { status: 503, type: 'cluster_block_exception' },
    });
    expect(await store.index([event])).toEqual({ rejected: [] });
    expect(await store.index([event])).toEqual({ rejected: [] });
    const page = await store.searchEvents({ orgId: 'org-a', query: 'outage', first: 10 });
    expect(page.hits).toHaveLength(1);
  });

  it('a whole request answered 429 is retryable after its Retry-After', async () => {
    const store = await preparedStore();
    target.server.failRequests({ match: (r) => r.path.endsWith('/_bulk'), status: 429, headers: { 'retry-after': '7' }, times: 1 });
    const failure = await store.index([entityEvent()]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RetryableError);
    expect((failure as RetryableError).retryAfterMs).toBe(7000);
  });

  it('refused credentials (401) fail with FRAISEQL_ELASTICSEARCH_REFUSED, not as retryable', async () => {
    const store = await preparedStore();
    target.server.failRequests({
      match: () => true,
      status: 401,
      body: { error: { type: 'security_exception', reason: 'unable to authenticate with provided credentials' }, status: 401 },
    });
    for (const attempt of [store.index([entityEvent()]), store.searchEvents({ orgId: 'org-a', query: 'x', first: 1 })]) {
      const failure = await attempt.catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(FraiseqlError);
      expect(failure).not.toBeInstanceOf(RetryableError);
      expect(failure).toMatchObject({ code: 'FRAISEQL_ELASTICSEARCH_REFUSED', details: { status: 401, type: 'security_exception' } });
    }
  });

  it('a server that is not Elasticsearch (no x-elastic-product header) is refused, not retried', async () => {
    const store = await preparedStore();
    target.server.failRequests({
      match: (r) => r.path.endsWith('/_search'),
      status: 200,
      headers: { 'x-elastic-product': 'Other' },
      times: 1,
    });
    const failure = await store.searchEvents({ orgId: 'org-a', query: 'x', first: 1 }).catch((e: unknown) => e);
    expect(failure).not.toBeInstanceOf(RetryableError);
    expect(failure).toMatchObject({ code: 'FRAISEQL_ELASTICSEARCH_REFUSED', message: expect.stringContaining('not Elasticsearch') });
  });

  it('a request slower than requestTimeoutMs fails as retryable', async () => {
    const store = await preparedStore({ requestTimeoutMs: 200 });
    target.server.failRequests({ match: (r) => r.path.endsWith('/_bulk'), delayMs: 1_000, times: 1 });
    const failure = await store.index([entityEvent()]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RetryableError);
    expect(failure).toMatchObject({ code: 'FRAISEQL_ELASTICSEARCH_UNAVAILABLE' });
  });

  it('ping answers true when Elasticsearch answers, false when nothing listens; index then rejects as retryable', async () => {
    const store = await preparedStore();
    expect(await store.ping()).toBe(true);
    const closed = new ElasticsearchSearchStore({ node: 'http://127.0.0.1:9', requestTimeoutMs: 1_000 });
    stores.push(closed);
    expect(await closed.ping()).toBe(false);
    const failure = await closed.index([entityEvent()]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RetryableError);
    expect(failure).toMatchObject({ code: 'FRAISEQL_ELASTICSEARCH_UNAVAILABLE' });
  });

  it('an empty batch sends nothing', async () => {
    const store = await preparedStore();
    const since = target.server.requests.length;
    expect(await store.index([])).toEqual({ rejected: [] });
    expect(target.server.requests.length).toBe(since);
  });
});
