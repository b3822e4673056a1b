/**
 * `npm run bench:jobs` — the job-runner (issue 10) against what it is built on, side by side in one run:
 *
 * 1. Trivial jobs per second: `createJobRunner` (services/job-runner, in this process) with a no-op job type against
 *    a bare BullMQ `Worker` with a no-op processor, same private Redis, same concurrency (1, 10, 50), same number of
 *    jobs. Per run the worker is paused, the jobs are enqueued (job-runner: `runner.queue.enqueue`, 64 at once; bare:
 *    `Queue.addBulk` in chunks of 1,000; timed separately), then the drain is timed from `worker.resume()` to the last
 *    `completed` event. Rounds alternate which side goes first; ratios are per round, medians reported.
 * 2. Export rows per second per format: `runExport` (libs/job-export) of bench:flight's typed view into a local
 *    directory, against Flight DoGet of the same rows from the built flight-server (bench/flight's setup and leg),
 *    and against libs/arrow's COPY → Arrow reader alone in this process. The legs' order rotates each round.
 *
 * Private nats-server and redis-server (testkit), a throw-away database; all removed at the end, on error and on
 * SIGINT/SIGTERM. Ratios go to docs/benchmarks.md between the bench:jobs markers.
 *
 * Usage: npx tsx bench/jobs/run.ts [--quick] [--jobs 20000] [--concurrency 1,10,50] [--rows 1m] (see --help)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { connect, type NatsConnection } from 'nats';
import { Pool } from 'pg';
import { FlightClient } from '@fraiseql/flight';
import { LocalDirectoryStore } from '@fraiseql/job-export';
import { provisionJetStream } from '@fraiseql/nats-contract';
import { compileSchema, serializeCompiledSchema } from '@fraiseql/schema';
import {
  createTestDatabase,
  startNatsServer,
  startRedisServer,
  type TestDatabase,
  type TestNatsServer,
  type TestRedisServer,
} from '@fraiseql/testkit';
import { FLIGHT_BENCH_ORG, flightBenchSchema } from '../flight/flight-bench-schema';
import { WARM_TYPED_ROWS } from '../flight/flight-bench-sql';
import { FLIGHT_SERVER_ENTRY, startFlightServer } from '../flight/start-flight-server';
import { CpuMeter } from '../graphql/cpu-meter';
import { BenchChildren } from '../lib/child-processes';
import { withClient } from '../lib/fingerprinted-database';
import { updateBenchmarksDoc, type BenchmarkSection } from '../lib/update-benchmarks-doc';
import { fillExportBenchDatabase } from './export-bench-database';
import { parseJobsBenchOptions, type JobsBenchOptions } from './jobs-options';
import { renderJobsMarkdown, type ExportRound } from './jobs-report';
import { measureExport, measureFlightLeg, measureReader, type ExportLeg, type ExportLegMeasurement } from './measure-exports';
import { measureBullmq, measureWrapper, type JobSystem, type ThroughputBackends, type ThroughputRun } from './measure-job-throughput';
import { profiled } from '../lib/cpu-profile';
import { findServerPid, ServerMeter } from './server-meter';

const root = resolve(__dirname, '../..');
const SECTION: BenchmarkSection = {
  name: 'jobs',
  heading: '## Jobs (issue 10)',
  command: 'npm run bench:jobs',
  script: 'bench/jobs/run.ts',
};
// Secrets of a private, loopback-only flight-server that lives as long as the run.
const JWT_SECRET = 'fraiseql-bench-jobs-jwt-secret-0123456789abcdef';
const TICKET_SECRET = 'fraiseql-bench-jobs-ticket-secret-0123456789abcdef';
const WORK_DIR_PREFIX = 'fraiseql-bench-jobs';

const log = (line: string): void => {
  process.stdout.write(`[bench:jobs] ${line}\n`);
};

/** What the run holds, for the clean-up whichever way it ends. */
interface Held {
  children: BenchChildren;
  workDir: string;
  nats?: TestNatsServer;
  nc?: NatsConnection;
  redis?: TestRedisServer;
  admin?: Redis;
  database?: TestDatabase;
  pool?: Pool;
  flight?: FlightClient;
  meter?: CpuMeter;
}

async function main(): Promise<void> {
  const options = parseJobsBenchOptions(process.argv.slice(2));
  if (options.cpuProf) mkdirSync(options.cpuProf, { recursive: true });
  if (!options.skipExport && !existsSync(join(root, FLIGHT_SERVER_ENTRY)))
    throw new Error(`${FLIGHT_SERVER_ENTRY} is missing: build first (npx tsc -b tsconfig.build.json), or --skip-export`);
  const children = new BenchChildren('jobs');
  for (const orphan of children.reapOrphans()) log(`stopped a server left over by an earlier run: ${orphan}`);
  for (const stale of children.removeStaleWorkDirs(WORK_DIR_PREFIX)) log(`removed ${stale}, left over by an earlier run`);
  const held: Held = { children, workDir: mkdtempSync(join(tmpdir(), `${WORK_DIR_PREFIX}-${process.pid}-`)) };

  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> =>
    (cleaning ??= (async () => {
      held.flight?.close();
      await held.meter?.close().catch(() => undefined);
      await held.pool?.end().catch(() => undefined);
      await children.stopAll();
      await held.database?.drop().catch((error: unknown) => log(`could not drop ${held.database?.name}: ${(error as Error).message}`));
      held.admin?.disconnect();
      await held.nc?.close().catch(() => undefined);
      await held.redis?.dispose().catch(() => undefined);
      await held.nats?.dispose().catch(() => undefined);
      rmSync(held.workDir, { recursive: true, force: true });
    })());
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping every server, dropping the database`);
      void cleanUp().finally(() => process.exit(code));
    });
  }
  // Generous: a stuck scenario costs its stall time; 1M rows take 1–2 min as CSV here.
  const budgetMs =
    (10 +
      (options.skipJobs ? 0 : (options.rounds * options.concurrency.length * (options.jobs / 500 + 2 * options.stallSeconds)) / 60) +
      (options.skipExport ? 0 : (options.rows / 1e6) * (2 + options.rounds * 5))) *
    60_000;
  setTimeout(() => {
    process.stderr.write(`[bench:jobs] gave up after ${(budgetMs / 60_000).toFixed(0)} min\n`);
    void cleanUp().finally(() => process.exit(1));
  }, budgetMs).unref();

  try {
    held.nats = await startNatsServer();
    held.nc = await connect({ servers: held.nats.url });
    await provisionJetStream(held.nc);
    const throughput = options.skipJobs ? [] : await throughputPart(held, options);
    const exports = options.skipExport ? [] : await exportPart(held, options);

    const markdown = renderJobsMarkdown({
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      command: `npx tsx bench/jobs/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
      options,
      cores: cpus().length,
      node: process.versions.node,
      versions: {
        bullmq: (JSON.parse(readFileSync(join(root, 'node_modules/bullmq/package.json'), 'utf8')) as { version: string }).version,
        ...(held.admin ? { redis: /^redis_version:(\S+)/m.exec(await held.admin.info('server'))?.[1] ?? '?' } : {}),
        ...(held.database
          ? {
              postgres: await withClient(
                held.database.url,
                async (db) => (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version.split(' ')[0]!,
              ),
            }
          : {}),
      },
      throughput,
      exports,
    });
    process.stdout.write(`\n${markdown}\n`);
    if (options.writeDocs) {
      updateBenchmarksDoc(join(root, 'docs/benchmarks.md'), SECTION, markdown);
      log('docs/benchmarks.md updated');
    } else log('docs/benchmarks.md left as it was (--quick, --skip-jobs, --skip-export or --no-write-docs)');
  } finally {
    await cleanUp();
  }
}

/** Trivial jobs: a warm-up of each side, then per round and concurrency both sides, the first one alternating. */
async function throughputPart(held: Held, options: JobsBenchOptions): Promise<ThroughputRun[]> {
  held.redis = await startRedisServer();
  held.admin = new Redis(held.redis.url, { connectionName: 'bench-admin' });
  const natsPid = findServerPid('nats-server', held.nats!.port);
  if (natsPid === undefined) log('nats-server pid not found: its CPU is not reported');
  const backends: ThroughputBackends = {
    redisUrl: held.redis.url,
    natsUrl: held.nats!.url,
    jsm: await held.nc!.jetstreamManager(),
    admin: held.admin,
    cpu: new ServerMeter(held.admin, natsPid),
  };
  const measure = (system: JobSystem, concurrency: number, jobs: number, round: number): Promise<ThroughputRun> =>
    (system === 'wrapper' ? measureWrapper : measureBullmq)(backends, {
      system,
      concurrency,
      jobs,
      round,
      stallMs: options.stallSeconds * 1000,
      ...(options.cpuProf ? { cpuProf: options.cpuProf } : {}),
      log,
    });

  const warmJobs = Math.min(500, options.jobs);
  for (const system of ['wrapper', 'bullmq'] as const) {
    const warm = await measure(system, 10, warmJobs, 0);
    log(`warm-up ${describeRun(warm)}`);
  }
  const runs: ThroughputRun[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const [i, concurrency] of options.concurrency.entries()) {
      const order: JobSystem[] = (round + i) % 2 === 1 ? ['wrapper', 'bullmq'] : ['bullmq', 'wrapper'];
      for (const system of order) {
        const run = await measure(system, concurrency, options.jobs, round);
        log(`round ${round} ${describeRun(run)}`);
        runs.push(run);
      }
    }
  }
  return runs;
}

function describeRun(r: ThroughputRun): string {
  const cpu = `CPU ms/job ${((r.cpu.bench * 1000) / Math.max(1, r.completed)).toFixed(3)} here, ${((r.cpu.redis * 1000) / Math.max(1, r.completed)).toFixed(3)} Redis, ${((r.cpu.nats * 1000) / Math.max(1, r.completed)).toFixed(3)} NATS`;
  return (
    `${r.system} c=${r.concurrency}: enqueue ${r.jobs} in ${r.enqueueSeconds.toFixed(2)} s, drain ${r.completed}/${r.jobs} ` +
    `(${r.failed} failed) in ${r.drainSeconds.toFixed(2)} s = ${Math.round(r.completed / r.drainSeconds)}/s${r.complete ? '' : ' STUCK'}; ${cpu}` +
    (r.problems.length > 0 ? `; problems: ${r.problems.join(' · ')}` : '')
  );
}

/** Exports against Flight DoGet and the bare reader, over a fresh database holding bench:flight's rows. */
async function exportPart(held: Held, options: JobsBenchOptions): Promise<ExportRound[]> {
  held.database = await createTestDatabase('fraiseql_bench_jobs');
  const seedStarted = Date.now();
  log(`database ${held.database.name}: migrations and ${options.rows} rows of bench:flight's va_flight_row`);
  await fillExportBenchDatabase(root, held.database.url, options.rows);
  log(`database ready in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);

  const schemaFile = join(held.workDir, 'schema.compiled.json');
  writeFileSync(schemaFile, serializeCompiledSchema(compileSchema(flightBenchSchema)));
  const flightRole = flightRoleUrl(held.database.url);
  const server = await startFlightServer(held.children, {
    root,
    natsUrl: held.nats!.url,
    schemaFile,
    databaseUrl: flightRole,
    jwtSecret: JWT_SECRET,
    ticketSecret: TICKET_SECRET,
    batchSize: undefined,
  });
  held.flight = new FlightClient(server.address);
  await held.flight.handshake(await benchJwt());
  // The job-runner's export pool: the same role (its FRAISEQL_JOB_DATABASE_URL default), a small pool.
  held.pool = new Pool({ connectionString: flightRole, max: 4, application_name: 'fraiseql-bench-jobs-export' });
  const store = new LocalDirectoryStore(join(held.workDir, 'exports'));
  held.meter = await CpuMeter.open(held.database.url);
  const flight = held.flight;
  const pool = held.pool;

  const ensureAlive = (): void => {
    const crashed = held.children.crashed();
    if (crashed) throw new Error(`${crashed.name} exited during the benchmark:\n${crashed.recentOutput()}`);
  };
  const run = (leg: ExportLeg, round: number, limit?: number): Promise<ExportLegMeasurement> => {
    switch (leg) {
      case 'flight':
        return measureFlightLeg(flight, options.rows, limit);
      case 'reader':
        return measureReader(pool, options.rows);
      default:
        return measureExport(leg, { pool, store }, `bench-${leg}-r${round}`, options.rows, limit);
    }
  };

  // Warm-up: the rows into the OS page cache, each path's code (and parquet-wasm) through a short read.
  await withClient(held.database.url, (db) => db.query(WARM_TYPED_ROWS));
  const warmRows = Math.min(options.rows, 50_000);
  await run('flight', 0, warmRows);
  for (const format of options.formats) await run(format, 0, warmRows);
  ensureAlive();

  const legs: ExportLeg[] = ['flight', 'reader', ...options.formats];
  const rounds: ExportRound[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const order = legs.map((_, i) => legs[(i + round - 1) % legs.length]!);
    const measured: ExportRound = { round, order, legs: {} };
    for (const leg of order) {
      const before = await held.meter.snapshot([server.child.pid]);
      const m = await profiled(options.cpuProf, `export-${leg}-r${round}`, () => run(leg, round));
      m.cpu = held.meter.spent(before, await held.meter.snapshot([server.child.pid]));
      ensureAlive();
      measured.legs[leg] = m;
      log(
        `export round ${round} ${leg}: ${m.rows} rows in ${m.seconds.toFixed(2)} s = ${Math.round(m.rows / m.seconds)} rows/s (${m.detail})`,
      );
    }
    rounds.push(measured);
  }
  return rounds;
}

/** The same database as the role the flight-server and the exports use (trust auth on loopback here). */
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

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[bench:jobs] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
