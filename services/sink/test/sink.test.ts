import { HOURLY_ROLLUP_DIFFERENCES, readJsonRows, type ClickhouseExecutor } from '@fraiseql/clickhouse';
import { NatsApiClient } from '@fraiseql/nats-api';
import { SEARCH_API, type SearchApiResults } from '@fraiseql/search';
import { createLogger } from '@fraiseql/service-kit';
import {
  createTestDatabase,
  startClickhouseHttpServer,
  startNatsServer,
  waitFor,
  type TestClickhouseHttpServer,
  type TestDatabase,
  type TestNatsServer,
} from '@fraiseql/testkit';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import { createSink, type Sink } from '../src';
import { openBus, ORG_A, ORG_B, orderEvent, type Bus } from './support';

// The sink in this process against real components: a private nats-server (JetStream), PostgreSQL (full-text
// search), and ClickHouse's HTTP interface in front of the current engine (chdb; testkit's server, since no current
// ClickHouse server runs here). Two dataplanes, each its own consumer: either store down never stops the other.

describe('sink (real NATS JetStream, PostgreSQL search, ClickHouse over HTTP)', () => {
  let nats: TestNatsServer;
  let clickhouseServer: TestClickhouseHttpServer;
  let db: TestDatabase;
  let bus: Bus;
  let sink: Sink;
  let clickhouse: ClickhouseExecutor;
  let registry: Registry;
  const published: string[] = [];

  beforeAll(async () => {
    [nats, clickhouseServer, db] = await Promise.all([
      startNatsServer(),
      startClickhouseHttpServer(),
      createTestDatabase('fraiseql_sink_test'),
    ]);
    bus = await openBus(nats.url);
    registry = new Registry();
    sink = await createSink({
      natsUrl: nats.url,
      dataplanes: ['clickhouse', 'search'],
      clickhouse: {
        url: clickhouseServer.url,
        database: 'fraiseql',
        path: 'unused',
        retentionDays: 90,
        batch: { maxRows: 1000, maxBytes: 4 << 20, maxDelayMs: 100 },
      },
      search: {
        postgres: { connectionString: db.url, poolMax: 4, schema: 'fraiseql_search', textSearchConfig: 'simple' },
        batch: { maxRows: 500, maxBytes: 4 << 20, maxDelayMs: 100 },
      },
      logger: createLogger({ service: 'sink', level: (process.env.SINK_TEST_LOG as 'info' | undefined) ?? 'silent' }),
      registry,
    });
    clickhouse = sink.clickhouse!;
  }, 60_000);

  afterAll(async () => {
    await sink?.close();
    await bus?.close();
    await clickhouseServer?.close();
    await nats?.dispose();
    await db?.drop();
  });

  const clickhouseCounts = async (): Promise<{ rows: number; distinct: number }> => {
    const [row] = await readJsonRows<{ rows: string; distinct: string }>(
      clickhouse,
      'SELECT count() AS rows, uniqExact(event_id) AS distinct FROM fraiseql_events',
    );
    return { rows: Number(row!.rows), distinct: Number(row!.distinct) };
  };
  const searchCount = async (): Promise<number> => {
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      return Number((await pg.query<{ n: string }>('SELECT count(*) AS n FROM fraiseql_search.events')).rows[0]!.n);
    } finally {
      await pg.end();
    }
  };
  const metric = async (name: string, labels: Record<string, string>): Promise<number> => {
    const found = (await registry.getSingleMetric(name)?.get())?.values ?? [];
    return found.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((n, v) => n + v.value, 0);
  };

  it('stores every event once in ClickHouse and search (redeliveries included); rollups agree; search is org-scoped', async () => {
    const events = Array.from({ length: 3000 }, (_, i) => orderEvent(i));
    published.push(...events.map((e) => e.event_id));
    await bus.publish(events);
    // 300 of them again under other message ids: JetStream keeps them, the sink must not store them twice.
    await bus.publish(events.slice(0, 300), { msgIdSuffix: ':again' });

    await waitFor(async () => (await clickhouseCounts()).distinct === 3000 && (await searchCount()) === 3000, 60_000);
    expect(await clickhouseCounts()).toEqual({ rows: 3000, distinct: 3000 });
    const window = { from: new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 19).replace('T', ' '), to: '2100-01-01 00:00:00' };
    expect(await readJsonRows(clickhouse, HOURLY_ROLLUP_DIFFERENCES, window)).toEqual([]);
    const [rollup] = await readJsonRows<{ events: string }>(clickhouse, 'SELECT sum(events) AS events FROM fraiseql_events_hourly');
    expect(Number(rollup!.events)).toBe(3000);

    const api = new NatsApiClient<typeof SEARCH_API, SearchApiResults>(bus.nc, SEARCH_API);
    const asOrg = (orgId: string) => ({ subject: 'analyst', orgId, roles: ['search'] });
    const a = await api.call('events', { query: 'refund', first: 100 }, asOrg(ORG_A));
    expect(a.hits.length).toBeGreaterThan(0);
    expect(a.hits.every((h) => h.data.org === ORG_A && String(h.data.note).includes('refund'))).toBe(true);
    expect(a.hits[0]!.highlights.join(' ')).toContain('<em>refund</em>');
    const b = await api.call('events', { query: 'refund', first: 100 }, asOrg(ORG_B));
    expect(b.hits.length).toBeGreaterThan(0);
    expect(b.hits.every((h) => h.data.org === ORG_B)).toBe(true);
    const entities = await api.call('entities', { query: 'order', entityType: 'Order', first: 10 }, asOrg(ORG_A));
    expect(entities.hits.every((h) => h.entityType === 'Order')).toBe(true);
    // The latest state of each entity: the highest seq among its events.
    const newest = new Map<string, number>();
    for (const e of events.filter((x) => x.org_id === ORG_A && x.entity_type === 'Order'))
      newest.set(e.entity_id, Math.max(newest.get(e.entity_id) ?? 0, e.seq));
    for (const hit of entities.hits) expect(hit.seq).toBe(newest.get(hit.entityId));

    expect(await metric('fraiseql_sink_rows_written_total', { dataplane: 'clickhouse' })).toBeGreaterThanOrEqual(3000);
    expect(await bus.deadLetters()).toEqual([]);
  }, 90_000);

  it('keeps search flowing while ClickHouse is down for 30 s, then ClickHouse catches up by itself: nothing lost or duplicated', async () => {
    await clickhouseServer.stop();
    const events = Array.from({ length: 500 }, (_, i) => orderEvent(10_000 + i));
    await bus.publish(events);
    const down = Date.now();
    await waitFor(async () => (await searchCount()) === 3500, 30_000);
    await waitFor(async () => (await metric('fraiseql_sink_write_retries_total', { dataplane: 'clickhouse' })) > 0, 10_000);
    // ClickHouse stays away for 30 s: the batch is held (no redelivery, no dead letter), the consumer waits.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 30_000 - (Date.now() - down))));
    const jsm = await bus.nc.jetstreamManager();
    expect((await jsm.consumers.info('FRAISEQL_EVENTS', 'sink-clickhouse')).num_redelivered).toBe(0);
    expect(await bus.deadLetters()).toEqual([]);
    await clickhouseServer.start();
    await waitFor(async () => (await clickhouseCounts()).distinct === 3500, 60_000);
    expect(await clickhouseCounts()).toEqual({ rows: 3500, distinct: 3500 });
    expect(await bus.deadLetters()).toEqual([]);
  }, 180_000);

  it('dead-letters a malformed message on both dataplanes while the events around it are stored', async () => {
    await bus.publishRaw('fraiseql.v1.events._.Order.INSERT', '{"event_id": 42');
    await bus.publish([orderEvent(20_000)]);
    await waitFor(async () => (await clickhouseCounts()).distinct === 3501 && (await searchCount()) === 3501, 30_000);
    await waitFor(async () => (await bus.deadLetters()).length === 2, 10_000);
    const letters = await bus.deadLetters();
    expect(letters.map((l) => l.source).sort()).toEqual(['sink-clickhouse', 'sink-search']);
    expect(letters.every((l) => l.error.code === 'FRAISEQL_BAD_MESSAGE' && l.event === null)).toBe(true);
  }, 60_000);
});
