// npm run bench:flight — Arrow Flight DoGet against the other ways to take the same rows out (issue 4):
// the GraphQL JSON endpoint (gateway → query-executor), node-postgres's row protocol, and psql's
// binary COPY (the limit of this machine). Side by side in one run, ratios in docs/benchmarks.md.
//
// Data: a schema of the benchmark's own (flight-bench-schema.ts, sql/), not the demo shop. The
// shop's seed makes about 3k orders/s with their customers, items and projections, so 10M orders
// would take about an hour and 1M several minutes, while generate_series writes 1M typed rows in a
// few seconds. The rows have the columns and types of the shop's va_order (uuid, text, numeric(12,2),
// int4, int8, timestamptz, date, bool, float8, text[], jsonb, a nullable text) plus `seq` for the
// GraphQL keyset; the same table at both sizes keeps 1M and 10M comparable, and the GraphQL view
// reads a stored `data jsonb` (like the shop's tv_order), the GraphQL path's best case. Each size
// has its own database (built once, reused while the SQL is unchanged) and its own fleet, so the
// flight-server's peak RSS (VmHWM) belongs to one size.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import { FlightClient } from '@fraiseql/flight';
import { compileSchema, serializeCompiledSchema } from '@fraiseql/schema';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { CpuMeter } from '../graphql/cpu-meter';
import { BenchChildren, type BenchChild } from '../lib/child-processes';
import { profiled } from '../lib/cpu-profile';
import { formatCpuProfileSummary, summarizeCpuProfile } from '../lib/cpu-profile-summary';
import { startFraiseqlServices } from '../lib/start-fraiseql-services';
import { updateBenchmarksDoc, type BenchmarkSection } from '../lib/update-benchmarks-doc';
import { captureFlightFrames } from './capture-flight-frames';
import { runClientCodecComparison, runServerCodecComparison, type CodecOutcome } from './codec-comparison';
import { prepareFlightBenchDatabase } from './flight-bench-database';
import { FLIGHT_BENCH_ORG, FLIGHT_ROW_COLUMNS, flightBenchSchema } from './flight-bench-schema';
import { GRANT_FLIGHT_ACCESS, HAS_GRANT_FUNCTION, typedRowsSelect, WARM_JSON_ROWS, WARM_TYPED_ROWS } from './flight-bench-sql';
import { parseFlightBenchOptions, type FlightBenchOptions, type FlightBenchSize } from './flight-options';
import {
  renderFlightMarkdown,
  type FlightCodecResults,
  type FlightRound,
  type FlightServerMemory,
  type FlightSizeResult,
} from './flight-report';
import { expectedSeqSum, LEGS, rowsPerSecond, type Leg, type LegMeasurement } from './leg-measurement';
import { measureFlight, type ViewCommand } from './measure-flight';
import { measureFlightPartitions } from './measure-flight-partitions';
import { measureGraphql } from './measure-graphql';
import { measurePgRows } from './measure-pg-rows';
import { measurePsqlCopy } from './measure-psql-copy';
import { mib, readProcessMemory, sampleRss } from './process-memory';
import { FLIGHT_SERVER_ENTRY, startFlightServer, type FlightServerOptions } from './start-flight-server';

const root = resolve(__dirname, '../..');
const SECTION: BenchmarkSection = {
  name: 'flight',
  heading: '## Arrow Flight (issue 4)',
  command: 'npm run bench:flight',
  script: 'bench/flight/run.ts',
};
const BUILT = ['services/gateway/dist/main.js', 'services/query-executor/dist/main.js'];
// Secrets of a private, loopback-only fleet that lives as long as the run.
const JWT_SECRET = 'fraiseql-bench-flight-jwt-secret-0123456789abcdef';
const TICKET_SECRET = 'fraiseql-bench-flight-ticket-secret-0123456789abcdef';
const VIEW: ViewCommand = { kind: 'view', view: 'va_flight_row', columns: FLIGHT_ROW_COLUMNS };

const log = (line: string): void => {
  process.stdout.write(`[bench:flight] ${line}\n`);
};

async function main(): Promise<void> {
  const options = parseFlightBenchOptions(process.argv.slice(2));
  for (const entry of options.skipFlight ? BUILT : [...BUILT, FLIGHT_SERVER_ENTRY]) {
    if (!existsSync(join(root, entry)))
      throw new Error(
        `${entry} is missing: build first (npx tsc -b tsconfig.build.json)${entry === FLIGHT_SERVER_ENTRY ? ', or --skip-flight' : ''}`,
      );
  }
  const reaper = new BenchChildren('flight');
  for (const orphan of reaper.reapOrphans()) log(`stopped a server left over by an earlier run: ${orphan}`);
  for (const stale of reaper.removeStaleWorkDirs('fraiseql-bench-flight')) log(`removed ${stale}, left over by an earlier run`);

  let nats: TestNatsServer | undefined;
  let fleet: BenchChildren | undefined;
  const workDir = mkdtempSync(join(tmpdir(), `fraiseql-bench-flight-${process.pid}-`));
  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> =>
    (cleaning ??= (async () => {
      await fleet?.stopAll();
      await nats?.dispose().catch(() => undefined);
      rmSync(workDir, { recursive: true, force: true });
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
  // Generous: building 10M rows takes minutes, GraphQL reads about 30k rows/s here.
  const millions = options.sizes.reduce((sum, s) => sum + s.rows, 0) / 1e6;
  // Each partitioned read takes about as long as the Flight leg: 0.1 min per million rows is generous.
  const partitionedReads = options.partitions.reduce((sum, p) => sum + (p === 1 ? 1 : options.partitionClients.length), 0);
  const budgetMs = (20 + millions * (3 + options.rounds * (3 + partitionedReads * 0.1))) * 60_000;
  setTimeout(() => {
    process.stderr.write(`[bench:flight] gave up after ${(budgetMs / 60_000).toFixed(0)} min\n`);
    void cleanUp().finally(() => process.exit(1));
  }, budgetMs).unref();

  try {
    const schemaFile = join(workDir, 'schema.compiled.json');
    writeFileSync(schemaFile, serializeCompiledSchema(compileSchema(flightBenchSchema)));
    nats = await startNatsServer();
    const results: FlightSizeResult[] = [];
    let postgres = '';
    for (const size of options.sizes) {
      fleet = new BenchChildren('flight');
      results.push(await measureSize(fleet, size, options, nats.url, schemaFile));
      postgres ||= await serverVersion(sizeDatabaseUrl(options.databaseUrl, size));
      await fleet.stopAll();
      fleet = undefined;
    }

    const markdown = renderFlightMarkdown({
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      command: `npx tsx bench/flight/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
      options,
      cores: cpus().length,
      node: process.versions.node,
      postgres,
      sizes: results,
    });
    process.stdout.write(`\n${markdown}\n`);
    // A decoder that disagrees with the reference is a correctness failure, not a result to publish.
    const differing = results.flatMap((r) =>
      [r.codec?.server, r.codec?.client].flatMap((o) =>
        o && 'result' in o && !o.result.checksumsEqual ? [`${r.size.label} ${o.result.side}`] : [],
      ),
    );
    if (differing.length > 0)
      throw new Error(`codec comparison checksums differ (${differing.join(', ')}): docs/benchmarks.md not written`);
    if (options.writeDocs) {
      updateBenchmarksDoc(join(root, 'docs/benchmarks.md'), SECTION, markdown);
      log('results written to docs/benchmarks.md');
    } else log(`docs/benchmarks.md left as it was (${options.skipFlight ? '--skip-flight' : '--quick or --no-write-docs'})`);
  } finally {
    await cleanUp();
  }
}

/** One size: its database, its fleet, a warm-up, then the rounds with the legs' order rotating. */
async function measureSize(
  fleet: BenchChildren,
  size: FlightBenchSize,
  options: FlightBenchOptions,
  natsUrl: string,
  schemaFile: string,
): Promise<FlightSizeResult> {
  const databaseUrl = sizeDatabaseUrl(options.databaseUrl, size);
  const seeded = await prepareFlightBenchDatabase({ root, databaseUrl, rows: size.rows, reset: options.reset, log });
  const graphqlRows = Math.min(size.rows, options.graphqlRows);
  const sql = new Client({ connectionString: databaseUrl, application_name: 'fraiseql-bench-flight' });
  await sql.connect();
  let started: SizeFleet | undefined;
  let meter: CpuMeter | undefined;
  let sampler: { stop: () => number } | undefined;
  try {
    if (!options.skipFlight) await grantFlightAccess(sql);
    started = await startSizeFleet(fleet, options, databaseUrl, natsUrl, schemaFile);
    const { flight, flightPid, graphqlUrl, servingPids, partitionClients } = started;
    log(`${size.label}: fleet started (gateway, query-executor${flight ? ', flight-server' : ''})`);
    // Before any DoGet: the base the growth is measured from.
    const memoryBefore = flightPid === undefined ? undefined : readProcessMemory(flightPid).rss;
    sampler = flightPid === undefined ? undefined : sampleRss(flightPid);
    meter = await CpuMeter.open(databaseUrl);

    const ensureAlive = (): void => {
      const crashed = fleet.crashed();
      if (crashed) throw new Error(`${crashed.name} exited during the benchmark:\n${crashed.recentOutput()}`);
    };
    const select = typedRowsSelect(FLIGHT_BENCH_ORG);
    const run: Record<Leg, () => Promise<LegMeasurement>> = {
      flight: () => measureFlight(flight!, VIEW),
      graphql: () => measureGraphql({ url: graphqlUrl, org: FLIGHT_BENCH_ORG, rows: graphqlRows, page: options.graphqlPage }),
      pg: () => measurePgRows(sql, select),
      psql: () => measurePsqlCopy(databaseUrl, select),
    };
    const legs = LEGS.filter((leg) => leg !== 'flight' || flight !== undefined);

    // Warm-up: the tables into the OS page cache, and each path's code through one small read.
    await sql.query(WARM_TYPED_ROWS);
    await sql.query(WARM_JSON_ROWS, [FLIGHT_BENCH_ORG, graphqlRows]);
    await measureGraphql({
      url: graphqlUrl,
      org: FLIGHT_BENCH_ORG,
      rows: Math.min(graphqlRows, 5 * options.graphqlPage),
      page: options.graphqlPage,
    });
    if (flight) await measureFlight(flight, { ...VIEW, limit: Math.min(size.rows, 100_000) });
    ensureAlive();

    const rounds: FlightRound[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const order = legs.map((_, i) => legs[(i + round - 1) % legs.length]!);
      const measured: FlightRound = { round, order, legs: {}, partitions: [] };
      for (const leg of order) {
        const before = await meter.snapshot(servingPids[leg]);
        const m = await run[leg]();
        m.cpu = meter.spent(before, await meter.snapshot(servingPids[leg]));
        ensureAlive();
        checkLeg(leg, m, leg === 'graphql' ? graphqlRows : size.rows);
        measured.legs[leg] = m;
        log(
          `${size.label} round ${round} ${leg}: ${m.rows} rows in ${m.seconds.toFixed(2)} s = ${Math.round(rowsPerSecond(m))} rows/s (${m.detail})`,
        );
      }
      rounds.push(measured);
    }

    let memory: FlightServerMemory | undefined;
    if (flightPid !== undefined && sampler && memoryBefore !== undefined) {
      memory = { before: memoryBefore, sampledPeak: sampler.stop(), peak: readProcessMemory(flightPid).peak };
      log(`${size.label} flight-server memory: VmRSS ${mib(memory.before)} MiB before streaming, VmHWM ${mib(memory.peak)} MiB`);
    }
    // The parallel partitioned reads, as many rounds, after the memory of the one-stream legs was read
    // (several streams at once hold several batches: their peak is reported apart).
    if (flight && options.partitions.length > 0) {
      for (const measured of rounds) {
        for (const partitions of options.partitions) {
          // One stream: the shared and per-stream reads are the same read.
          for (const mode of partitions === 1 ? (['shared'] as const) : options.partitionClients) {
            const before = await meter.snapshot(servingPids.flight);
            const m = await measureFlightPartitions({
              source: VIEW.view,
              columns: VIEW.columns,
              partitions,
              mode,
              clients: mode === 'shared' ? [flight] : partitionClients,
            });
            m.cpu = meter.spent(before, await meter.snapshot(servingPids.flight));
            ensureAlive();
            checkLeg(`flight in ${partitions} partition(s), ${mode}`, m, size.rows);
            measured.partitions.push({ partitions, clients: mode, m });
            log(
              `${size.label} round ${measured.round} flight ${partitions} partition(s) ${mode}: ${m.rows} rows in ${m.seconds.toFixed(2)} s = ${Math.round(rowsPerSecond(m))} rows/s (${m.detail})`,
            );
          }
        }
      }
      if (memory && flightPid !== undefined) memory.peakWithPartitions = readProcessMemory(flightPid).peak;
    }
    const codec =
      flight && started.sessionToken !== undefined && size.rows <= options.codecMaxRows
        ? await compareCodecs(size, options, databaseUrl, select, started)
        : undefined;
    const profiles =
      options.cpuProfile && flight ? await profileFlightRead(fleet, size, options, databaseUrl, natsUrl, schemaFile) : undefined;
    return { size, seeded, graphqlRows, rounds, memory, codec, profiles };
  } finally {
    sampler?.stop();
    started?.flight?.close();
    for (const client of started?.partitionClients ?? []) client.close();
    await meter?.close().catch(() => undefined);
    await sql.end().catch(() => undefined);
  }
}

interface SizeFleet {
  graphqlUrl: string;
  flight: FlightClient | undefined;
  flightPid: number | undefined;
  /** host:port of the flight-server, and the session token its Handshake answered `flight`. */
  flightAddress: string | undefined;
  sessionToken: string | undefined;
  /** One handshaken client per stream of the largest partitioned read, each on a channel of its own. */
  partitionClients: FlightClient[];
  /** The processes serving each leg, whose CPU the leg is charged. */
  servingPids: Record<Leg, number[]>;
}

/** gateway + query-executor, and unless --skip-flight the flight-server with a handshaken client. */
async function startSizeFleet(
  fleet: BenchChildren,
  options: FlightBenchOptions,
  databaseUrl: string,
  natsUrl: string,
  schemaFile: string,
): Promise<SizeFleet> {
  // The GraphQL leg is the path's best case: request transactions as the connection's own role (no
  // row-level security; the benchmark's tables have no policies), as bench:graphql's plain FraiseQL system.
  const services = await startFraiseqlServices(fleet, {
    root,
    natsUrl,
    schemaFile,
    databaseUrl,
    executorEnv: { FRAISEQL_QUERY_EXECUTOR_REQUEST_ROLE: 'none' },
  });
  const servingPids: Record<Leg, number[]> = { flight: [], graphql: [services.gateway.pid, services.executor.pid], pg: [], psql: [] };
  const graphqlUrl = `http://127.0.0.1:${services.gatewayPort}/graphql`;
  if (options.skipFlight)
    return {
      graphqlUrl,
      flight: undefined,
      flightPid: undefined,
      flightAddress: undefined,
      sessionToken: undefined,
      partitionClients: [],
      servingPids,
    };
  const server = await startFlightServer(fleet, {
    ...benchFlightServer(root, natsUrl, schemaFile, databaseUrl, options),
    parallelStreams: Math.max(0, ...options.partitions),
  });
  servingPids.flight = [server.child.pid];
  const flight = new FlightClient(server.address);
  const sessionToken = await flight.handshake(await benchJwt());
  const partitionClients: FlightClient[] = [];
  const streams = options.partitionClients.includes('per-stream') ? Math.max(0, ...options.partitions) : 0;
  for (let i = 0; i < streams; i++) {
    // grpc-js shares one connection between clients of the same target unless each has a local subchannel pool.
    const client = new FlightClient(server.address, { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } });
    partitionClients.push(client);
    await client.handshake(await benchJwt());
  }
  return { graphqlUrl, flight, flightPid: server.child.pid, flightAddress: server.address, sessionToken, partitionClients, servingPids };
}

/**
 * The decoders' own comparisons (issue 14): the flight-server's COPY BINARY → Arrow over this size's rows,
 * and the client's FlightData → RecordBatch over the frames of one real DoGet of the benchmark's view.
 */
async function compareCodecs(
  size: FlightBenchSize,
  options: FlightBenchOptions,
  databaseUrl: string,
  select: string,
  started: SizeFleet,
): Promise<FlightCodecResults> {
  log(`${size.label}: server codec comparison (${options.codecRounds} round(s))`);
  const server = await runServerCodecComparison(databaseUrl, select, options.codecRounds);
  log(`${size.label}: server codec comparison: ${describeOutcome(server)}`);
  const info = await started.flight!.getFlightInfo({ type: 2, cmd: Buffer.from(JSON.stringify(VIEW)) });
  const ticket = info.endpoint?.[0]?.ticket?.ticket;
  if (!ticket) throw new Error('GetFlightInfo returned no ticket for the frame capture');
  let captured: Awaited<ReturnType<typeof captureFlightFrames>> | undefined = await captureFlightFrames(
    started.flightAddress!,
    started.sessionToken!,
    ticket,
  );
  log(`${size.label}: client codec comparison over ${captured.frames.length} FlightData frames (${mib(captured.bytes)} MiB)`);
  const client = await runClientCodecComparison(captured.frames, options.codecRounds);
  captured = undefined;
  log(`${size.label}: client codec comparison: ${describeOutcome(client)}`);
  return { server, client };
}

function describeOutcome(outcome: CodecOutcome): string {
  if ('missing' in outcome) return `not run (${outcome.missing})`;
  if ('failed' in outcome) return `failed: ${outcome.failed}`;
  const r = outcome.result;
  return `reference ${r.referenceCpuSecondsPerMillionRows.toFixed(2)}, current ${r.currentCpuSecondsPerMillionRows.toFixed(2)} CPU-s/M rows, checksums ${r.checksumsEqual ? 'equal' : 'DIFFER'} (${r.detail})`;
}

/**
 * `--cpu-profile`: one more Flight read of the view with a flight-server of its own started under
 * --cpu-prof (written when it stops), and this process under the inspector's profiler for the read.
 * The server's profile is summarised over the read's time window only (both clocks are CLOCK_MONOTONIC),
 * so start-up and handshake stay out of its top 15.
 */
async function profileFlightRead(
  fleet: BenchChildren,
  size: FlightBenchSize,
  options: FlightBenchOptions,
  databaseUrl: string,
  natsUrl: string,
  schemaFile: string,
): Promise<string[]> {
  const dir = resolve(options.cpuProfile!);
  mkdirSync(dir, { recursive: true });
  const serverProfile = `flight-server-${size.label}.cpuprofile`;
  const server = await startFlightServer(fleet, {
    ...benchFlightServer(root, natsUrl, schemaFile, databaseUrl, options),
    nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', serverProfile],
  });
  const client = new FlightClient(server.address);
  let window: { fromUs: number; toUs: number };
  let m;
  try {
    await client.handshake(await benchJwt());
    await measureFlight(client, { ...VIEW, limit: Math.min(size.rows, 100_000) });
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    m = await profiled(dir, `client-flight-${size.label}`, () => measureFlight(client, VIEW));
    window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
  } finally {
    client.close();
    await stopChild(server.child);
  }
  log(`${size.label} profiled Flight read: ${m.rows} rows in ${m.seconds.toFixed(2)} s (profilers on: not a measurement)`);
  const summaries = [
    formatCpuProfileSummary(`flight-server, ${size.label}`, summarizeCpuProfile(join(dir, serverProfile), 15, window)),
    formatCpuProfileSummary(
      `client (this process), Flight leg, ${size.label}`,
      summarizeCpuProfile(join(dir, `client-flight-${size.label}.cpuprofile`), 15),
    ),
  ];
  writeFileSync(join(dir, `summary-${size.label}.txt`), `${summaries.join('\n\n')}\n`);
  process.stdout.write(`\n${summaries.join('\n\n')}\n\n`);
  log(`${size.label}: CPU profiles in ${dir}`);
  return summaries;
}

/** SIGTERM to one child and wait for it to exit (a --cpu-prof profile is written on exit); SIGKILL after 15 s. */
function stopChild(child: BenchChild): Promise<void> {
  const proc = child.process;
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const killer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    proc.once('exit', () => {
      clearTimeout(killer);
      done();
    });
    proc.kill('SIGTERM');
  });
}

/** Every row exactly once: the count, and the sum of seq (1..n) where the leg decodes rows. */
function checkLeg(leg: string, m: LegMeasurement, rows: number): void {
  if (m.rows !== rows) throw new Error(`${leg} returned ${m.rows} rows, expected ${rows}`);
  if (m.seqSum !== undefined && m.seqSum !== expectedSeqSum(rows))
    throw new Error(`${leg} returned the wrong rows: sum of seq ${m.seqSum}, expected ${expectedSeqSum(rows)}`);
}

/** The role fraiseql_flight reads the benchmark's va_/v_ views (created after the migrations). */
async function grantFlightAccess(sql: Client): Promise<void> {
  const { rows } = await sql.query<{ present: boolean }>(HAS_GRANT_FUNCTION);
  if (!rows[0]!.present)
    throw new Error('fraiseql.grant_flight_access() is missing (migrations/postgres/0004): update the tree, or run with --skip-flight');
  await sql.query(GRANT_FLIGHT_ACCESS);
}

/** `<base name>_<size label>`: one database per size. */
function sizeDatabaseUrl(base: string, size: FlightBenchSize): string {
  const url = new URL(base);
  url.pathname = `/${decodeURIComponent(url.pathname.slice(1))}_${size.label}`;
  return url.toString();
}

/** The same database as the role the flight-server must use (trust auth on loopback here). */
/** The benchmark's flight-server settings, shared by the measured server and the profiled one. */
function benchFlightServer(
  root: string,
  natsUrl: string,
  schemaFile: string,
  databaseUrl: string,
  options: FlightBenchOptions,
): FlightServerOptions {
  return {
    root,
    natsUrl,
    schemaFile,
    databaseUrl: flightRoleUrl(databaseUrl),
    jwtSecret: JWT_SECRET,
    ticketSecret: TICKET_SECRET,
    batchSize: options.flightBatchSize,
  };
}

function flightRoleUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.username = 'fraiseql_flight';
  url.password = '';
  return url.toString();
}

/** The JWT the Flight client hands the Handshake: the benchmark org, no roles. */
function benchJwt(): Promise<string> {
  return new SignJWT({ org_id: FLIGHT_BENCH_ORG, roles: [] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench')
    .setIssuedAt()
    .setExpirationTime('12h')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

async function serverVersion(databaseUrl: string): Promise<string> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version.split(' ')[0]!;
  } finally {
    await client.end();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[bench:flight] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
