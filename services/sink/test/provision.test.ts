import { join } from 'node:path';
import { HttpClickhouse, readJsonRows } from '@fraiseql/clickhouse';
import { CONSUMERS, KV_BUCKETS, provisionJetStream, STREAMS } from '@fraiseql/nats-contract';
import {
  createTestDatabase,
  freePort,
  startClickhouseHttpServer,
  startNatsServer,
  runServiceProcessToEnd,
  jetStreamDurableState,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
  type TestClickhouseHttpServer,
  type TestDatabase,
  type TestNatsServer,
} from '@fraiseql/testkit';
import { connect, nanos, type NatsConnection } from 'nats';
import { Client } from 'pg';

// `node service/provision.js` of the sink (src/provision.ts, its own process, the service's environment) against a
// private JetStream (the executor's streams already there), ClickHouse over HTTP (testkit's server over the current
// engine) and a fresh PostgreSQL database for search: twice (the second changes nothing), then the sink itself starts
// on the provisioned stores and changes nothing either; an unreachable PostgreSQL fails with FRAISEQL_PROVISION_FAILED.

const PROVISION = join(__dirname, '../src/provision.ts');
const MAIN = join(__dirname, '../src/main.ts');
const DAY_MS = 86_400_000;

describe('sink provision (src/provision.ts)', () => {
  let nats: TestNatsServer;
  let clickhouseServer: TestClickhouseHttpServer;
  let db: TestDatabase;
  let nc: NatsConnection;
  let clickhouse: HttpClickhouse;
  const processes: ServiceProcess[] = [];

  beforeAll(async () => {
    [nats, clickhouseServer, db] = await Promise.all([
      startNatsServer(),
      startClickhouseHttpServer(),
      createTestDatabase('fraiseql_h6_provision'),
    ]);
    nc = await connect({ servers: nats.url });
    clickhouse = new HttpClickhouse({ url: clickhouseServer.url, database: 'fraiseql' });
  });
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await clickhouse?.close();
    await nc?.close();
    await clickhouseServer?.close();
    await nats?.dispose();
    await db?.drop();
  });

  const env = (): Record<string, string> => ({
    FRAISEQL_NATS_URL: nats.url,
    FRAISEQL_CLICKHOUSE_URL: clickhouseServer.url,
    FRAISEQL_SINK_DATABASE_URL: db.url,
    FRAISEQL_SINK_DATAPLANES: 'clickhouse,search',
    FRAISEQL_SINK_SEARCH_AUDIT: 'true',
    FRAISEQL_SINK_ACK_WAIT_MS: '90s',
    FRAISEQL_SINK_BATCH_ROWS: '3000',
    FRAISEQL_SINK_RETENTION_DAYS: '30',
    FRAISEQL_LOG_LEVEL: 'info',
  });

  const clickhouseState = async (): Promise<{ tables: unknown[]; ledger: unknown[] }> => ({
    tables: await readJsonRows(clickhouse, `SELECT name, engine_full FROM system.tables WHERE database = 'fraiseql' ORDER BY name`),
    ledger: await readJsonRows(clickhouse, 'SELECT version, name, checksum FROM fraiseql_schema_migrations ORDER BY version'),
  });
  const searchSchema = async (): Promise<unknown[]> => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const columns = await client.query(
        `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'fraiseql_search' ORDER BY 1, 2`,
      );
      const indexes = await client.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'fraiseql_search' ORDER BY 1`);
      return [...columns.rows, ...indexes.rows];
    } finally {
      await client.end();
    }
  };

  it('migrates ClickHouse, prepares the search schema and creates its three durable consumers; a second run and the sink start change nothing', async () => {
    await provisionJetStream(nc, { events: { maxAgeMs: 3 * DAY_MS } });

    const first = await runServiceProcessToEnd(PROVISION, env());
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    const done = first.lines.find((l) => l.msg === 'sink provisioned')!;
    expect(done.clickhouse).toEqual({
      applied: ['0001_fraiseql_events', '0002_fraiseql_entity_state', '0003_fraiseql_events_hourly', '0004_fraiseql_entities_daily'],
      unchanged: 0,
    });
    expect(done.search).toBe('postgres');
    expect(Object.values(done.streams as object)).toEqual(Array(5).fill('unchanged'));
    expect(Object.values(done.buckets as object)).toEqual(Array(4).fill('unchanged'));
    expect(done.consumers).toEqual({
      [CONSUMERS.sinkClickHouse]: 'created',
      [CONSUMERS.sinkSearch]: 'created',
      [CONSUMERS.sinkAudit]: 'created',
    });

    const tables = await clickhouseState();
    expect((tables.tables as Array<{ name: string; engine_full: string }>).find((t) => t.name === 'fraiseql_events')?.engine_full).toMatch(
      /TTL .*toIntervalDay\(30\)/,
    );
    expect(tables.ledger).toHaveLength(4);
    const search = await searchSchema();
    expect(search.length).toBeGreaterThan(0);
    const state = await jetStreamDurableState(nc);
    expect(state.streams[STREAMS.events]).toMatchObject({ max_age: nanos(3 * DAY_MS) });
    expect(Object.keys(state.consumers).sort()).toEqual([
      `${STREAMS.audit}/${CONSUMERS.sinkAudit}`,
      `${STREAMS.events}/${CONSUMERS.sinkClickHouse}`,
      `${STREAMS.events}/${CONSUMERS.sinkSearch}`,
    ]);
    for (const consumer of Object.values(state.consumers)) {
      // FRAISEQL_SINK_ACK_WAIT_MS; max_ack_pending leaves room for two replicas' batches (4 × the batch rows, at least 10,000).
      expect(consumer).toMatchObject({ ack_policy: 'explicit', max_deliver: 20, backoff: [nanos(90_000)] });
    }
    expect(state.consumers[`${STREAMS.events}/${CONSUMERS.sinkClickHouse}`]).toMatchObject({ max_ack_pending: 12_000 });
    expect(state.consumers[`${STREAMS.events}/${CONSUMERS.sinkSearch}`]).toMatchObject({ max_ack_pending: 10_000 });
    expect(Object.keys(state.streams)).toEqual(expect.arrayContaining([`KV_${KV_BUCKETS.schema}`]));

    const second = await runServiceProcessToEnd(PROVISION, env());
    expect(second.code).toBe(0);
    const again = second.lines.find((l) => l.msg === 'sink provisioned')!;
    expect(again.clickhouse).toEqual({ applied: [], unchanged: 4 });
    expect(Object.values(again.consumers as object)).toEqual(Array(3).fill('unchanged'));
    expect(await clickhouseState()).toEqual(tables);
    expect(await searchSchema()).toEqual(search);
    expect(await jetStreamDurableState(nc)).toEqual(state);

    const opsPort = await freePort();
    const sink = startServiceProcess(MAIN, { ...env(), FRAISEQL_SINK_OPS_PORT: String(opsPort) });
    processes.push(sink);
    await waitFor(() => sink.stdout().includes('"sink started"') || sink.child.exitCode !== null, 60_000);
    expect(sink.stdout()).toContain('"sink started"');
    expect(await jetStreamDurableState(nc)).toEqual(state);
    expect(await clickhouseState()).toEqual(tables);
    expect(await searchSchema()).toEqual(search);
    sink.child.kill('SIGTERM');
    expect(await sink.exited).toBe(0);
  }, 180_000);

  it('retries an unreachable PostgreSQL on a schedule, then exits 1 with FRAISEQL_PROVISION_FAILED once its time bound has passed', async () => {
    const closedPort = await freePort();
    const failed = await runServiceProcessToEnd(PROVISION, {
      ...env(),
      FRAISEQL_SINK_DATAPLANES: 'search',
      FRAISEQL_SINK_DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/fraiseql_h6_provision`,
      FRAISEQL_SINK_PROVISION_TIMEOUT_MS: '3000',
    });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^sink provision failed: FRAISEQL_PROVISION_FAILED: sink provision: not done within 3000 ms/);
    expect(failed.lines.filter((l) => l.msg === 'sink provision: attempt failed, retrying').length).toBeGreaterThanOrEqual(2);
    expect(failed.lines.at(-1)).toMatchObject({ msg: 'sink provision failed', code: 'FRAISEQL_PROVISION_FAILED' });
  }, 60_000);
});
