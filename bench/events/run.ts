/**
 * `npm run bench:events` — the change-log relay against raw async JetStream publishing of the same
 * payloads, side by side in one run (issue 3).
 *
 * A dedicated database (framework + shop migrations, seeded), a private nats-server with the streams
 * provisioned, the real query-executor (its relay on) and gateway as child processes. Per round:
 * - bulk: one `UPDATE tb_order SET notes = …` of N orders, committed; time from the commit to the
 *   last event stored in FRAISEQL_EVENTS; then the same N payloads published raw (same window) into
 *   a twin stream; relay and raw alternate who goes first;
 * - steady: review UPDATEs (several reviews per commit at high rates) from a few connections at each target rate; capture → stored
 *   latency per event (the payload's `timestamp` vs JetStream's store time, same clock); then the
 *   same payloads published raw at the same rate (send → ack latency).
 * Once: GraphQL `updateOrderStatus` mutations through gateway → executor at a low rate.
 * Ratios go to docs/benchmarks.md between the bench:events markers.
 *
 * Usage: npx tsx bench/events/run.ts [--quick] [--rounds 3] [--rates 500,2000,5000] (see --help)
 */
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';
import { eventSubject, provisionJetStream, STREAMS } from '@fraiseql/nats-contract';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { prepareBenchDatabase } from '../lib/bench-database';
import { BenchChildren } from '../lib/child-processes';
import { updateBenchmarksDoc, type BenchmarkSection } from '../lib/update-benchmarks-doc';
import { compileShopSchema, startFraiseqlServices } from '../lib/start-fraiseql-services';
import { parseEventsBenchOptions, type EventsBenchOptions } from './events-options';
import { natsServerPid, startCpuSample, type LegCpu } from './process-cpu';
import { renderEventsMarkdown, type BulkRound, type MutationRun, type SteadyRun } from './events-report';
import {
  createRawStream,
  publishRawBulk,
  publishRawSteady,
  quantile,
  rawSubject,
  readStoredEvents,
  waitForStream,
  writeSteadily,
  type EventPayload,
} from './event-measurements';
import {
  BULK_UPDATE,
  BUSIEST_ORG,
  CLEAR_PUBLISHED,
  COMMIT_TIME,
  COMPACT_CHANGE_LOG,
  EVENT_PAYLOADS,
  LAST_SEQ,
  RESET_ORDERS,
  REVIEW_IDS,
  UNPUBLISHED,
} from './events-sql';

const root = resolve(__dirname, '../..');
const SECTION: BenchmarkSection = {
  name: 'events',
  heading: '## Change events: relay throughput and latency (issue 3)',
  command: 'npm run bench:events',
  script: 'bench/events/run.ts',
};
const log = (line: string): void => {
  process.stdout.write(`[bench:events] ${line}\n`);
};

interface Fleet {
  gatewayUrl: string;
  executorPid: number;
}

async function main(): Promise<void> {
  const options = parseEventsBenchOptions(process.argv.slice(2));
  const children = new BenchChildren('events');
  let nats: TestNatsServer | undefined;
  const clients: Client[] = [];
  let nc: NatsConnection | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> =>
    (cleaning ??= (async () => {
      await children.stopAll();
      await nc?.close().catch(() => undefined);
      for (const client of clients) await client.end().catch(() => undefined);
      await nats?.dispose().catch(() => undefined);
    })());
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping every server`);
      void cleanUp().finally(() => process.exit(code));
    });
  }
  for (const orphan of children.reapOrphans()) log(`stopped a server left over by an earlier run: ${orphan}`);

  try {
    const database = await prepareBenchDatabase({ root, databaseUrl: options.databaseUrl, scale: options.scale, reset: false, log });
    const bulkRows = Math.min(options.bulkRows, database.orders);
    log(`database: ${database.orders} orders (${database.seeded === 'now' ? 'seeded now' : 'reused'}); bulk updates ${bulkRows} orders`);
    const budgetMs = (300 + options.rounds * (60 + options.rates.length * options.duration * 4) + options.duration * 4) * 1000;
    setTimeout(() => {
      process.stderr.write(`[bench:events] gave up after ${(budgetMs / 1000).toFixed(0)} s\n`);
      void cleanUp().finally(() => process.exit(1));
    }, budgetMs).unref();

    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    await provisionJetStream(nc);
    const jsm = await nc.jetstreamManager();
    await createRawStream(jsm);
    const js = nc.jetstream();
    const sql = new Client({ connectionString: options.databaseUrl, application_name: 'fraiseql-bench-events' });
    await sql.connect();
    clients.push(sql);
    // Every run starts from the same change log: the rows earlier runs published (the relay keeps them
    // 7 days) are deleted and the table compacted, so neither bloat nor a lagging autovacuum carries over.
    const { rowCount: cleared } = await sql.query(CLEAR_PUBLISHED);
    await sql.query(COMPACT_CHANGE_LOG);
    if ((cleared ?? 0) > 0) log(`change log: ${cleared} rows published by earlier runs deleted, table compacted`);

    const fleet = await startFleet(children, options, nats.url);
    const pids = { node: fleet.executorPid, nats: natsServerPid(nats.port) };
    const cpuLine = (cpu: LegCpu, events: number): string =>
      `CPU-s per 10k events: node ${((cpu.node * 10_000) / events).toFixed(2)}, postgres ${((cpu.postgres * 10_000) / events).toFixed(2)}, nats ${((cpu.nats * 10_000) / events).toFixed(2)}`;
    log('query-executor (relay on) and gateway started; waiting for the relay to publish any earlier backlog');
    await waitUntil(async () => (await sql.query<{ n: number }>(UNPUBLISHED)).rows[0]!.n === 0, 120_000);

    const writers: Client[] = [];
    for (let i = 0; i < options.writers; i++) {
      const writer = new Client({ connectionString: options.databaseUrl, application_name: 'fraiseql-bench-events-writer' });
      await writer.connect();
      // The steady stream measures the relay, not the disk: commits do not wait for the WAL flush
      // (the capture rows and NOTIFY are the same; only durability of the last few ms differs).
      await writer.query('SET synchronous_commit = off');
      writers.push(writer);
      clients.push(writer);
    }
    const reviewIds = (await sql.query<{ id: string }>(REVIEW_IDS)).rows.map((r) => r.id);

    const ensureAlive = (): void => {
      const crashed = children.crashed();
      if (crashed) throw new Error(`${crashed.name} exited during the benchmark:\n${crashed.recentOutput()}`);
    };
    const lastSeq = async (): Promise<number> => Number((await sql.query<{ seq: string }>(LAST_SEQ)).rows[0]!.seq);
    const payloads = async (from: number, to: number): Promise<EventPayload[]> =>
      (await sql.query<EventPayload>(EVENT_PAYLOADS, [from, to])).rows;
    const rawSubjects = (events: EventPayload[]): string[] =>
      events.map((e) => rawSubject(eventSubject(e.org_id, e.entity_type, e.event_type)));
    const streamCount = async (stream: string): Promise<number> => (await jsm.streams.info(stream)).state.messages;

    const bulk: BulkRound[] = [];
    const steady: SteadyRun[] = [];
    // Round 0 warms up (JIT of the executor's relay path and of this process's raw publisher, the
    // streams' first blocks, PostgreSQL's caches): one bulk leg each, not recorded.
    for (let round = options.warmUp ? 0 : 1; round <= options.rounds; round++) {
      // --- bulk ---
      const relayFirst = round === 0 || round % 2 === 1;
      let relayResult: { seconds: number; events: number; cpu: LegCpu } | undefined;
      let rawCpu: LegCpu | undefined;
      let rawSeconds = 0;
      let rawCount = 0;
      let events: EventPayload[] = [];
      const relayBulk = async (): Promise<void> => {
        const before = await lastSeq();
        const stored = await streamCount(STREAMS.events);
        await sql.query('BEGIN');
        await sql.query(BULK_UPDATE, [`bench round ${round} ${Date.now()}`, bulkRows]);
        const cpu = await startCpuSample(sql, pids);
        await sql.query('COMMIT');
        const { ms: committedMs, n } = (await sql.query<{ ms: number; n: number }>(COMMIT_TIME, [before])).rows[0]!;
        const lastStoredMs = await waitForStream(jsm, STREAMS.events, stored + n, 300_000);
        relayResult = { seconds: (lastStoredMs - committedMs) / 1000, events: n, cpu: await cpu.stop() };
        events = await payloads(before, before + n + 1_000_000);
      };
      const rawBulk = async (): Promise<void> => {
        const subjects = rawSubjects(events);
        const cpu = await startCpuSample(sql, { node: process.pid, nats: pids.nats });
        rawSeconds = await publishRawBulk(js, events, subjects, options.maxInFlight, `/r${round}`);
        rawCpu = await cpu.stop();
        rawCount = events.length;
      };
      if (relayFirst) {
        await relayBulk();
        await rawBulk();
      } else {
        // Raw first needs payloads before this round's UPDATE: the previous round's (same orders, same shape).
        const previous = bulk[bulk.length - 1]!;
        events = await payloads(previous.fromSeq, previous.fromSeq + previous.events);
        await rawBulk();
        await relayBulk();
      }
      ensureAlive();
      const relayRate = relayResult!.events / relayResult!.seconds;
      const rawRate = rawCount / rawSeconds;
      if (round === 0) {
        log(`warm-up bulk (not recorded): relay ${relayRate.toFixed(0)} ev/s, raw ${rawRate.toFixed(0)} ev/s`);
        continue;
      }
      bulk.push({
        round,
        order: relayFirst ? 'relay, raw' : 'raw, relay',
        events: relayResult!.events,
        fromSeq: Number(JSON.parse(events[0]!.payload).seq) - 1,
        relaySeconds: relayResult!.seconds,
        rawSeconds,
        rawEvents: rawCount,
        relayRate,
        rawRate,
        relayCpu: relayResult!.cpu,
        rawCpu: rawCpu!,
      });
      log(`round ${round} bulk: relay ${relayRate.toFixed(0)} ev/s, raw ${rawRate.toFixed(0)} ev/s → ${(relayRate / rawRate).toFixed(2)}×`);
      log(`round ${round} bulk relay ${cpuLine(relayResult!.cpu, relayResult!.events)}; raw ${cpuLine(rawCpu!, rawCount)}`);

      // --- steady ---
      for (const rate of options.rates) {
        const before = await lastSeq();
        const streamBefore = (await jsm.streams.info(STREAMS.events)).state.last_seq;
        const steadyCpu = await startCpuSample(sql, pids);
        const written = await writeSteadily(
          writers,
          reviewIds,
          rate,
          options.duration,
          `bench ${round} ${rate}`,
          options.eventsPerCommit(rate),
        );
        const drainStarted = performance.now();
        await waitUntil(async () => (await sql.query<{ n: number }>(UNPUBLISHED)).rows[0]!.n === 0, 300_000);
        const drainSeconds = (performance.now() - drainStarted) / 1000;
        const relayCpu = await steadyCpu.stop();
        const streamAfter = (await jsm.streams.info(STREAMS.events)).state.last_seq;
        const stored = await readStoredEvents(nc, streamBefore + 1, streamAfter);
        const latencies = stored.map((e) => e.storedMs - e.capturedMs);
        const steadyEvents = await payloads(before, before + written.committed + 1_000_000);
        const raw = await publishRawSteady(js, steadyEvents, rawSubjects(steadyEvents), rate);
        ensureAlive();
        const achieved = written.committed / written.seconds;
        const result: SteadyRun = {
          round,
          target: rate,
          achieved,
          written: written.committed,
          events: stored.length,
          drainSeconds,
          p50: quantile(latencies, 0.5),
          p99: quantile(latencies, 0.99),
          max: quantile(latencies, 1),
          rawP50: quantile(raw.latencies, 0.5),
          rawP99: quantile(raw.latencies, 0.99),
          rawAchieved: raw.latencies.length / raw.seconds,
          relayCpu,
        };
        steady.push(result);
        log(
          `round ${round} steady ${rate}/s: written ${achieved.toFixed(0)}/s, relayed ${stored.length}, capture→stored p50 ${result.p50.toFixed(1)} ms p99 ${result.p99.toFixed(1)} ms ` +
            `(raw send→ack p50 ${result.rawP50.toFixed(1)} p99 ${result.rawP99.toFixed(1)}), backlog drained ${drainSeconds.toFixed(2)} s after the writers stopped; relay ${cpuLine(relayCpu, stored.length)}`,
        );
      }
    }

    let mutations: MutationRun | undefined;
    if (options.mutationRate > 0) mutations = await measureMutations(fleet, sql, nc, jsm, options);
    ensureAlive();

    const markdown = renderEventsMarkdown({
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      command: `npx tsx bench/events/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
      options,
      orders: database.orders,
      bulkRows,
      cores: cpus().length,
      node: process.versions.node,
      postgres: (await sql.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version.split(' ')[0]!,
      bulk,
      steady,
      mutations,
    });
    process.stdout.write(`\n${markdown}\n`);
    if (options.writeDocs) {
      updateBenchmarksDoc(join(root, 'docs/benchmarks.md'), SECTION, markdown);
      log('results written to docs/benchmarks.md');
    } else log('docs/benchmarks.md left as it was (--quick or --no-write-docs)');
  } finally {
    await cleanUp();
  }
}

/** query-executor (relay on, the benchmark's batch and window) and gateway, on the private NATS. */
async function startFleet(children: BenchChildren, options: EventsBenchOptions, natsUrl: string): Promise<Fleet> {
  const { schemaFile } = await compileShopSchema(children, root, 'fraiseql-bench-events');
  const { gatewayPort, executor } = await startFraiseqlServices(children, {
    root,
    natsUrl,
    schemaFile,
    databaseUrl: options.databaseUrl,
    executorEnv: {
      FRAISEQL_QUERY_EXECUTOR_RELAY_BATCH_SIZE: String(options.batchSize),
      FRAISEQL_QUERY_EXECUTOR_RELAY_MAX_IN_FLIGHT: String(options.maxInFlight),
      ...options.executorEnv,
    },
    ...(options.cpuProfDir ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] } : {}),
  });
  return { gatewayUrl: `http://127.0.0.1:${gatewayPort}/graphql`, executorPid: executor.pid };
}

const UPDATE_ORDER_STATUS = `mutation($input: UpdateOrderStatusInput!) {
  updateOrderStatus(input: $input) { __typename ... on MutationError { errorClass message } }
}`;

/** updateOrderStatus (PENDING → PAID) through gateway → executor at a steady low rate: HTTP start → stored, and capture → stored. */
async function measureMutations(
  fleet: Fleet,
  sql: Client,
  nc: NatsConnection,
  jsm: Awaited<ReturnType<NatsConnection['jetstreamManager']>>,
  options: EventsBenchOptions,
): Promise<MutationRun> {
  const count = options.mutationRate * options.duration;
  const org = (await sql.query<{ org_id: string }>(BUSIEST_ORG)).rows[0]!.org_id;
  await sql.query('BEGIN');
  await sql.query(`SELECT set_config('fraiseql.capture', 'off', true)`);
  const ids = (await sql.query<{ id: string }>(RESET_ORDERS, [org, count])).rows.map((r) => r.id);
  await sql.query('COMMIT');
  const streamBefore = (await jsm.streams.info(STREAMS.events)).state.last_seq;
  const sentAt = new Map<string, number>();
  const started = performance.now();
  const startedEpoch = Date.now();
  let failures = 0;
  const pending: Array<Promise<void>> = [];
  for (const [index, id] of ids.entries()) {
    const ahead = started + (index * 1000) / options.mutationRate - performance.now();
    if (ahead >= 1) await new Promise((r) => setTimeout(r, ahead));
    sentAt.set(id, startedEpoch + (performance.now() - started));
    pending.push(
      fetch(fleet.gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-fraiseql-dev-subject': 'bench',
          'x-fraiseql-dev-org': org,
          'x-fraiseql-dev-roles': 'admin',
        },
        body: JSON.stringify({ query: UPDATE_ORDER_STATUS, variables: { input: { id, status: 'PAID' } } }),
      }).then(async (response) => {
        const body = (await response.json()) as { data?: { updateOrderStatus?: { __typename: string } }; errors?: unknown };
        if (!response.ok || body.errors || body.data?.updateOrderStatus?.__typename === 'MutationError') {
          failures++;
          if (failures === 1) log(`a mutation failed: ${JSON.stringify(body).slice(0, 500)}`);
        }
      }),
    );
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  await waitUntil(async () => (await sql.query<{ n: number }>(UNPUBLISHED)).rows[0]!.n === 0, 60_000);
  const stored = await readStoredEvents(nc, streamBefore + 1, (await jsm.streams.info(STREAMS.events)).state.last_seq);
  const captureToStored = stored.map((e) => e.storedMs - e.capturedMs);
  const requestToStored = stored.filter((e) => sentAt.has(e.entityId)).map((e) => e.storedMs - sentAt.get(e.entityId)!);
  const result: MutationRun = {
    target: options.mutationRate,
    achieved: ids.length / seconds,
    mutations: ids.length,
    failures,
    events: stored.length,
    p50: quantile(captureToStored, 0.5),
    p99: quantile(captureToStored, 0.99),
    requestP50: quantile(requestToStored, 0.5),
    requestP99: quantile(requestToStored, 0.99),
  };
  log(
    `GraphQL updateOrderStatus ${result.achieved.toFixed(0)}/s: ${failures} failures, ${stored.length} events, capture→stored p50 ${result.p50.toFixed(1)} p99 ${result.p99.toFixed(1)} ms, request→stored p50 ${result.requestP50.toFixed(1)} p99 ${result.requestP99.toFixed(1)} ms`,
  );
  return result;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[bench:events] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
