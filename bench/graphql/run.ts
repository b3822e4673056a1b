/**
 * `npm run bench:graphql` — the FraiseQL read path against PostGraphile v4, side by side in one run.
 *
 * Same database, same data, same logical queries (Q20 / Q100: an org's PAID orders, newest first,
 * with customer and line items), same connections and duration. Each answer is checked to be the
 * same logical data on both sides before anything is timed. Runs alternate between the systems
 * (and which one goes first changes every round) so slow drifts on a noisy machine hit both.
 * Results are ratios, written to docs/benchmarks.md between the bench:graphql markers.
 *
 * Usage: npx tsx bench/graphql/run.ts [--scale 100k] [--duration 15] [--connections 16] [--rounds 3] [--quick]
 */
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { prepareBenchDatabase } from '../lib/bench-database';
import { parseBenchOptions, type BenchOptions } from './bench-options';
import { formatConsoleTable, renderMarkdown, summarise } from './bench-report';
import type { BenchSystem } from './bench-system';
import { BenchChildren } from '../lib/child-processes';
import { CpuMeter } from './cpu-meter';
import { createSigningKey, TestIdentityProvider } from '@fraiseql/testkit';
import { measureRun, type RunMeasurement } from './measure-run';
import { firstDifference, normaliseFraiseql, normalisePostgraphile, ORDER_QUERIES } from './order-queries';
import { startFraiseql, WORK_DIR_PREFIX } from './start-fraiseql';
import { startPostgraphile } from './start-postgraphile';
import { updateBenchmarksDoc, type BenchmarkSection } from '../lib/update-benchmarks-doc';

const root = resolve(__dirname, '../..');
const GRAPHQL_SECTION: BenchmarkSection = {
  name: 'graphql',
  heading: '## GraphQL read path (issue 2)',
  command: 'npm run bench:graphql',
  script: 'bench/graphql/run.ts',
};
const log = (line: string): void => {
  process.stdout.write(`[bench:graphql] ${line}\n`);
};

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const children = new BenchChildren('graphql');
  let meter: CpuMeter | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> =>
    (cleaning ??= (async () => {
      await meter?.close().catch(() => undefined);
      await children.stopAll();
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
  for (const dir of children.removeStaleWorkDirs(WORK_DIR_PREFIX)) log(`removed a work folder left over by an earlier run: ${dir}`);

  try {
    const database = await prepareBenchDatabase({
      root,
      databaseUrl: options.databaseUrl,
      scale: options.scale,
      reset: options.reset,
      log,
    });
    log(`database: ${database.orders} orders (${database.seeded === 'now' ? 'seeded now' : 'reused'})`);

    // From here on the run is bounded: every phase has a known length, so a hang ends the run.
    const runs = ORDER_QUERIES.length * 2 * (options.rounds + 1);
    const budgetMs = (180 + runs * 10 + ORDER_QUERIES.length * 2 * (options.warmup + options.rounds * options.duration)) * 1000;
    const deadline = setTimeout(() => {
      process.stderr.write(`[bench:graphql] gave up after ${(budgetMs / 1000).toFixed(0)} s: stopping every server\n`);
      void cleanUp().finally(() => process.exit(1));
    }, budgetMs);
    deadline.unref();

    log('starting FraiseQL twice (security off, and on: JWKS auth, Redis rate limits, row-level security) and PostGraphile v4');
    const nodeFlags = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
    if (options.cpuProfileDir) log(`CPU profiles go to ${options.cpuProfileDir} (written when the servers stop)`);
    const started = { root, databaseUrl: options.databaseUrl, poolSize: options.poolSize, orgId: options.orgId, nodeFlags };
    const fleet = await startFraiseql(children, { ...started, databaseUrl: options.fraiseqlDatabaseUrl ?? options.databaseUrl, log });
    if (options.fraiseqlDatabaseUrl) log(`experiment: the query-executor reads ${options.fraiseqlDatabaseUrl}`);
    const identityProvider = await startIdentityProvider(options.orgId);
    children.afterStop(() => void identityProvider.stop());
    const secured = await startFraiseql(children, {
      ...started,
      databaseUrl: options.fraiseqlDatabaseUrl ?? options.databaseUrl,
      log,
      security: { ...identityProvider.settings, redisUrl: options.redisUrl },
    });
    const postgraphile = await startPostgraphile(children, started);
    const systems: BenchSystem[] = [fleet, secured, postgraphile];

    for (const ours of [fleet, secured]) await checkSameData(ours, postgraphile);
    meter = await CpuMeter.open(options.databaseUrl);
    const measurements = await measureAll(systems, options, meter, children);
    for (const ours of [fleet, secured]) await checkSameData(ours, postgraphile);

    const summaries = summarise(
      measurements,
      ORDER_QUERIES.map((q) => q.name),
    );
    process.stdout.write(`\n${formatConsoleTable(summaries)}\n\n`);
    if (options.writeDocs) {
      const markdown = renderMarkdown(summaries, measurements, {
        date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        command: `npx tsx bench/graphql/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
        scale: options.scale,
        orders: database.orders,
        connections: options.connections,
        duration: options.duration,
        warmup: options.warmup,
        rounds: options.rounds,
        poolSize: options.poolSize,
        cores: cpus().length,
        node: process.versions.node,
        postgres: await serverVersion(options.databaseUrl),
        setups: systems.map((s) => `${s.name}: ${s.setup}`),
      });
      updateBenchmarksDoc(join(root, 'docs/benchmarks.md'), GRAPHQL_SECTION, markdown);
      log('results written to docs/benchmarks.md');
    } else {
      log('docs/benchmarks.md left as it was (--quick or --no-write-docs)');
    }
  } finally {
    await cleanUp();
  }
}

/** Warm-up per (system, query), then the measured rounds, systems alternating within each. */
async function measureAll(
  systems: BenchSystem[],
  options: BenchOptions,
  meter: CpuMeter,
  children: BenchChildren,
): Promise<RunMeasurement[]> {
  const settings = { connections: options.connections, duration: options.duration };
  const ensureAlive = (): void => {
    const crashed = children.crashed();
    if (crashed) throw new Error(`${crashed.name} exited during the benchmark:\n${crashed.recentOutput()}`);
  };
  for (const query of ORDER_QUERIES) {
    for (const system of systems) {
      log(`warm-up ${query.name} ${system.name} (${options.warmup} s)`);
      const warm = await measureRun(system, query, 0, { connections: options.connections, duration: options.warmup }, meter);
      ensureAlive();
      if (warm.failures > 0)
        throw new Error(`${system.name} failed ${warm.failures} of ${warm.requests + warm.failures} warm-up requests for ${query.name}`);
    }
  }
  const measurements: RunMeasurement[] = [];
  for (let round = 1; round <= options.rounds; round += 1) {
    // Who goes first rotates per round and per query, so no system always runs on a warmer (or busier) machine.
    for (const [index, query] of ORDER_QUERIES.entries()) {
      const shift = (round + index) % systems.length;
      const order = [...systems.slice(shift), ...systems.slice(0, shift)];
      for (const system of order) {
        const m = await measureRun(system, query, round, settings, meter);
        ensureAlive();
        if (m.failures > 0)
          throw new Error(`${system.name} failed ${m.failures} requests in round ${round} ${query.name}: the run is not valid`);
        log(
          `round ${round}/${options.rounds} ${query.name.padEnd(4)} ${system.name.padEnd(12)} ${m.rps.toFixed(1).padStart(8)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms  ` +
            `cpu/req app ${((m.cpu.appSeconds * 1000) / m.requests).toFixed(2)} ms, pg ${((m.cpu.dbSeconds * 1000) / m.requests).toFixed(2)} ms, machine ${(m.cpu.machineBusy * 100).toFixed(0)} %`,
        );
        measurements.push(m);
      }
    }
  }
  return measurements;
}

/** Aborts unless both systems return the same logical data for every query (equal work or no benchmark). */
async function checkSameData(fraiseql: BenchSystem, postgraphile: BenchSystem): Promise<void> {
  for (const query of ORDER_QUERIES) {
    const [f, p] = await Promise.all([fraiseql, postgraphile].map((s) => fetchJson(s, query.limit)));
    const ours = normaliseFraiseql(f as never);
    const theirs = normalisePostgraphile(p as never);
    const difference = firstDifference(theirs, ours);
    if (difference !== undefined)
      throw new Error(`${query.name}: ${fraiseql.name} and PostGraphile answer differently, refusing to compare them.\n${difference}`);
    if (ours.length < query.limit) log(`note: ${query.name} returns only ${ours.length} orders at this scale (asked for ${query.limit})`);
    const items = ours.reduce((n, o) => n + o.items.length, 0);
    log(`${query.name}: same data from ${fraiseql.name} and PostGraphile (${ours.length} orders, ${items} line items)`);
  }
}

async function fetchJson(system: BenchSystem, limit: number): Promise<unknown> {
  const response = await fetch(system.url, { method: 'POST', headers: system.headers, body: system.body(limit) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${system.name} answered ${response.status}: ${text.slice(0, 1000)}`);
  return JSON.parse(text);
}

/** A local OIDC-style identity provider (JWKS over HTTP) and one ES256 token for the whole run, for the secured fleet. */
async function startIdentityProvider(
  orgId: string,
): Promise<{ settings: { jwksUrl: string; issuer: string; audience: string; token: string }; stop(): Promise<void> }> {
  const key = await createSigningKey('bench-1', 'ES256');
  const idp = await TestIdentityProvider.start([key]);
  const token = await idp.token(
    key,
    { sub: 'bench', org_id: orgId, roles: ['reader'] },
    { audience: 'fraiseql-bench', expiresIn: 6 * 3600 },
  );
  return { settings: { jwksUrl: idp.jwksUrl, issuer: idp.url, audience: 'fraiseql-bench', token }, stop: () => idp.stop() };
}

async function serverVersion(databaseUrl: string): Promise<string> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]!.server_version.split(' ')[0]!;
  } finally {
    await client.end();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[bench:graphql] failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
