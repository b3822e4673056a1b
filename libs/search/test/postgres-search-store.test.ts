import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { FraiseqlError, RetryableError } from '@fraiseql/errors';
import { createTestDatabase, freePort, type TestDatabase } from '@fraiseql/testkit';
import { PostgresSearchStore, type EventHit, type SearchPage } from '@fraiseql/search';
import { event, newOrg } from './search-fixtures';

let db: TestDatabase;
let pool: Pool;
let store: PostgresSearchStore;

beforeAll(async () => {
  db = await createTestDatabase('fraiseql_search_pg');
  pool = new Pool({ connectionString: db.url, max: 4 });
  store = new PostgresSearchStore({ pool });
  await store.prepare();
});

afterAll(async () => {
  await store?.close();
  await pool?.end();
  await db?.drop();
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof FraiseqlError ? error.code : `not a FraiseqlError: ${String(error)}`;
  }
  return 'resolved';
}

describe('prepare', () => {
  it('creates the schema once: a second run and concurrent runs apply nothing more', async () => {
    const schema = `search_${randomUUID().slice(0, 8)}`;
    const stores = [1, 2, 3].map(() => new PostgresSearchStore({ pool, schema }));
    await Promise.all(stores.map((s) => s.prepare()));
    await stores[0]!.prepare();
    const { rows } = await pool.query(`SELECT id FROM ${schema}.schema_migrations`);
    expect(rows.map((r) => r.id)).toEqual(['0001_search_tables']);
    const indexes = await pool.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%USING gin%' ORDER BY 1`, [
      schema,
    ]);
    expect(indexes.rows.map((r) => r.indexname)).toEqual(['events_tsv']);
  });

  it('refuses a text search configuration PostgreSQL does not have, naming the ones it has', async () => {
    const bad = new PostgresSearchStore({ pool, schema: 'search_bad_config', textSearchConfig: 'klingon' });
    await expect(bad.prepare()).rejects.toMatchObject({ code: 'FRAISEQL_CONFIG_INVALID', message: expect.stringContaining('english') });
  });

  it('refuses options that are wrong before connecting', () => {
    expect(() => new PostgresSearchStore({ pool, schema: 'Robert"; DROP' })).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_CONFIG_INVALID', message: expect.stringContaining('schema') }),
    );
    expect(() => new PostgresSearchStore({ pool, connectionString: db.url })).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_CONFIG_INVALID' }),
    );
    expect(() => new PostgresSearchStore({ pool, maxTextBytes: 10 })).toThrow(expect.objectContaining({ code: 'FRAISEQL_CONFIG_INVALID' }));
  });

  it('refuses another configuration than the index was built with, and rebuilds the index when told to', async () => {
    const schema = `search_${randomUUID().slice(0, 8)}`;
    const simple = new PostgresSearchStore({ pool, schema });
    await simple.prepare();
    const org = newOrg();
    await simple.index([event({ org_id: org, data: { note: 'the parcels were running late' } })]);
    const search = (s: PostgresSearchStore) => s.searchEvents({ orgId: org, query: 'parcel run', first: 10 });
    expect((await search(simple)).hits).toHaveLength(0);

    const english = new PostgresSearchStore({ pool, schema, textSearchConfig: 'english' });
    await expect(english.prepare()).rejects.toMatchObject({ code: 'FRAISEQL_CONFIG_INVALID' });
    const reindexing = new PostgresSearchStore({ pool, schema, textSearchConfig: 'English', reindexOnConfigChange: true });
    await reindexing.prepare();
    expect((await search(reindexing)).hits).toHaveLength(1);
    await english.prepare();
  });
});

describe('index and search', () => {
  it('finds events by words anywhere in their data, numbers and entity ids included', async () => {
    const org = newOrg();
    const order = event({
      org_id: org,
      entity_id: 'ORD-1042',
      data: { customer: { name: 'Ada Lovelace', email: 'ada@example.com' }, lines: [{ sku: 'TEA-77', note: 'Earl Grey' }], total: 129.5 },
    });
    expect(await store.index([order])).toEqual({ rejected: [] });
    // A code's number alone finds it too: PostgreSQL's parser would read `-1042` as a negative number.
    for (const query of ['lovelace', 'ada@example.com', 'earl grey', 'TEA-77', '77', '129.5', 'ORD-1042', '1042', 'order']) {
      const page = await store.searchEvents({ orgId: org, query, first: 10 });
      expect({ query, ids: page.hits.map((h) => h.eventId) }).toEqual({ query, ids: [order.event_id] });
    }
    const [hit] = (await store.searchEvents({ orgId: org, query: 'lovelace', first: 10 })).hits;
    expect(hit).toMatchObject({
      eventId: order.event_id,
      seq: 1,
      eventType: 'INSERT',
      entityType: 'Order',
      entityId: 'ORD-1042',
      timestamp: order.timestamp,
      data: order.data,
    });
    expect(hit!.score).toBeGreaterThan(0);
    expect((await store.searchEvents({ orgId: org, query: 'babbage', first: 10 })).hits).toEqual([]);
  });

  it('never shows one org the events or entities of another, nor those without an org', async () => {
    const [a, b] = [newOrg(), newOrg()];
    await store.index([
      event({ org_id: a, data: { note: 'confidential merger zanzibar' } }),
      event({ org_id: null, data: { note: 'zanzibar without org' } }),
    ]);
    expect((await store.searchEvents({ orgId: a, query: 'zanzibar', first: 10 })).hits).toHaveLength(1);
    expect((await store.searchEntities({ orgId: a, query: 'zanzibar', first: 10 })).hits).toHaveLength(1);
    expect((await store.searchEvents({ orgId: b, query: 'zanzibar', first: 10 })).hits).toEqual([]);
    expect((await store.searchEntities({ orgId: b, query: 'zanzibar', first: 10 })).hits).toEqual([]);
    const none = await store.searchEvents({ orgId: null, query: 'zanzibar', first: 10 });
    expect(none.hits.map((h) => h.data)).toEqual([{ note: 'zanzibar without org' }]);
    expect((await store.searchEntities({ orgId: null, query: 'confidential', first: 10 })).hits).toEqual([]);
  });

  it('indexes a redelivered event once, within a batch and across batches', async () => {
    const org = newOrg();
    const e = event({ org_id: org, data: { note: 'redelivered quokka' } });
    await store.index([e, { ...e }]);
    await store.index([{ ...e }]);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM fraiseql_search.events WHERE event_id = $1', [e.event_id]);
    expect(rows[0].n).toBe(1);
    expect((await store.searchEvents({ orgId: org, query: 'quokka', first: 10 })).hits).toHaveLength(1);
  });

  it('keeps the state of the highest seq, whatever the order of arrival', async () => {
    const org = newOrg();
    const states = (entityId: string) =>
      [1, 2, 3].map((seq) =>
        event({
          org_id: org,
          entity_id: entityId,
          seq,
          event_type: seq === 1 ? 'INSERT' : 'UPDATE',
          data: { status: `state${seq}`, tag: 'wombat' },
        }),
      );
    const [s1, s2, s3] = states('in-order');
    for (const e of [s1!, s2!, s3!]) await store.index([e]);
    const [r1, r2, r3] = states('reverse');
    for (const e of [r3!, r1!, r2!]) await store.index([e]);
    const [b1, b2, b3] = states('one-batch');
    await store.index([b2!, b3!, b1!]);

    const page = await store.searchEntities({ orgId: org, query: 'wombat', first: 10 });
    const byId = Object.fromEntries(page.hits.map((h) => [h.entityId, { seq: h.seq, data: h.data, deleted: h.deleted }]));
    const latest = { seq: 3, data: { status: 'state3', tag: 'wombat' }, deleted: false };
    expect(byId).toEqual({ 'in-order': latest, reverse: latest, 'one-batch': latest });
    // Old states are not the entity's any more, but the events that carried them are all there.
    expect((await store.searchEntities({ orgId: org, query: 'state1', first: 10 })).hits).toEqual([]);
    expect((await store.searchEvents({ orgId: org, query: 'wombat', first: 100 })).hits).toHaveLength(9);
  });

  it('marks a deleted entity deleted, still findable, and findable by its events', async () => {
    const org = newOrg();
    const created = event({ org_id: org, entity_id: 'c-1', seq: 10, data: { name: 'Okapi Ltd' } });
    const deleted = event({ org_id: org, entity_id: 'c-1', seq: 11, event_type: 'DELETE', data: { name: 'Okapi Ltd' } });
    const stale = event({ org_id: org, entity_id: 'c-1', seq: 9, event_type: 'UPDATE', data: { name: 'Okapi Ltd (old)' } });
    await store.index([created, deleted]);
    await store.index([stale]);
    const entities = await store.searchEntities({ orgId: org, query: 'okapi', first: 10 });
    expect(entities.hits).toMatchObject([{ entityId: 'c-1', seq: 11, deleted: true, data: null, highlights: ['<em>Okapi</em> Ltd'] }]);
    const events = await store.searchEvents({ orgId: org, query: 'okapi', first: 10 });
    expect(events.hits.map((h) => h.eventType).sort()).toEqual(['DELETE', 'INSERT', 'UPDATE']);
  });

  it('filters by entity type, event type and time range (from inclusive, to exclusive)', async () => {
    const org = newOrg();
    const base = Date.UTC(2025, 0, 1);
    const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString().replace('Z', '000Z');
    const e1 = event({ org_id: org, entity_type: 'Order', timestamp: at(0), data: { note: 'capybara' } });
    const e2 = event({ org_id: org, entity_type: 'Customer', timestamp: at(10), data: { note: 'capybara' } });
    const e3 = event({ org_id: org, entity_type: 'Order', event_type: 'UPDATE', timestamp: at(20), data: { note: 'capybara' } });
    await store.index([e1, e2, e3]);
    const ids = async (extra: object) =>
      (await store.searchEvents({ orgId: org, query: 'capybara', first: 10, ...extra })).hits.map((h) => h.eventId).sort();
    expect(await ids({ entityType: 'Order' })).toEqual([e1.event_id, e3.event_id].sort());
    expect(await ids({ eventType: 'UPDATE' })).toEqual([e3.event_id]);
    expect(await ids({ from: at(10), to: at(20) })).toEqual([e2.event_id]);
    expect(await ids({ from: '2025-01-01T01:10:00+01:00' })).toEqual([e2.event_id, e3.event_id].sort());
    expect((await store.searchEntities({ orgId: org, query: 'capybara', entityType: 'Customer', first: 10 })).hits).toHaveLength(1);
  });

  it('reads web-search syntax: "phrases", -exclusions, or; never raw tsquery syntax', async () => {
    const org = newOrg();
    const red = event({ org_id: org, data: { note: 'red panda escaped' } });
    const giant = event({ org_id: org, data: { note: 'giant panda red' } });
    await store.index([red, giant]);
    const ids = async (query: string) => (await store.searchEvents({ orgId: org, query, first: 10 })).hits.map((h) => h.eventId).sort();
    expect(await ids('"red panda"')).toEqual([red.event_id]);
    expect(await ids('panda -giant')).toEqual([red.event_id]);
    expect(await ids('escaped or giant')).toEqual([red.event_id, giant.event_id].sort());
    // tsquery operators are separators here: `!giant:*` is the word giant, not a negated prefix.
    expect(await ids("panda & !giant:* | ('")).toEqual([giant.event_id]);
  });

  it('answers a query of stop words only with an empty page, and refuses one without any word', async () => {
    const schema = `search_${randomUUID().slice(0, 8)}`;
    const english = new PostgresSearchStore({ pool, schema, textSearchConfig: 'english' });
    await english.prepare();
    const org = newOrg();
    await english.index([event({ org_id: org, data: { note: 'the running of the bulls' } })]);
    expect(await english.searchEvents({ orgId: org, query: 'the of', first: 10 })).toEqual({
      hits: [],
      endCursor: null,
      hasNextPage: false,
    });
    expect((await english.searchEvents({ orgId: org, query: 'runs', first: 10 })).hits).toHaveLength(1);
    expect(await codeOf(english.searchEvents({ orgId: org, query: '  -"" ', first: 10 }))).toBe('BAD_USER_INPUT');
  });
});

describe('highlights', () => {
  it('wraps matches in <em> and returns everything else HTML-escaped', async () => {
    const org = newOrg();
    await store.index([
      event({
        org_id: org,
        data: { note: `<script>alert("pwned")</script> the parcel & the <b>box</b> were lost`, more: "O'Brien's parcel" },
      }),
    ]);
    const [hit] = (await store.searchEvents({ orgId: org, query: 'parcel', first: 10 })).hits;
    const text = hit!.highlights.join(' … ');
    expect(text).toContain('<em>parcel</em>');
    expect(text).toContain('alert(&quot;pwned&quot;)&lt;/script&gt; the <em>parcel</em> &amp; the &lt;b&gt;box&lt;/b&gt;');
    expect(text).toContain('O&#39;Brien&#39;s <em>parcel</em>');
    // Nothing but our own tags.
    expect(text.replace(/<\/?em>/g, '')).not.toMatch(/[<>"']/);

    const [scriptHit] = (await store.searchEvents({ orgId: org, query: 'script', first: 10 })).hits;
    expect(scriptHit!.highlights[0]).toContain('<em>script</em>&gt;alert(');
    const [entity] = (await store.searchEntities({ orgId: org, query: 'pwned', first: 10 })).hits;
    expect(entity!.highlights[0]).toContain('alert(&quot;<em>pwned</em>&quot;)');
  });
});

describe('pagination', () => {
  it('walks every hit exactly once, in the same order as one big page', async () => {
    const org = newOrg();
    const same = '2024-06-01T12:00:00.000000Z';
    const events = Array.from({ length: 23 }, (_, i) =>
      event({
        org_id: org,
        entity_id: `e-${i}`,
        // Several equal scores and equal timestamps: the event id breaks the tie.
        ...(i % 3 === 0 ? { timestamp: same } : {}),
        data: { note: i % 4 === 0 ? 'narwhal narwhal narwhal' : `narwhal number ${i}` },
      }),
    );
    await store.index(events);

    const all = await store.searchEvents({ orgId: org, query: 'narwhal', first: 100 });
    expect(all.hits).toHaveLength(23);
    expect(all.hasNextPage).toBe(false);
    const walked: EventHit[] = [];
    let page: SearchPage<EventHit> | undefined;
    let pages = 0;
    do {
      page = await store.searchEvents({ orgId: org, query: 'narwhal', first: 5, after: page?.endCursor ?? undefined });
      walked.push(...page.hits);
      pages++;
    } while (page.hasNextPage);
    expect(pages).toBe(5);
    expect(page.endCursor).toBeNull();
    expect(walked.map((h) => h.eventId)).toEqual(all.hits.map((h) => h.eventId));
    expect(new Set(walked.map((h) => h.eventId)).size).toBe(23);

    const entities = await store.searchEntities({ orgId: org, query: 'narwhal', first: 20 });
    const rest = await store.searchEntities({ orgId: org, query: 'narwhal', first: 20, after: entities.endCursor! });
    expect(new Set([...entities.hits, ...rest.hits].map((h) => h.entityId)).size).toBe(23);
    expect(rest.hasNextPage).toBe(false);
  });

  it('refuses an altered cursor and a cursor of another search with clear codes', async () => {
    const org = newOrg();
    await store.index([1, 2, 3].map((i) => event({ org_id: org, data: { note: `pangolin ${i}` } })));
    const first = await store.searchEvents({ orgId: org, query: 'pangolin', first: 1 });
    const cursor = first.endCursor!;
    const search = (after: string, query = 'pangolin', orgId: string | null = org) => store.searchEvents({ orgId, query, first: 1, after });
    expect(await codeOf(search(`${cursor}x`))).toBe('FRAISEQL_INVALID_CURSOR');
    expect(await codeOf(search('not a cursor'))).toBe('FRAISEQL_INVALID_CURSOR');
    const payload = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    const forged = (p: object) => Buffer.from(JSON.stringify({ ...payload, ...p })).toString('base64url');
    expect(await codeOf(search(forged({ s: '1; DROP TABLE x' })))).toBe('FRAISEQL_INVALID_CURSOR');
    expect(await codeOf(search(forged({ i: ["' OR 1=1"] })))).toBe('FRAISEQL_INVALID_CURSOR');
    expect(await codeOf(search(cursor, 'pangolin 2'))).toBe('FRAISEQL_STALE_CURSOR');
    expect(await codeOf(search(cursor, 'pangolin', newOrg()))).toBe('FRAISEQL_STALE_CURSOR');
    expect(await codeOf(store.searchEntities({ orgId: org, query: 'pangolin', first: 1, after: cursor }))).toBe('FRAISEQL_STALE_CURSOR');
    expect((await search(cursor)).hits).toHaveLength(1);
  });

  it('validates first: 1..100', async () => {
    const search = (first: number) => store.searchEvents({ orgId: null, query: 'x', first });
    expect(await codeOf(search(0))).toBe('BAD_USER_INPUT');
    expect(await codeOf(search(2.5))).toBe('BAD_USER_INPUT');
    expect(await codeOf(search(101))).toBe('FRAISEQL_PAGE_TOO_LARGE');
    expect(await codeOf(store.searchEvents({ orgId: null, query: 'x', first: 1, from: '2024-02-30T00:00:00Z' }))).toBe('BAD_USER_INPUT');
  });
});

describe('refused events', () => {
  it('lists each poison event with a stable code and writes the rest of the batch', async () => {
    const org = newOrg();
    let deep: Record<string, unknown> = { note: 'deep ocelot' };
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    const good1 = event({ org_id: org, data: { note: 'ocelot one' } });
    const nul = event({ org_id: org, data: { note: 'ocelot \u0000 nul' } });
    const surrogate = event({ org_id: org, data: { ['ocelot \ud800']: 1 } });
    const huge = event({ org_id: org, data: { note: 'ocelot', blob: 'x'.repeat(2 * 1024 * 1024) } });
    const malformed = { ...event({ org_id: org, data: { note: 'ocelot' } }), seq: 0 };
    const longId = event({ org_id: org, entity_id: '漢'.repeat(200), data: { note: 'ocelot' } });
    const tooDeep = event({ org_id: org, data: deep });
    const good2 = event({ org_id: org, data: { note: 'ocelot two', literal: 'a \\u0000 is not a NUL' } });
    const outcome = await store.index([good1, nul, surrogate, huge, malformed, longId, tooDeep, good2]);
    expect(outcome.rejected.map((r) => [r.eventId, r.code])).toEqual([
      [nul.event_id, 'SEARCH_TEXT_UNSUPPORTED'],
      [surrogate.event_id, 'SEARCH_TEXT_UNSUPPORTED'],
      [huge.event_id, 'SEARCH_DOCUMENT_TOO_LARGE'],
      [malformed.event_id, 'SEARCH_EVENT_INVALID'],
      [longId.event_id, 'SEARCH_EVENT_INVALID'],
      [tooDeep.event_id, 'SEARCH_EVENT_INVALID'],
    ]);
    for (const r of outcome.rejected) expect(r.message).toEqual(expect.any(String));
    const hits = (await store.searchEvents({ orgId: org, query: 'ocelot', first: 10 })).hits;
    expect(hits.map((h) => h.eventId).sort()).toEqual([good1.event_id, good2.event_id].sort());
  });

  it('sets aside an event PostgreSQL refuses that validation did not foresee, and writes the others', async () => {
    const schema = `search_${randomUUID().slice(0, 8)}`;
    const guarded = new PostgresSearchStore({ pool, schema });
    await guarded.prepare();
    // Stands for any refusal of one row (data exception, constraint, size limit) validation does not know of.
    await pool.query(`ALTER TABLE ${schema}.events ADD CONSTRAINT no_poison CHECK (data->>'note' <> 'poison')`);
    const org = newOrg();
    const batch = ['fine one', 'poison', 'fine two'].map((note) => event({ org_id: org, data: { note } }));
    expect(await guarded.index(batch)).toEqual({
      rejected: [{ eventId: batch[1]!.event_id, code: 'SEARCH_EVENT_REFUSED', message: expect.stringContaining('no_poison') }],
    });
    const hits = await guarded.searchEvents({ orgId: org, query: 'fine', first: 10 });
    expect(hits.hits.map((h) => h.eventId).sort()).toEqual([batch[0]!.event_id, batch[2]!.event_id].sort());
    // Neither the refused event's entity row: the event and its entity state are written together or not at all.
    expect((await guarded.searchEntities({ orgId: org, query: 'poison', first: 10 })).hits).toEqual([]);
  });

  it('indexes only the first maxTextFields values and maxTextBytes bytes of a document, and stores all of it', async () => {
    const schema = `search_${randomUUID().slice(0, 8)}`;
    const small = new PostgresSearchStore({ pool, schema, maxTextFields: 2, maxTextBytes: 64 });
    await small.prepare();
    const org = newOrg();
    const e = event({ org_id: org, data: { a: 'alpha', b: 'beta', c: 'gamma' } });
    const long = event({ org_id: org, data: { a: `${'word '.repeat(20)}omega` } });
    await small.index([e, long]);
    const count = async (query: string) => (await small.searchEvents({ orgId: org, query, first: 10 })).hits.length;
    expect([await count('alpha'), await count('beta'), await count('gamma'), await count('omega')]).toEqual([1, 1, 0, 0]);
    expect((await small.searchEvents({ orgId: org, query: 'alpha', first: 10 })).hits[0]!.data).toEqual(e.data);
  });
});

describe('store failures', () => {
  it('rejects with RetryableError when PostgreSQL cannot be reached, and ping says false', async () => {
    const port = await freePort();
    const down = new PostgresSearchStore({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    try {
      const failure = await down.index([event({ data: { note: 'x' } })]).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(RetryableError);
      expect(failure).toMatchObject({ code: 'FRAISEQL_DB_UNAVAILABLE', retryAfterMs: expect.any(Number) });
      expect(await down.searchEvents({ orgId: null, query: 'x', first: 1 }).catch((error: unknown) => error)).toBeInstanceOf(
        RetryableError,
      );
      expect(await down.prepare().catch((error: unknown) => error)).toBeInstanceOf(RetryableError);
      expect(await down.ping()).toBe(false);
    } finally {
      await down.close();
    }
  });

  it('rejects with RetryableError once its pool is closed', async () => {
    const own = new PostgresSearchStore({ connectionString: db.url });
    expect(await own.ping()).toBe(true);
    await own.close();
    await own.close();
    const failure = await own.index([event({ data: { note: 'late' } })]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RetryableError);
    expect(failure).toMatchObject({ code: 'FRAISEQL_DB_UNAVAILABLE' });
  });

  it('rejects with RetryableError when the server ends its connection mid-batch, and indexes the batch when retried', async () => {
    const schema = `search_${randomUUID().slice(0, 8)}`;
    const victim = new PostgresSearchStore({ pool, schema });
    await victim.prepare();
    const org = newOrg();
    const batch = [event({ org_id: org, data: { note: 'interrupted tapir' } })];
    const locker = await pool.connect();
    try {
      // The batch waits on this lock inside its statement; its backend is then terminated (57P01).
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${schema}.events IN ACCESS EXCLUSIVE MODE`);
      const pending = victim.index(batch).catch((error: unknown) => error);
      const waiting = async (): Promise<number> => {
        for (;;) {
          const { rows } = await pool.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%unnest%'`,
          );
          if (rows[0]) return rows[0].pid;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      await pool.query('SELECT pg_terminate_backend($1)', [await waiting()]);
      const failure = await pending;
      expect(failure).toBeInstanceOf(RetryableError);
      expect(failure).toMatchObject({ code: 'FRAISEQL_DB_UNAVAILABLE' });
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    expect(await victim.index(batch)).toEqual({ rejected: [] });
    expect((await victim.searchEvents({ orgId: org, query: 'tapir', first: 10 })).hits).toHaveLength(1);
  });
});
