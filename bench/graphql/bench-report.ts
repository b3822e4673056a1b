import type { BaselineName } from './bench-system';
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

/** FraiseQL against one baseline, per round in round order. */
export interface Comparison {
  /** FraiseQL / baseline requests per second. > 1 = FraiseQL ahead. */
  rpsRatios: number[];
  /** FraiseQL / baseline latency. < 1 = FraiseQL ahead. */
  p50Ratios: number[];
  p99Ratios: number[];
  baseline: SystemMedians;
}

export interface QuerySummary {
  query: string;
  fraiseql: SystemMedians;
  /** FraiseQL against each PostGraphile that ran. */
  versus: Partial<Record<BaselineName, Comparison>>;
  /** FraiseQL+security / FraiseQL per round (the cost of security; goal ≥ 0.9× throughput), when it ran. */
  securityRpsRatios: number[];
  securityP50Ratios: number[];
  securityP99Ratios: number[];
  secured?: SystemMedians;
}

/** Issue 14's goal against PostGraphile v5, for Q20 and Q100: throughput ≥ 1.5× and p99 at or below v5's. */
export const V5_GOAL = { minRpsRatio: 1.5, maxP99Ratio: 1 } as const;

export function meetsV5Goal(comparison: Comparison): boolean {
  return median(comparison.rpsRatios) >= V5_GOAL.minRpsRatio && median(comparison.p99Ratios) <= V5_GOAL.maxP99Ratio;
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

const BASELINES: readonly BaselineName[] = ['PostGraphile v5', 'PostGraphile v4'];

/** Pairs each round's FraiseQL run with the same round's run of each other system (measured minutes apart, not hours). */
export function summarise(measurements: readonly RunMeasurement[], queries: readonly string[]): QuerySummary[] {
  return queries.map((query) => {
    const of = (system: RunMeasurement['system']): RunMeasurement[] =>
      measurements.filter((m) => m.query === query && m.system === system).sort((a, b) => a.round - b.round);
    const f = of('FraiseQL');
    const secured = of('FraiseQL+security');
    const pairsWith = (others: RunMeasurement[]) =>
      f
        .map((run, i) => [run, others[i]] as const)
        .filter((pair): pair is readonly [RunMeasurement, RunMeasurement] => pair[1] !== undefined);
    const versus: Partial<Record<BaselineName, Comparison>> = {};
    for (const name of BASELINES) {
      const runs = of(name);
      if (runs.length === 0) continue;
      const pairs = pairsWith(runs);
      versus[name] = {
        rpsRatios: pairs.map(([a, b]) => a.rps / b.rps),
        p50Ratios: pairs.map(([a, b]) => a.p50 / b.p50),
        p99Ratios: pairs.map(([a, b]) => a.p99 / b.p99),
        baseline: medians(runs),
      };
    }
    const securityPairs = pairsWith(secured);
    return {
      query,
      fraiseql: medians(f),
      versus,
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

function verdict(c: Comparison, baseline: string): string {
  const rps = median(c.rpsRatios);
  const p50 = median(c.p50Ratios);
  const p99 = median(c.p99Ratios);
  const ahead = [rps > 1 ? 'throughput' : undefined, p50 < 1 ? 'p50' : undefined, p99 < 1 ? 'p99' : undefined].filter(Boolean);
  if (ahead.length === 3) return 'FraiseQL ahead on all three';
  if (ahead.length === 0) return `${baseline} ahead on all three`;
  return `FraiseQL ahead on ${ahead.join(', ')} only`;
}

const V5_GOAL_TEXT = `throughput ≥ ${V5_GOAL.minRpsRatio.toFixed(2)}× and p99 ≤ ${V5_GOAL.maxP99Ratio.toFixed(2)}×`;

/** The console table: per query and baseline, the medians of the per-round ratios, and the v5 goal. */
export function formatConsoleTable(summaries: readonly QuerySummary[]): string {
  const lines = ['query  versus            throughput   p50     p99    | FraiseQL req/s p50 p99 | baseline req/s p50 p99 | goal'];
  for (const s of summaries) {
    for (const name of BASELINES) {
      const c = s.versus[name];
      if (!c) continue;
      lines.push(
        [
          s.query.padEnd(6),
          name.padEnd(16),
          ratio(median(c.rpsRatios)).padStart(10),
          ratio(median(c.p50Ratios)).padStart(7),
          ratio(median(c.p99Ratios)).padStart(7),
          '  |',
          `${s.fraiseql.rps.toFixed(0)} ${s.fraiseql.p50} ms ${s.fraiseql.p99} ms`.padEnd(22),
          '|',
          `${c.baseline.rps.toFixed(0)} ${c.baseline.p50} ms ${c.baseline.p99} ms`.padEnd(22),
          '|',
          name === 'PostGraphile v5' ? `${V5_GOAL_TEXT}: ${meetsV5Goal(c) ? 'met' : 'NOT MET'}` : '',
        ].join(' '),
      );
    }
  }
  lines.push('(FraiseQL ÷ baseline: throughput > 1 and latency < 1 mean FraiseQL is ahead; medians of the per-round ratios)');
  for (const s of summaries.filter((q) => q.securityRpsRatios.length > 0))
    lines.push(
      `${s.query.padEnd(6)} security on ÷ off: throughput ${ratio(median(s.securityRpsRatios))} (goal ≥ 0.90×), p50 ${ratio(median(s.securityP50Ratios))}, p99 ${ratio(median(s.securityP99Ratios))}`,
    );
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
  const v5 = summaries.filter((s) => s.versus['PostGraphile v5']);
  if (v5.length > 0) {
    out.push(
      `**Against PostGraphile v5** (issue 14; goal for Q20 and Q100: FraiseQL's throughput ≥ ${V5_GOAL.minRpsRatio.toFixed(2)}× v5's ` +
        "and FraiseQL's p99 at or below v5's). Ratios FraiseQL / PostGraphile v5, median of the per-round ratios (min–max over the rounds); " +
        'throughput > 1 and latency < 1 mean FraiseQL is ahead.',
    );
    out.push('');
    out.push(`| query | throughput | p50 latency | p99 latency | goal: ${V5_GOAL_TEXT} |`);
    out.push('|---|---|---|---|---|');
    for (const s of v5) {
      const c = s.versus['PostGraphile v5']!;
      const rpsMet = median(c.rpsRatios) >= V5_GOAL.minRpsRatio;
      const p99Met = median(c.p99Ratios) <= V5_GOAL.maxP99Ratio;
      const missed = [rpsMet ? undefined : 'throughput', p99Met ? undefined : 'p99'].filter(Boolean).join(' and ');
      out.push(
        `| ${s.query} | ${ratio(median(c.rpsRatios))}${range(c.rpsRatios)} | ${ratio(median(c.p50Ratios))}${range(c.p50Ratios)} | ` +
          `${ratio(median(c.p99Ratios))}${range(c.p99Ratios)} | ${rpsMet && p99Met ? 'met' : `**not met** (${missed})`} |`,
      );
    }
    out.push('');
  }
  const v4 = summaries.filter((s) => s.versus['PostGraphile v4']);
  if (v4.length > 0) {
    out.push(
      '**Against PostGraphile v4** (issue 2): ratios FraiseQL / PostGraphile v4, median of the per-round ratios (min–max over the rounds).',
    );
    out.push('');
    out.push('| query | throughput | p50 latency | p99 latency | verdict |');
    out.push('|---|---|---|---|---|');
    for (const s of v4) {
      const c = s.versus['PostGraphile v4']!;
      out.push(
        `| ${s.query} | ${ratio(median(c.rpsRatios))}${range(c.rpsRatios)} | ${ratio(median(c.p50Ratios))}${range(c.p50Ratios)} | ${ratio(median(c.p99Ratios))}${range(c.p99Ratios)} | ${verdict(c, 'PostGraphile v4')} |`,
      );
    }
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
  out.push('| query | system | app | PostgreSQL | load gen | total | machine busy | bytes/response |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const s of summaries) {
    const rows: [string, SystemMedians][] = [['FraiseQL', s.fraiseql]];
    if (s.secured) rows.push(['FraiseQL+security', s.secured]);
    for (const name of [...BASELINES].reverse()) {
      const c = s.versus[name];
      if (c) rows.push([name, c.baseline]);
    }
    for (const [name, m] of rows) {
      out.push(
        `| ${s.query} | ${name} | ${m.appCpuMsPerRequest.toFixed(2)} | ${m.dbCpuMsPerRequest.toFixed(2)} | ${m.loadGeneratorCpuMsPerRequest.toFixed(2)} | ` +
          `${(m.appCpuMsPerRequest + m.dbCpuMsPerRequest + m.loadGeneratorCpuMsPerRequest).toFixed(2)} | ${(m.machineBusy * 100).toFixed(0)} % | ${m.bytesPerResponse.toFixed(0)} |`,
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
