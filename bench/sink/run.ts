/**
 * bench:sink (issue 11): events per second from JetStream into ClickHouse through the sink's ClickHouse dataplane
 * (createSink: consumer kit + EventBatcher + dedup lookup + RowBinary insert with its token), side by side with the
 * raw consume rate of the same stream in the same run (a pull consumer that fetches and acks, doing nothing else);
 * and the search indexing rate into PostgreSQL full-text (libs/search) against a bare INSERT and COPY of the same
 * rows (bench/sink/search-pg.ts). The insert formats are compared by bench/sink/insert-formats.ts (ADR 0120).
 * ClickHouse is testkit's HTTP server over chdb in this process (no current ClickHouse server runs here). Rounds
 * alternate which side goes first; ratios are taken within a round, medians reported, to docs/benchmarks.md.
 *
 * Usage: npx tsx bench/sink/run.ts [--events 100000] [--rounds 3] [--search-events 50000]
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { readJsonRows, type ClickhouseExecutor } from '@fraiseql/clickhouse';
import { encodeEntityEvent } from '@fraiseql/events';
import { eventSubject, provisionJetStream, STREAMS } from '@fraiseql/nats-contract';
import { createLogger } from '@fraiseql/service-kit';
import { createSink } from '@fraiseql/sink';
import { startClickhouseHttpServer, startNatsServer } from '@fraiseql/testkit';
import { AckPolicy, connect, DeliverPolicy, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { updateBenchmarksDoc } from '../lib/update-benchmarks-doc';
import { measureSearchIndexing } from './search-pg';
import { syntheticEvents } from './synthetic-events';

const args = new Map(process.argv.slice(2).map((a, i, all) => [a, all[i + 1]] as const));
const EVENTS = Number(args.get('--events') ?? 100_000);
const ROUNDS = Number(args.get('--rounds') ?? 3);
const SEARCH_EVENTS = Number(args.get('--search-events') ?? 50_000);
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function publishAll(nc: NatsConnection, payloads: { subject: string; data: Uint8Array; id: string }[]): Promise<void> {
  const js = nc.jetstream();
  for (let i = 0; i < payloads.length; i += 1000)
    await Promise.all(payloads.slice(i, i + 1000).map((p) => js.publish(p.subject, p.data, { msgID: p.id })));
}

/** A pull consumer from the start of the stream that fetches and acks every message, nothing else. */
async function rawConsume(nc: NatsConnection, count: number): Promise<number> {
  const jsm = await nc.jetstreamManager();
  const name = `bench-raw-${randomUUID().slice(0, 8)}`;
  await jsm.consumers.add(STREAMS.events, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: 40_000,
  });
  const consumer = await nc.jetstream().consumers.get(STREAMS.events, name);
  const started = performance.now();
  let seen = 0;
  while (seen < count) {
    const batch = await consumer.fetch({ max_messages: 10_000, expires: 2000 });
    for await (const msg of batch) {
      msg.ack();
      seen++;
    }
  }
  await nc.flush();
  const seconds = (performance.now() - started) / 1000;
  await jsm.consumers.delete(STREAMS.events, name);
  return count / seconds;
}

/** The sink's ClickHouse dataplane from the start of the stream until ClickHouse holds every event. */
async function sinkConsume(
  natsUrl: string,
  clickhouseUrl: string,
  database: string,
  count: number,
): Promise<{ rate: number; rows: number }> {
  const sink = await createSink({
    natsUrl,
    dataplanes: ['clickhouse'],
    clickhouse: {
      url: clickhouseUrl,
      database,
      path: 'unused',
      retentionDays: 90,
      batch: { maxRows: 20_000, maxBytes: 32 << 20, maxDelayMs: 1000 },
    },
    search: {
      postgres: { connectionString: 'postgres://unused', poolMax: 1, schema: 'unused', textSearchConfig: 'simple' },
      batch: { maxRows: 1, maxBytes: 1 << 20, maxDelayMs: 1000 },
    },
    logger: createLogger({ service: 'bench-sink', level: 'warn' }),
    registry: new Registry(),
  });
  const clickhouse = sink.clickhouse as ClickhouseExecutor;
  const started = performance.now();
  let rows = 0;
  try {
    for (;;) {
      [{ rows }] = (await readJsonRows<{ rows: string }>(clickhouse, 'SELECT count() AS rows FROM fraiseql_events')).map((r) => ({
        rows: Number(r.rows),
      }));
      if (rows >= count) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { rate: count / ((performance.now() - started) / 1000), rows };
  } finally {
    await sink.close();
  }
}

async function main(): Promise<void> {
  const { events } = syntheticEvents(EVENTS);
  const payloads = events.map((e) => ({
    subject: eventSubject(e.org_id, e.entity_type, e.event_type),
    data: encodeEntityEvent(e),
    id: e.event_id,
  }));
  const rounds: { raw: number; sink: number; ratio: number }[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const [nats, clickhouseServer] = await Promise.all([startNatsServer(), startClickhouseHttpServer()]);
    const nc = await connect({ servers: nats.url });
    try {
      await provisionJetStream(nc);
      await publishAll(nc, payloads);
      const legs = [
        async () => ({ raw: await rawConsume(nc, EVENTS) }),
        async () => {
          const result = await sinkConsume(nats.url, clickhouseServer.url, `bench_${round}`, EVENTS);
          if (result.rows !== EVENTS) throw new Error(`ClickHouse holds ${result.rows} rows, expected ${EVENTS}`);
          return { sink: result.rate };
        },
      ];
      if (round % 2 === 0) legs.reverse();
      let raw = 0;
      let sink = 0;
      for (const leg of legs) {
        const out = await leg();
        if ('raw' in out) raw = out.raw;
        else sink = out.sink;
      }
      rounds.push({ raw, sink, ratio: sink / raw });
      console.log(
        `round ${round}: raw consume ${fmt(raw)} events/s, sink → ClickHouse ${fmt(sink)} events/s, ratio ${(sink / raw).toFixed(2)}×`,
      );
    } finally {
      await nc.close();
      await clickhouseServer.close();
      await nats.dispose();
    }
  }
  const search = await measureSearchIndexing({
    events: SEARCH_EVENTS,
    batch: 2000,
    rounds: ROUNDS,
    textSearchConfig: 'simple',
    log: console.log,
  });
  const ratio = median(rounds.map((r) => r.ratio));
  const lines = [
    `Last run: ${new Date().toISOString().slice(0, 19)}Z — \`npx tsx bench/sink/run.ts --events ${EVENTS} --rounds ${ROUNDS}\``,
    '',
    "Machine: 2 cores, shared and noisy; ClickHouse is testkit's HTTP server over chdb in the benchmark process (no current ClickHouse server runs here), so the engine competes with the sink for the same cores. Only the ratios mean something.",
    '',
    `- **sink → ClickHouse ÷ raw consume of the same stream: ${ratio.toFixed(2)}×** (goal ≥ 0.8×: **${ratio >= 0.8 ? 'met' : 'not met'}**).`,
    `- **PostgreSQL search indexing ÷ bare INSERT of the same rows: ${search.ratioToInsert.toFixed(2)}×, ÷ COPY: ${search.ratioToCopy.toFixed(2)}×** (${fmt(search.storeEventsPerSecond)} events/s raw).`,
    '',
    '| round | raw consume (events/s) | sink → ClickHouse (events/s) | ratio |',
    '|---|---|---|---|',
    ...rounds.map((r, i) => `| ${i + 1} | ${fmt(r.raw)} | ${fmt(r.sink)} | ${r.ratio.toFixed(2)}× |`),
  ];
  updateBenchmarksDoc(
    join(__dirname, '../../docs/benchmarks.md'),
    { name: 'sink', heading: '## Sink (issue 11)', command: 'npm run bench:sink', script: 'bench/sink/run.ts' },
    lines.join('\n'),
  );
  console.log(lines.join('\n'));
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
