/**
 * `npm run bench:graphql` — the FraiseQL read path against PostGraphile v4 and v5, side by side in one run.
 *
 * Same database, same data, same logical queries (Q20 / Q100: an org's PAID orders, newest first,
 * with customer and line items), same connections and duration. Each answer is checked to be the
 * same logical data on every side before anything is timed. Runs alternate between the systems
 * (and which one goes first changes every round) so slow drifts on a noisy machine hit all of them.
 * Results are ratios, written to docs/benchmarks.md between the bench:graphql markers.
 *
 * Usage: npx tsx bench/graphql/run.ts [--scale 100k] [--duration 15] [--connections 16] [--rounds 3] [--quick] [--systems …]
 */
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { prepareBenchDatabase } from '../lib/bench-database';
import { parseBenchOptions, type BenchOptions } from './bench-options';
import { formatConsoleTable, renderMarkdown, summarise } from './bench-report';
import type { BenchSystem, NormalisedOrder } from './bench-system';
import { BenchChildren } from '../lib/child-processes';
import { CpuMeter } from './cpu-meter';
import { createSigningKey, TestIdentityProvider } from '@fraiseql/testkit';
import { measureRun, type RunMeasurement } from './measure-run';
import { firstDifference, normaliseFraiseql, normalisePostgraphile, ORDER_QUERIES } from './order-queries';
import { startFraiseql, WORK_DIR_PREFIX } from './start-fraiseql';
import { startPostgraphile } from './start-postgraphile';
import { startPostgraphileV5 } from './start-postgraphile-v5';
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
    const perQuery = ORDER_QUERIES.length * options.systems.length;
    const runs = perQuery * (options.rounds + 1);
    // 240 s for the database and the servers (the first install of PostGraphile v5 adds ~30 s), 10 s of slack per run.
    const budgetMs = (240 + runs * 10 + perQuery * (options.warmup + options.rounds * options.duration)) * 1000;
    const deadline = setTimeout(() => {
      process.stderr.write(`[bench:graphql] gave up after ${(budgetMs / 1000).toFixed(0)} s: stopping every server\n`);
      void cleanUp().finally(() => process.exit(1));
    }, budgetMs);
    deadline.unref();

    const wanted = new Set(options.systems);
    log(`starting ${options.systems.join(', ')} (FraiseQL+security: JWKS auth, Redis rate limits, row-level security)`);
    const nodeFlags = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
    if (options.cpuProfileDir) log(`CPU profiles go to ${options.cpuProfileDir} (written when the servers stop)`);
    const started = { root, databaseUrl: options.databaseUrl, poolSize: options.poolSize, orgId: options.orgId, nodeFlags };
    const fleet = await startFraiseql(children, { ...started, databaseUrl: options.fraiseqlDatabaseUrl ?? options.databaseUrl, log });
    if (options.fraiseqlDatabaseUrl) log(`experiment: the query-executor reads ${options.fraiseqlDatabaseUrl}`);
    const systems: BenchSystem[] = [fleet];
    if (wanted.has('FraiseQL+security')) {
      const identityProvider = await startIdentityProvider(options.orgId);
      children.afterStop(() => void identityProvider.stop());
      systems.push(
        await startFraiseql(children, {
          ...started,
          databaseUrl: options.fraiseqlDatabaseUrl ?? options.databaseUrl,
          log,
          security: { ...identityProvider.settings, redisUrl: options.redisUrl },
        }),
      );
    }
    if (wanted.has('PostGraphile v4')) systems.push(await startPostgraphile(children, started));
    if (wanted.has('PostGraphile v5')) {
      log('starting PostGraphile v5 on Node 22 (installed on first use into .cache/postgraphile-v5)');
      systems.push(await startPostgraphileV5(children, started));
    }

    await checkSameData(systems);
    meter = await CpuMeter.open(options.databaseUrl);
    const measurements = await measureAll(systems, options, meter, children);
    await checkSameData(systems);

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

/**
 * Aborts unless every system returns the same logical data for every query (equal work or no
 * benchmark): each is compared with the first PostGraphile (or with FraiseQL when none runs).
 */
async function checkSameData(systems: readonly BenchSystem[]): Promise<void> {
  const reference = systems.find((s) => s.name.startsWith('PostGraphile')) ?? systems[0]!;
  const normalise = (system: BenchSystem, response: unknown): NormalisedOrder[] =>
    system.name.startsWith('PostGraphile') ? normalisePostgraphile(response as never) : normaliseFraiseql(response as never);
  for (const query of ORDER_QUERIES) {
    const answers = await Promise.all(systems.map(async (s) => normalise(s, await fetchJson(s, query.limit))));
    const expected = answers[systems.indexOf(reference)]!;
    for (const [index, system] of systems.entries()) {
      if (system === reference) continue;
      const difference = firstDifference(expected, answers[index]!);
      if (difference !== undefined)
        throw new Error(`${query.name}: ${system.name} and ${reference.name} answer differently, refusing to compare them.\n${difference}`);
    }
    if (expected.length < query.limit)
      log(`note: ${query.name} returns only ${expected.length} orders at this scale (asked for ${query.limit})`);
    const items = expected.reduce((n, o) => n + o.items.length, 0);
    log(`${query.name}: same data from ${systems.map((s) => s.name).join(', ')} (${expected.length} orders, ${items} line items)`);
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
