import { RecordBatchReader } from 'apache-arrow';
import { startClickhouseHttpServer, startNatsServer, type TestClickhouseHttpServer, type TestNatsServer } from '@fraiseql/testkit';
import { connect, type NatsConnection, type Subscription } from 'nats';
import {
  ANALYTICS_DATASETS,
  analyticsQuerySql,
  applyClickhouseMigrations,
  encodeEventsRowBinary,
  FRAISEQL_EVENTS_ROW_BINARY_COLUMNS,
  HttpClickhouse,
  readJsonRows,
  requestAnalyticsStream,
  serveAnalyticsQueries,
  STORED_EVENT_IDS_PER_QUERY,
  storedEventIds,
} from '../src';
import { testEvent } from './analytics-scenarios';

// Analytics reads over NATS (the path flight-server takes when only the sink can open the engine): a private
// nats-server, the executor behind testkit's ClickHouse HTTP server (the same engine as the embedded one).

const ORG_A = '0190f0e0-aaaa-7000-8000-00000000000a';
const ORG_B = '0190f0e0-bbbb-7000-8000-00000000000b';
const caller = (orgId: string) => ({ subject: 'analyst', orgId, roles: [] as string[] });

describe('analytics over NATS (serveAnalyticsQueries ↔ requestAnalyticsStream)', () => {
  let clickhouseServer: TestClickhouseHttpServer;
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let clickhouse: HttpClickhouse;
  let served: Subscription | undefined;

  beforeAll(async () => {
    [clickhouseServer, nats] = await Promise.all([startClickhouseHttpServer(), startNatsServer()]);
    nc = await connect({ servers: nats.url });
    clickhouse = new HttpClickhouse({ url: clickhouseServer.url, database: 'analytics_nats' });
    await applyClickhouseMigrations(clickhouse);
    const events = Array.from({ length: 400 }, (_, i) => testEvent(i + 1));
    await clickhouse.insert({
      table: 'fraiseql_events',
      format: 'RowBinary',
      columns: FRAISEQL_EVENTS_ROW_BINARY_COLUMNS,
      body: encodeEventsRowBinary(events),
    });
  });
  afterAll(async () => {
    served?.unsubscribe();
    await clickhouse?.close();
    await nc?.close();
    await nats?.dispose();
    await clickhouseServer?.close();
  });

  const read = async (dataset: keyof typeof ANALYTICS_DATASETS, orgId: string) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of requestAnalyticsStream(nc, { dataset }, caller(orgId), { timeoutMs: 10_000 })) chunks.push(chunk);
    const reader = RecordBatchReader.from(Buffer.concat(chunks));
    const rows: Record<string, unknown>[] = [];
    for (const batch of reader) for (const row of batch) rows.push(row.toJSON() as Record<string, unknown>);
    return rows;
  };

  it('says no sink answers before one serves', async () => {
    await expect(read('events_hourly', ORG_A)).rejects.toMatchObject({ code: 'FRAISEQL_SINK_UNAVAILABLE' });
  });

  it("streams each dataset as one Arrow IPC stream of the caller's org, equal to the same SQL run directly", async () => {
    served = serveAnalyticsQueries(nc, clickhouse);
    await nc.flush();
    for (const dataset of Object.keys(ANALYTICS_DATASETS) as (keyof typeof ANALYTICS_DATASETS)[]) {
      const { sql, params } = analyticsQuerySql({ dataset, orgId: ORG_A });
      const direct = await readJsonRows<Record<string, unknown>>(clickhouse, sql, params);
      const streamed = await read(dataset, ORG_A);
      expect(streamed.length).toBe(direct.length);
      expect(streamed.length).toBeGreaterThan(0);
    }
    const hourlyA = await read('events_hourly', ORG_A);
    const [recount] = await readJsonRows<{ n: string }>(
      clickhouse,
      'SELECT count() AS n FROM fraiseql_events FINAL WHERE org_id = {org:String}',
      {
        org: ORG_A,
      },
    );
    expect(hourlyA.reduce((n, row) => n + Number(row.events), 0)).toBe(Number(recount!.n));
    // Org B's stream holds none of org A's events.
    const eventsB = await read('events', ORG_B);
    const idsA = new Set((await read('events', ORG_A)).map((r) => r.event_id));
    expect(eventsB.length).toBeGreaterThan(0);
    expect(eventsB.some((r) => idsA.has(r.event_id))).toBe(false);
  });

  it('answers a bad request with its code, naming the field', async () => {
    const chunks = requestAnalyticsStream(nc, { dataset: 'nope' as never }, caller(ORG_A), { timeoutMs: 5000 });
    await expect(chunks.next()).rejects.toMatchObject({ code: 'FRAISEQL_BAD_REQUEST', message: expect.stringMatching(/^dataset: /) });
    const limited = requestAnalyticsStream(nc, { dataset: 'events', limit: 0 }, caller(ORG_A), { timeoutMs: 5000 });
    await expect(limited.next()).rejects.toMatchObject({ code: 'FRAISEQL_BAD_REQUEST', message: expect.stringMatching(/^limit: /) });
  });

  it('finds the stored events of a batch larger than one lookup query (the ids go in several queries under max_query_size)', async () => {
    const batch = Array.from({ length: STORED_EVENT_IDS_PER_QUERY * 2 + 1001 }, (_, i) => testEvent(100_000 + i));
    const stored = batch.filter((_, i) => i % 3 === 0);
    await clickhouse.insert({
      table: 'fraiseql_events',
      format: 'RowBinary',
      columns: FRAISEQL_EVENTS_ROW_BINARY_COLUMNS,
      body: encodeEventsRowBinary(stored),
    });
    expect(await storedEventIds(clickhouse, batch)).toEqual(new Set(stored.map((e) => e.event_id)));
  });
});
