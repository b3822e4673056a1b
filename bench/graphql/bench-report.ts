import type { RunMeasurement } from './measure-run';

export interface RunContext {
  date: string;
  command: string;
  scale: string;
  orders: number;
  connections: number;
  duration: number;
  warmup: number;
  rounds: number;
  poolSize: number;
  cores: number;
  node: string;
  postgres: string;
  setups: string[];
}

export interface QuerySummary {
  query: string;
  /** FraiseQL / PostGraphile per round, in round order. > 1 = FraiseQL ahead. */
  rpsRatios: number[];
  /** < 1 = FraiseQL ahead. */
  p50Ratios: number[];
  p99Ratios: number[];
  fraiseql: SystemMedians;
  postgraphile: SystemMedians;
  /** FraiseQL+security / FraiseQL per round (the cost of security; goal ≥ 0.9× throughput), when it ran. */
  securityRpsRatios: number[];
  securityP50Ratios: number[];
  securityP99Ratios: number[];
  secured?: SystemMedians;
}

export interface SystemMedians {
  rps: number;
  p50: number;
  p99: number;
  /** CPU milliseconds per request in the system's own processes / in PostgreSQL. */
  appCpuMsPerRequest: number;
  dbCpuMsPerRequest: number;
  loadGeneratorCpuMsPerRequest: number;
  machineBusy: number;
  bytesPerResponse: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Pairs each round's FraiseQL run with the same round's PostGraphile run (measured minutes apart, not hours). */
export function summarise(measurements: readonly RunMeasurement[], queries: readonly string[]): QuerySummary[] {
  return queries.map((query) => {
    const of = (system: RunMeasurement['system']): RunMeasurement[] =>
      measurements.filter((m) => m.query === query && m.system === system).sort((a, b) => a.round - b.round);
    const f = of('FraiseQL');
    const p = of('PostGraphile');
    const secured = of('FraiseQL+security');
    const pairsWith = (others: RunMeasurement[]) =>
      f
        .map((run, i) => [run, others[i]] as const)
        .filter((pair): pair is readonly [RunMeasurement, RunMeasurement] => pair[1] !== undefined);
    const pairs = pairsWith(p);
    const securityPairs = pairsWith(secured);
    return {
      query,
      rpsRatios: pairs.map(([a, b]) => a.rps / b.rps),
      p50Ratios: pairs.map(([a, b]) => a.p50 / b.p50),
      p99Ratios: pairs.map(([a, b]) => a.p99 / b.p99),
      fraiseql: medians(f),
      postgraphile: medians(p),
      securityRpsRatios: securityPairs.map(([plain, sec]) => sec.rps / plain.rps),
      securityP50Ratios: securityPairs.map(([plain, sec]) => sec.p50 / plain.p50),
      securityP99Ratios: securityPairs.map(([plain, sec]) => sec.p99 / plain.p99),
      ...(secured.length > 0 ? { secured: medians(secured) } : {}),
    };
  });
}

function medians(runs: readonly RunMeasurement[]): SystemMedians {
  const perRequest = (seconds: (m: RunMeasurement) => number): number =>
    median(runs.map((m) => (m.requests > 0 ? (seconds(m) * 1000) / m.requests : Number.NaN)));
  return {
    rps: median(runs.map((m) => m.rps)),
    p50: median(runs.map((m) => m.p50)),
    p99: median(runs.map((m) => m.p99)),
    appCpuMsPerRequest: perRequest((m) => m.cpu.appSeconds),
    dbCpuMsPerRequest: perRequest((m) => m.cpu.dbSeconds),
    loadGeneratorCpuMsPerRequest: perRequest((m) => m.cpu.loadGeneratorSeconds),
    machineBusy: median(runs.map((m) => m.cpu.machineBusy)),
    bytesPerResponse: median(runs.map((m) => m.bytesPerResponse)),
  };
}

const ratio = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a');
const range = (values: readonly number[]): string =>
  values.length > 1 ? ` (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})` : '';

function verdict(s: QuerySummary): string {
  const rps = median(s.rpsRatios);
  const p50 = median(s.p50Ratios);
  const p99 = median(s.p99Ratios);
  const ahead = [rps > 1 ? 'throughput' : undefined, p50 < 1 ? 'p50' : undefined, p99 < 1 ? 'p99' : undefined].filter(Boolean);
  if (ahead.length === 3) return 'FraiseQL ahead on all three';
  if (ahead.length === 0) return 'PostGraphile ahead on all three';
  return `FraiseQL ahead on ${ahead.join(', ')} only`;
}

/** The console table: one line per query with the medians of the per-round ratios. */
export function formatConsoleTable(summaries: readonly QuerySummary[]): string {
  const lines = [
    'query  throughput F/P   p50 F/P   p99 F/P   | FraiseQL req/s p50 p99      | PostGraphile req/s p50 p99',
    ...summaries.map((s) =>
      [
        s.query.padEnd(6),
        ratio(median(s.rpsRatios)).padStart(14),
        ratio(median(s.p50Ratios)).padStart(9),
        ratio(median(s.p99Ratios)).padStart(9),
        '  |',
        `${s.fraiseql.rps.toFixed(0)} ${s.fraiseql.p50} ms ${s.fraiseql.p99} ms`.padEnd(26),
        '|',
        `${s.postgraphile.rps.toFixed(0)} ${s.postgraphile.p50} ms ${s.postgraphile.p99} ms`,
      ].join(' '),
    ),
    '(throughput ratio > 1 and latency ratio < 1 mean FraiseQL is ahead; medians of the per-round ratios)',
    ...summaries
      .filter((s) => s.securityRpsRatios.length > 0)
      .map(
        (s) =>
          `${s.query.padEnd(6)} security on ÷ off: throughput ${ratio(median(s.securityRpsRatios))} (goal ≥ 0.90×), p50 ${ratio(median(s.securityP50Ratios))}, p99 ${ratio(median(s.securityP99Ratios))}`,
      ),
  ];
  return lines.join('\n');
}

/** The generated part of the "GraphQL read path (issue 2)" section of docs/benchmarks.md. */
export function renderMarkdown(summaries: readonly QuerySummary[], runs: readonly RunMeasurement[], context: RunContext): string {
  const out: string[] = [];
  out.push(`Last run: ${context.date} — \`${context.command}\``);
  out.push('');
  out.push(
    `Scale **${context.scale}** (${context.orders.toLocaleString('en-US')} orders in the database), ` +
      `**${context.connections}** connections, **${context.duration} s** per run after a ${context.warmup} s warm-up per system and query, ` +
      `**${context.rounds}** round${context.rounds === 1 ? '' : 's'} with the systems alternating (the system that goes first changes every round), ` +
      `PostgreSQL pool ${context.poolSize} on each side.`,
  );
  out.push('');
  out.push(
    `Machine: ${context.cores} cores, shared and noisy (other work runs beside the benchmark); Node ${context.node}, PostgreSQL ${context.postgres}. ` +
      'The load generator (autocannon) runs on the same cores as the servers and PostgreSQL; its own CPU is the "load gen" column below. ' +
      'The machine is saturated during every run ("machine busy"), so throughput here mostly measures total CPU per request across all tiers, ' +
      'and whatever else runs on the machine takes a varying share (hence the spread between rounds): the ratios are the result, the absolute numbers are not.',
  );
  out.push('');
  out.push(
    'Ratios FraiseQL / PostGraphile, median of the per-round ratios (min–max over the rounds). Throughput > 1 and latency < 1 mean FraiseQL is ahead.',
  );
  out.push('');
  out.push('| query | throughput | p50 latency | p99 latency | verdict |');
  out.push('|---|---|---|---|---|');
  for (const s of summaries) {
    out.push(
      `| ${s.query} | ${ratio(median(s.rpsRatios))}${range(s.rpsRatios)} | ${ratio(median(s.p50Ratios))}${range(s.p50Ratios)} | ${ratio(median(s.p99Ratios))}${range(s.p99Ratios)} | ${verdict(s)} |`,
    );
  }
  if (summaries.some((s) => s.securityRpsRatios.length > 0)) {
    out.push('');
    out.push(
      '**The cost of security (issue 12)**: FraiseQL with JWKS-verified JWTs, every request counted by Redis rate limits (per address and ' +
        'per principal) and request transactions under row-level security, ÷ the same FraiseQL with development-header auth, no rate ' +
        'limits and no row-level security, measured in the same rounds. Goal: throughput ≥ 0.90×.',
    );
    out.push('');
    out.push('| query | throughput on ÷ off | p50 latency on ÷ off | p99 latency on ÷ off | goal ≥ 0.90× |');
    out.push('|---|---|---|---|---|');
    for (const s of summaries.filter((q) => q.securityRpsRatios.length > 0)) {
      const rps = median(s.securityRpsRatios);
      out.push(
        `| ${s.query} | ${ratio(rps)}${range(s.securityRpsRatios)} | ${ratio(median(s.securityP50Ratios))}${range(s.securityP50Ratios)} | ${ratio(median(s.securityP99Ratios))}${range(s.securityP99Ratios)} | ${rps >= 0.9 ? 'met' : 'not met'} |`,
      );
    }
  }
  out.push('');
  out.push(
    'Where the CPU goes (median over the rounds, CPU milliseconds per request; "app" = the system\'s own processes, "PostgreSQL" = backends of the benchmark database, "load gen" = autocannon):',
  );
  out.push('');
  out.push('| query | system | app | PostgreSQL | load gen | machine busy | bytes/response |');
  out.push('|---|---|---|---|---|---|---|');
  for (const s of summaries) {
    for (const [name, m] of [
      ['FraiseQL', s.fraiseql],
      ...(s.secured ? ([['FraiseQL+security', s.secured]] as const) : []),
      ['PostGraphile', s.postgraphile],
    ] as const) {
      out.push(
        `| ${s.query} | ${name} | ${m.appCpuMsPerRequest.toFixed(2)} | ${m.dbCpuMsPerRequest.toFixed(2)} | ${m.loadGeneratorCpuMsPerRequest.toFixed(2)} | ${(m.machineBusy * 100).toFixed(0)} % | ${m.bytesPerResponse.toFixed(0)} |`,
      );
    }
  }
  out.push('');
  out.push('<details><summary>Raw numbers (machine-specific: valid only next to each other, never as absolute figures)</summary>');
  out.push('');
  for (const setup of context.setups) out.push(`- ${setup}`);
  out.push('');
  out.push(
    '| round | query | system | req/s | p50 ms | p99 ms | mean ms | requests | failures | app CPU s | PostgreSQL CPU s | load-gen CPU s | machine busy |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const m of runs) {
    out.push(
      `| ${m.round} | ${m.query} | ${m.system} | ${m.rps.toFixed(1)} | ${m.p50} | ${m.p99} | ${m.meanLatency.toFixed(2)} | ${m.requests} | ${m.failures} | ` +
        `${m.cpu.appSeconds.toFixed(2)} | ${m.cpu.dbSeconds.toFixed(2)} | ${m.cpu.loadGeneratorSeconds.toFixed(2)} | ${(m.cpu.machineBusy * 100).toFixed(0)} % |`,
    );
  }
  out.push('');
  out.push('</details>');
  return out.join('\n');
}
