import { join } from 'node:path';
import { HOURLY_ROLLUP_DIFFERENCES, HttpClickhouse, readJsonRows } from '@fraiseql/clickhouse';
import {
  createTestDatabase,
  freePort,
  startClickhouseHttpServer,
  startNatsServer,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
  type TestClickhouseHttpServer,
  type TestDatabase,
  type TestNatsServer,
} from '@fraiseql/testkit';
import { openBus, orderEvent, type Bus } from './support';

// The sink as a real process (services/sink/src/main.ts) killed with SIGKILL in the middle of a 100,000-event stream,
// then started again: ClickHouse (testkit's HTTP server over the current engine, in this process so it outlives the
// sink) holds exactly 100,000 distinct events, no row twice, and the rollups agree with a recount of the raw table.

const MAIN = join(__dirname, '../src/main.ts');
const EVENTS = 100_000;

describe('sink killed mid-stream (real process, NATS JetStream, ClickHouse over HTTP)', () => {
  let nats: TestNatsServer;
  let clickhouseServer: TestClickhouseHttpServer;
  let db: TestDatabase;
  let bus: Bus;
  const processes: ServiceProcess[] = [];

  beforeAll(async () => {
    [nats, clickhouseServer, db] = await Promise.all([
      startNatsServer(),
      startClickhouseHttpServer(),
      createTestDatabase('fraiseql_sink_killed'),
    ]);
    bus = await openBus(nats.url);
  });

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await bus?.close();
    await clickhouseServer?.close();
    await nats?.dispose();
    await db?.drop();
  });

  const startSink = async (): Promise<ServiceProcess> => {
    const opsPort = await freePort();
    const sink = startServiceProcess(MAIN, {
      FRAISEQL_NATS_URL: nats.url,
      FRAISEQL_CLICKHOUSE_URL: clickhouseServer.url,
      FRAISEQL_SINK_DATABASE_URL: db.url,
      FRAISEQL_SINK_DATAPLANES: 'clickhouse',
      FRAISEQL_SINK_OPS_PORT: String(opsPort),
      FRAISEQL_SINK_BATCH_ROWS: '5000',
      FRAISEQL_SINK_BATCH_DELAY_MS: '200',
      // A killed replica's un-acked events come back after this.
      FRAISEQL_SINK_ACK_WAIT_MS: '3000',
      FRAISEQL_LOG_LEVEL: 'warn',
    });
    processes.push(sink);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => undefined))?.ok === true, 60_000).catch(() => {
      throw new Error(`sink did not become ready:\n${sink.stderr()}\n${sink.stdout()}`);
    });
    return sink;
  };

  it('stores exactly 100,000 distinct events once each, and rollups equal to a recount, across a SIGKILL', async () => {
    const clickhouse = new HttpClickhouse({ url: clickhouseServer.url, database: 'fraiseql' });
    const counts = async (): Promise<{ rows: number; distinct: number }> => {
      const [row] = await readJsonRows<{ rows: string; distinct: string }>(
        clickhouse,
        'SELECT count() AS rows, uniqExact(event_id) AS distinct FROM fraiseql_events',
      );
      return { rows: Number(row!.rows), distinct: Number(row!.distinct) };
    };
    try {
      const first = await startSink();
      const publishing = bus.publish(Array.from({ length: EVENTS }, (_, i) => orderEvent(i)));
      // Killed once a good part is stored, while batches are still being written and acked.
      await waitFor(async () => (await counts()).distinct >= 20_000, 120_000);
      first.child.kill('SIGKILL');
      await first.exited;
      const killedAt = (await counts()).distinct;
      expect(killedAt).toBeLessThan(EVENTS);
      await publishing;

      await startSink();
      await waitFor(async () => (await counts()).distinct === EVENTS, 180_000).catch(async () => {
        throw new Error(`ClickHouse holds ${JSON.stringify(await counts())} after the restart`);
      });
      expect(await counts()).toEqual({ rows: EVENTS, distinct: EVENTS });
      const window = { from: '2000-01-01 00:00:00', to: '2100-01-01 00:00:00' };
      expect(await readJsonRows(clickhouse, HOURLY_ROLLUP_DIFFERENCES, window)).toEqual([]);
      const [rollup] = await readJsonRows<{ events: string }>(clickhouse, 'SELECT sum(events) AS events FROM fraiseql_events_hourly');
      expect(Number(rollup!.events)).toBe(EVENTS);
      expect(await bus.deadLetters()).toEqual([]);
    } finally {
      await clickhouse.close();
    }
  }, 400_000);
});
