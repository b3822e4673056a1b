import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { tableFromArrays, tableToIPC, type Table } from 'apache-arrow';
import {
  analyticsQuerySql,
  applyClickhouseMigrations,
  encodeEventsRowBinary,
  FRAISEQL_EVENTS_ROW_BINARY_COLUMNS,
  HttpClickhouse,
  readJsonRows,
  serveAnalyticsQueries,
  type FraiseqlEventRow,
} from '@fraiseql/clickhouse';
import { FraiseqlError } from '@fraiseql/errors';
import { ipcStreamToFlightData, type FlightClient, type FlightDescriptor, type FlightInfo } from '@fraiseql/flight';
import { startClickhouseHttpServer, type TestClickhouseHttpServer } from '@fraiseql/testkit';
import { recordBatchRows } from '../src/record-batch-rows';
import { ORG_A, ORG_B, startFlightStack, type FlightStack } from './fixtures/flight-stack';
import { prepareTypedDatasets, typedDatasetsSchema } from './fixtures/typed-datasets';

// The analytics datasets over Flight, from ClickHouse's own ArrowStream: testkit's ClickHouse HTTP server (the current
// engine, chdb, behind ClickHouse's HTTP interface) with the sink's migrations and events of two orgs. One flight-server
// reads ClickHouse directly (FRAISEQL_CLICKHOUSE_URL); another has no URL and asks the sink over NATS.

const DATABASE = 'flight_analytics';
/** Inside every retention (the tables' TTL would drop older events at insert). */
const BASE = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - 3 * 86_400_000;
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** Org A changes Orders and Customers, org B Invoices and Customers (so a leak would show as a type), 1 in 10 no org. */
function events(count: number): FraiseqlEventRow[] {
  return Array.from({ length: count }, (_, i) => {
    const org = i % 10 === 9 ? null : i % 3 === 0 ? ORG_B : ORG_A;
    const at = new Date(BASE + ((i * 2_654_435_761) % (3 * 86_400_000 - 1000)));
    return {
      event_id: `0190f0e0-0000-7000-8000-${hex(i + 1, 12)}`,
      seq: i + 1,
      event_type: ['INSERT', 'UPDATE', 'DELETE'][i % 3 === 0 ? (i >> 2) % 3 : i % 3]!,
      entity_type: i % 2 === 0 ? 'Customer' : org === ORG_B ? 'Invoice' : 'Order',
      entity_id: `e-${(i * 31) % 173}`,
      org_id: org,
      user_id: i % 4 === 0 ? null : `user-${i % 5}`,
      timestamp: `${at.toISOString().slice(0, 23)}${String(i % 1000).padStart(3, '0')}Z`,
      data: { i, note: 'x'.repeat(200 + (i % 200)) },
      before: null,
      changed_fields: ['status'],
      schema_version: 'c0ffee',
    };
  });
}

const path = (...parts: string[]): FlightDescriptor => ({ type: 1, path: parts });
const cmd = (value: unknown): FlightDescriptor => ({ type: 2, cmd: Buffer.from(JSON.stringify(value)) });
const ticketOf = (info: FlightInfo): Uint8Array => info.endpoint![0]!.ticket!.ticket!;
/** A Timestamp or Date cell as an ISO date-time (apache-arrow gives epoch milliseconds or a Date). */
const iso = (value: unknown): string => new Date(value instanceof Date ? value.getTime() : Number(value)).toISOString();

async function rejection(promise: Promise<unknown>): Promise<FraiseqlError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FraiseqlError);
  return error as FraiseqlError;
}

async function ipcBytes(client: FlightClient, ticket: Uint8Array): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of client.doGetIpcStream(ticket)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('analytics datasets over Flight (ClickHouse ArrowStream passed through)', () => {
  let clickhouseServer: TestClickhouseHttpServer;
  let clickhouse: HttpClickhouse;
  /** flight-server with FRAISEQL_CLICKHOUSE_URL. */
  let direct: FlightStack;
  /** flight-server without it: the sink answers over NATS (once a test serves). */
  let viaSink: FlightStack;
  let sinkNc: NatsConnection;
  let served: Subscription | undefined;
  let scratch: string;

  /** Rows of the dataset as ClickHouse recounts them from fraiseql_events (deduplicated with FINAL). */
  const hourlyRecount = async (org: string): Promise<Array<{ hour: string; entity_type: string; event_type: string; events: string }>> =>
    (
      await readJsonRows<{ hour: string; entity_type: string; event_type: string; events: unknown }>(
        clickhouse,
        `SELECT toString(toStartOfHour(timestamp)) AS hour, entity_type, event_type, count() AS events FROM fraiseql_events FINAL
       WHERE org_id = {org:String} GROUP BY hour, entity_type, event_type ORDER BY hour, entity_type, event_type`,
        { org },
      )
    ).map((r) => ({ ...r, events: String(r.events) }));
  const dailyRecount = async (org: string): Promise<Array<{ day: string; entity_type: string; entities: string }>> =>
    (
      await readJsonRows<{ day: string; entity_type: string; entities: unknown }>(
        clickhouse,
        `SELECT toString(toDate(timestamp)) AS day, entity_type, uniqExact(entity_id) AS entities FROM fraiseql_events FINAL
       WHERE org_id = {org:String} GROUP BY day, entity_type ORDER BY day, entity_type`,
        { org },
      )
    ).map((r) => ({ ...r, entities: String(r.entities) }));
  const hourlyRows = (table: Table) =>
    table.toArray().map((r: { hour: unknown; entity_type: string; event_type: string; events: bigint }) => ({
      hour: iso(r.hour).slice(0, 19).replace('T', ' '),
      entity_type: r.entity_type,
      event_type: r.event_type,
      events: String(r.events),
    }));
  const dailyRows = (table: Table) =>
    table.toArray().map((r: { day: unknown; entity_type: string; entities: bigint }) => ({
      day: iso(r.day).slice(0, 10),
      entity_type: r.entity_type,
      entities: String(r.entities),
    }));

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'fraiseql-flight-analytics-'));
    clickhouseServer = await startClickhouseHttpServer();
    clickhouse = new HttpClickhouse({ url: clickhouseServer.url, database: DATABASE });
    await applyClickhouseMigrations(clickhouse);
    const all = events(4000);
    // Two batches, as the sink writes them (it leaves out events stored already, so the rollups count each once).
    for (const [i, batch] of [all.slice(0, 2500), all.slice(2500)].entries()) {
      await clickhouse.insert({
        table: 'fraiseql_events',
        format: 'RowBinary',
        columns: FRAISEQL_EVENTS_ROW_BINARY_COLUMNS,
        body: encodeEventsRowBinary(batch),
        settings: { insert_deduplication_token: `flight-analytics-${i}` },
      });
    }
    const stackOptions = { compiled: typedDatasetsSchema(), prepare: prepareTypedDatasets, maxConcurrentStreams: 2 };
    [direct, viaSink] = await Promise.all([
      startFlightStack({
        ...stackOptions,
        analytics: { timeoutMs: 10_000, clickhouse: { url: clickhouseServer.url, database: DATABASE } },
      }),
      startFlightStack({ ...stackOptions, analytics: { timeoutMs: 10_000 } }),
    ]);
    sinkNc = await connect({ servers: viaSink.nats.url });
  }, 120_000);

  afterAll(async () => {
    served?.unsubscribe();
    await sinkNc?.close();
    await direct?.close();
    await viaSink?.close();
    await clickhouse?.close();
    await clickhouseServer?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('lists the four analytics datasets with the Arrow schema ClickHouse gives, the same bytes DoGet starts with', async () => {
    const client = await direct.client();
    const listed = new Map<string, FlightInfo>();
    for await (const info of client.listFlights()) listed.set((info.flightDescriptor?.path ?? []).join('/'), info);
    const names = ['analytics/events_hourly', 'analytics/entities_daily', 'analytics/events', 'analytics/entity_state'];
    for (const name of names) expect(listed.has(name)).toBe(true);
    const hourly = listed.get('analytics/events_hourly')!;
    expect(JSON.parse(Buffer.from(hourly.appMetadata!).toString('utf8'))).toMatchObject({ kind: 'analytics', source: 'clickhouse' });
    const table = await client.doGetTable(ticketOf(await client.getFlightInfo(path('analytics', 'events_hourly'))));
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'hour:Timestamp<SECOND, UTC>',
      'entity_type:Utf8',
      'event_type:Utf8',
      'events:Int64',
    ]);
    const ipc = await ipcBytes(client, ticketOf(await client.getFlightInfo(path('analytics', 'events_hourly'))));
    expect(ipc.subarray(0, hourly.schema!.byteLength).equals(Buffer.from(hourly.schema!))).toBe(true);
    const fromGetSchema = await client.getSchema(path('analytics', 'entities_daily'));
    expect(Buffer.from(fromGetSchema.schema!).equals(Buffer.from(listed.get('analytics/entities_daily')!.schema!))).toBe(true);
  });

  it("streams events_hourly and entities_daily of the caller's org only, equal to a recount of fraiseql_events", async () => {
    for (const org of [ORG_A, ORG_B]) {
      const client = await direct.client(`analyst-${org.slice(0, 2)}`, org);
      const hourly = await client.doGetTable(ticketOf(await client.getFlightInfo(path('analytics', 'events_hourly'))));
      expect(hourlyRows(hourly)).toEqual(await hourlyRecount(org));
      const daily = await client.doGetTable(ticketOf(await client.getFlightInfo(path('analytics', 'entities_daily'))));
      expect(dailyRows(daily)).toEqual(await dailyRecount(org));
      // Org A changes no Invoice, org B no Order: neither sees a row of the other's types.
      const types = new Set([...hourlyRows(hourly), ...dailyRows(daily)].map((r) => r.entity_type));
      expect([...types].sort()).toEqual(org === ORG_A ? ['Customer', 'Order'] : ['Customer', 'Invoice']);
    }
    const [total] = await readJsonRows<{ a: string; b: string }>(
      clickhouse,
      'SELECT countIf(org_id = {a:String}) AS a, countIf(org_id = {b:String}) AS b FROM fraiseql_events FINAL',
      { a: ORG_A, b: ORG_B },
    );
    expect(Number(total!.a)).toBeGreaterThan(2000);
    expect(Number(total!.b)).toBeGreaterThan(1000);
  });

  it('sends ClickHouse’s own ArrowStream bytes, which an independent reader (ClickHouse file()) totals as the recount', async () => {
    const client = await direct.client();
    for (const dataset of ['events_hourly', 'entities_daily', 'events'] as const) {
      const ipc = await ipcBytes(client, ticketOf(await client.getFlightInfo(path('analytics', dataset))));
      const { sql, params } = analyticsQuerySql({ dataset, orgId: ORG_A });
      // Byte for byte what ClickHouse answers the same query: nothing was decoded and encoded again.
      expect(ipc.equals(Buffer.from(await clickhouse.query(sql, params, 'ArrowStream')))).toBe(true);
      writeFileSync(join(scratch, `${dataset}.arrows`), ipc);
    }
    const fileOf = (dataset: string): string => `file('${join(scratch, `${dataset}.arrows`)}', 'ArrowStream')`;
    const [read] = await readJsonRows<{ events: string; entities: string; raw: string }>(
      clickhouse,
      `SELECT (SELECT sum(events) FROM ${fileOf('events_hourly')}) AS events,
              (SELECT sum(entities) FROM ${fileOf('entities_daily')}) AS entities,
              (SELECT count() FROM ${fileOf('events')}) AS raw`,
    );
    const [recount] = await readJsonRows<{ events: string; entities: string }>(
      clickhouse,
      `SELECT (SELECT count() FROM fraiseql_events FINAL WHERE org_id = {org:String}) AS events,
              (SELECT sum(n) FROM (SELECT uniqExact(entity_id) AS n FROM fraiseql_events FINAL WHERE org_id = {org:String}
                                   GROUP BY toDate(timestamp), entity_type)) AS entities`,
      { org: ORG_A },
    );
    expect(Number(read!.events)).toBe(Number(recount!.events));
    expect(Number(read!.raw)).toBe(Number(recount!.events));
    expect(Number(read!.entities)).toBe(Number(recount!.entities));
  });

  it('takes from, to and limit in a CMD descriptor, and refuses an org, an unknown dataset or a bad window', async () => {
    const client = await direct.client();
    const from = new Date(BASE + 86_400_000).toISOString();
    const to = new Date(BASE + 2 * 86_400_000).toISOString();
    const windowed = await client.doGetTable(
      ticketOf(await client.getFlightInfo(cmd({ kind: 'analytics', dataset: 'events_hourly', from, to }))),
    );
    const expected = (await hourlyRecount(ORG_A)).filter(
      (r) => r.hour >= from.slice(0, 19).replace('T', ' ') && r.hour < to.slice(0, 19).replace('T', ' '),
    );
    expect(hourlyRows(windowed)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(10);
    const limited = await client.doGetTable(ticketOf(await client.getFlightInfo(cmd({ kind: 'analytics', dataset: 'events', limit: 7 }))));
    expect(limited.numRows).toBe(7);

    const orgGiven = await rejection(client.getFlightInfo(cmd({ kind: 'analytics', dataset: 'events', orgId: ORG_B })));
    expect(orgGiven.code).toBe('FRAISEQL_TICKET_WRONG_PRINCIPAL');
    const unknown = await rejection(client.getFlightInfo(path('analytics', 'nope')));
    expect(unknown.code).toBe('FRAISEQL_DATASET_NOT_FOUND');
    expect(unknown.message).toContain('analytics/events_hourly');
    const badWindow = await rejection(client.getFlightInfo(cmd({ kind: 'analytics', dataset: 'events', from: to, to: from })));
    expect(badWindow.code).toBe('BAD_USER_INPUT');
    // A ticket is bound to the org it was issued for.
    const ticket = ticketOf(await client.getFlightInfo(path('analytics', 'events')));
    const other = await direct.client('analyst-a', ORG_B);
    expect((await rejection(other.doGetTable(ticket))).code).toBe('FRAISEQL_TICKET_WRONG_PRINCIPAL');
  });

  it('gives back its stream slot when the client cancels in the middle of a stream', async () => {
    const client = await direct.client();
    // Two slots; three reads abandoned after their first batch would exhaust them if a slot leaked.
    for (let i = 0; i < 3; i++) {
      const info = await client.getFlightInfo(path('analytics', 'events'));
      for await (const batch of client.doGet(ticketOf(info))) {
        expect(batch.numRows).toBeGreaterThan(0);
        break;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const table = await client.doGetTable(ticketOf(await client.getFlightInfo(path('analytics', 'events_hourly'))));
    expect(table.numRows).toBeGreaterThan(0);
  });

  it('says FRAISEQL_CLICKHOUSE_UNAVAILABLE (UNAVAILABLE) while ClickHouse is down, and serves again once it is back', async () => {
    const client = await direct.client();
    const ticket = ticketOf(await client.getFlightInfo(path('analytics', 'events_hourly')));
    await clickhouseServer.stop();
    try {
      const down = await rejection(client.doGetTable(ticket));
      expect(down.code).toBe('FRAISEQL_CLICKHOUSE_UNAVAILABLE');
      expect(down.details?.grpcStatusName).toBe('UNAVAILABLE');
    } finally {
      await clickhouseServer.start();
    }
    expect((await client.doGetTable(ticket)).numRows).toBe((await hourlyRecount(ORG_A)).length);
  });

  it('without a ClickHouse URL: FRAISEQL_SINK_UNAVAILABLE while no sink answers, then the same bytes from the sink over NATS', async () => {
    const client = await viaSink.client();
    const none = await rejection(client.getFlightInfo(path('analytics', 'events_hourly')));
    expect(none.code).toBe('FRAISEQL_SINK_UNAVAILABLE');
    expect(none.details?.grpcStatusName).toBe('UNAVAILABLE');
    // Still listed, without a schema, saying why.
    const listed: FlightInfo[] = [];
    for await (const info of client.listFlights()) if (info.flightDescriptor?.path?.[0] === 'analytics') listed.push(info);
    expect(listed).toHaveLength(4);
    expect(JSON.parse(Buffer.from(listed[0]!.appMetadata!).toString('utf8'))).toMatchObject({
      source: 'sink',
      unavailable: 'FRAISEQL_SINK_UNAVAILABLE',
    });

    served = serveAnalyticsQueries(sinkNc, clickhouse);
    await sinkNc.flush();
    for (const org of [ORG_A, ORG_B]) {
      const orgClient = await viaSink.client(`analyst-${org.slice(0, 2)}`, org);
      const hourly = await orgClient.doGetTable(ticketOf(await orgClient.getFlightInfo(path('analytics', 'events_hourly'))));
      expect(hourlyRows(hourly)).toEqual(await hourlyRecount(org));
      const daily = await orgClient.doGetTable(ticketOf(await orgClient.getFlightInfo(path('analytics', 'entities_daily'))));
      expect(dailyRows(daily)).toEqual(await dailyRecount(org));
    }
    // The raw events (more than one NATS reply of 512 KiB) arrive as ClickHouse wrote them.
    const overNats = await ipcBytes(client, ticketOf(await client.getFlightInfo(path('analytics', 'events'))));
    const { sql, params } = analyticsQuerySql({ dataset: 'events', orgId: ORG_A });
    const fromClickhouse = Buffer.from(await clickhouse.query(sql, params, 'ArrowStream'));
    expect(fromClickhouse.byteLength).toBeGreaterThan(512 * 1024);
    expect(overNats.equals(fromClickhouse)).toBe(true);
  });
});

describe('recordBatchRows', () => {
  it('reads the row count of each RecordBatch message from its header, and 0 for the schema', async () => {
    const one = tableFromArrays({ n: Int32Array.from({ length: 1000 }, (_, i) => i) });
    const table = one.concat(tableFromArrays({ n: Int32Array.from({ length: 3 }, (_, i) => i) }));
    const counts: number[] = [];
    for await (const frame of ipcStreamToFlightData([tableToIPC(table, 'stream')])) counts.push(recordBatchRows(frame.dataHeader));
    expect(counts).toEqual([0, 1000, 3]);
  });
});
