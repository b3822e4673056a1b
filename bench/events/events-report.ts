import type { EventsBenchOptions } from './events-options';
import { median } from './event-measurements';
import type { LegCpu } from './process-cpu';

/** Issue 14's goals, printed beside the measured values. */
export const BULK_RATIO_GOAL = 0.9;
export const STEADY_P99_GOAL_MS = 100;
export const STEADY_P99_GOAL_RATE = 2000;
/** Issue 3's goal, kept. */
const HIGH_RATE_P99_GOAL_MS = 250;
const HIGH_RATE = 5000;

export interface BulkRound {
  round: number;
  order: string;
  events: number;
  /** The change-log seq just before this round's events. */
  fromSeq: number;
  relaySeconds: number;
  rawSeconds: number;
  rawEvents: number;
  relayRate: number;
  rawRate: number;
  /** CPU-seconds during the relay leg (executor, relay's PostgreSQL backends, nats-server) and the raw leg (this process, nats-server). */
  relayCpu: LegCpu;
  rawCpu: LegCpu;
}

export interface SteadyRun {
  round: number;
  target: number;
  achieved: number;
  /** Statements committed (one event each). */
  written: number;
  events: number;
  drainSeconds: number;
  p50: number;
  p99: number;
  max: number;
  rawP50: number;
  rawP99: number;
  rawAchieved: number;
  /** CPU-seconds of the executor, the relay's PostgreSQL backends and nats-server while the writers ran and the relay drained. */
  relayCpu: LegCpu;
}

export interface MutationRun {
  target: number;
  achieved: number;
  mutations: number;
  failures: number;
  events: number;
  p50: number;
  p99: number;
  requestP50: number;
  requestP99: number;
}

export interface EventsReportInput {
  date: string;
  command: string;
  options: EventsBenchOptions;
  orders: number;
  bulkRows: number;
  cores: number;
  node: string;
  postgres: string;
  bulk: BulkRound[];
  steady: SteadyRun[];
  mutations: MutationRun | undefined;
}

/** A steady run is sustained when the writers reached 95 % of the target and the relay had no backlog left (≤ 1 s to drain). */
export function sustained(run: SteadyRun): boolean {
  return run.achieved >= 0.95 * run.target && run.drainSeconds <= 1;
}

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(1) : '–');
const verdict = (met: boolean): string => (met ? 'met' : '**not met**');
/** CPU-seconds per 10,000 events: node / PostgreSQL / nats-server. */
const cpu10k = (cpu: LegCpu, events: number): string =>
  [cpu.node, cpu.postgres, cpu.nats].map((seconds) => ((seconds * 10_000) / Math.max(1, events)).toFixed(2)).join(' / ');
const range = (values: number[], digits = 2): string =>
  `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;

/** The generated part of the bench:events section: ratios first, raw numbers collapsed. */
export function renderEventsMarkdown(input: EventsReportInput): string {
  const { options } = input;
  const lines: string[] = [];
  lines.push(`Last run: ${input.date} — \`${input.command}\``, '');
  lines.push(
    `Database: demo shop, ${input.orders} orders; bulk = one \`UPDATE tb_order SET notes = …\` of ${input.bulkRows} orders (capture on: ${input.bulkRows} events); ` +
      `steady = \`UPDATE\`s of reviews, one event per review, reviews per commit ${options.rates.map((r) => `${options.eventsPerCommit(r)} at ${r}/s`).join(', ')} (autocommit, synchronous_commit off) from ${options.writers} connections, ${options.duration} s per rate; ${options.rounds} round(s). ` +
      `Relay: the query-executor's, batch ${options.batchSize}, window ${options.maxInFlight}; raw: async JetStream publish of the same payloads with the same window into a twin stream (msgID = event_id + a per-round suffix, so no raw leg is deduplicated away). ` +
      `${options.warmUp ? 'One unrecorded warm-up bulk leg of each before round 1. ' : ''}` +
      `Machine: ${input.cores} cores, shared; Node ${input.node}, PostgreSQL ${input.postgres}, private nats-server (file storage).`,
    '',
  );
  const ratios = input.bulk.map((b) => b.relayRate / b.rawRate);
  lines.push('**Bulk** — relay events/s (commit → last event stored) / raw publish events/s, median (min–max) over the rounds:', '');
  lines.push('| ratio relay/raw | goal (issue 14) | |', '|---|---|---|');
  lines.push(`| ${range(ratios)}× | ≥ ${BULK_RATIO_GOAL.toFixed(2)}× | ${verdict(median(ratios) >= BULK_RATIO_GOAL)} |`, '');

  lines.push(
    "**Steady writes** — capture → stored in JetStream latency (payload `timestamp` vs JetStream store time), median over the rounds of each run's p50 / p99; raw = send → ack of the same payloads at the same rate:",
    '',
  );
  lines.push(
    '| target events/s | achieved (writes/s) | events relayed / writes | p50 ms | p99 ms | raw p50 ms | raw p99 ms | sustained in all rounds |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const rate of options.rates) {
    const runs = input.steady.filter((s) => s.target === rate);
    if (runs.length === 0) continue;
    lines.push(
      `| ${rate} | ${median(runs.map((r) => r.achieved)).toFixed(0)} | ${range(runs.map((r) => r.events / r.written))}× | ${ms(median(runs.map((r) => r.p50)))} | ${ms(median(runs.map((r) => r.p99)))} | ` +
        `${ms(median(runs.map((r) => r.rawP50)))} | ${ms(median(runs.map((r) => r.rawP99)))} | ${runs.every(sustained) ? 'yes' : 'no'} |`,
    );
  }
  const sustainedRates = options.rates.filter((rate) => {
    const runs = input.steady.filter((s) => s.target === rate);
    return runs.length > 0 && runs.every(sustained);
  });
  const highest = sustainedRates.length > 0 ? Math.max(...sustainedRates) : undefined;
  lines.push('');
  const goalRuns = input.steady.filter((s) => s.target === STEADY_P99_GOAL_RATE);
  if (goalRuns.length > 0) {
    const p99 = median(goalRuns.map((r) => r.p99));
    const met = p99 < STEADY_P99_GOAL_MS && goalRuns.every(sustained);
    lines.push(
      `p99 capture → stored at ${STEADY_P99_GOAL_RATE} events/s: **${ms(p99)} ms** (median over the rounds; goal, issue 14: < ${STEADY_P99_GOAL_MS} ms, sustained) — ${verdict(met)}.`,
      '',
    );
  } else lines.push(`p99 at ${STEADY_P99_GOAL_RATE} events/s (goal < ${STEADY_P99_GOAL_MS} ms): not measured in this run (--rates).`, '');
  if (highest !== undefined) {
    const p99 = median(input.steady.filter((s) => s.target === highest).map((r) => r.p99));
    lines.push(
      `Highest sustained rate: **${highest} events/s**, p99 capture → stored **${ms(p99)} ms** (goal at 5,000 events/s, issue 3: p99 < ${HIGH_RATE_P99_GOAL_MS} ms; 5,000/s ${sustainedRates.includes(HIGH_RATE) ? 'was' : 'was not'} reached on this machine).`,
    );
  } else lines.push('No target rate was sustained in every round on this machine.');
  lines.push('');
  if (input.mutations) {
    const m = input.mutations;
    lines.push(
      `**GraphQL mutations** (\`updateOrderStatus\`, gateway → NATS → executor → PostgreSQL → capture → relay → JetStream) at ${m.target}/s: ${m.mutations} mutations, ${m.failures} failed, ${m.events} events; ` +
        `capture → stored p50 ${ms(m.p50)} ms / p99 ${ms(m.p99)} ms; HTTP request sent → event stored p50 ${ms(m.requestP50)} ms / p99 ${ms(m.requestP99)} ms.`,
      '',
    );
  }
  lines.push('<details><summary>Raw numbers (machine-specific: valid only next to each other, never as absolute figures)</summary>', '');
  lines.push(
    "CPU-s per 10,000 events as node / PostgreSQL / nats-server: for the relay, the query-executor, the relay's PostgreSQL backends and nats-server; for raw, the benchmark process and nats-server.",
    '',
  );
  lines.push(
    '| round | order | events | relay s | relay events/s | raw s | raw events/s | ratio | relay CPU-s /10k | raw CPU-s /10k |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const b of input.bulk) {
    lines.push(
      `| ${b.round} | ${b.order} | ${b.events} | ${b.relaySeconds.toFixed(3)} | ${b.relayRate.toFixed(0)} | ${b.rawSeconds.toFixed(3)} | ${b.rawRate.toFixed(0)} | ${(b.relayRate / b.rawRate).toFixed(2)} | ` +
        `${cpu10k(b.relayCpu, b.events)} | ${cpu10k(b.rawCpu, b.rawEvents)} |`,
    );
  }
  lines.push(
    '',
    '| round | target/s | written/s | events relayed | backlog drain s | p50 ms | p99 ms | max ms | raw/s | raw p50 ms | raw p99 ms | relay CPU-s /10k |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const s of input.steady) {
    lines.push(
      `| ${s.round} | ${s.target} | ${s.achieved.toFixed(0)} | ${s.events} | ${s.drainSeconds.toFixed(2)} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} | ${s.rawAchieved.toFixed(0)} | ${ms(s.rawP50)} | ${ms(s.rawP99)} | ${cpu10k(s.relayCpu, s.events)} |`,
    );
  }
  lines.push('', '</details>');
  return lines.join('\n');
}
