import type { ObserversBenchOptions } from './observers-options';

export interface ScenarioResult {
  label: string;
  /** Fast webhook rules (0: the raw consumer). */
  rules: number;
  events: number;
  /** Distinct (rule, event) calls the fast receiver got (raw: messages acked). */
  actions: number;
  expected: number;
  /** Every expected action arrived inside the window. */
  complete: boolean;
  seconds: number;
  perSecond: number;
  /** CPU of the worker process (raw: of this process) per action. */
  cpuMsPerAction: number;
  /** Slow-neighbour scenario: calls the slow receiver answered in the window. */
  slowDelivered?: number;
  /** Worker counters: actions deferred to the replay lane, events delivered again. */
  deferred?: number;
  redelivered?: number;
}

export interface RunInfo {
  cpus: number;
  node: string;
  command: string;
}

const ratio = (value: number, base: number): string => (base > 0 ? `${(value / base).toFixed(2)}×` : 'n/a');

/** The generated part of the bench:observers section of docs/benchmarks.md. */
export function renderObserversMarkdown(results: ScenarioResult[], options: ObserversBenchOptions, run: RunInfo): string {
  const raws = results.filter((r) => r.rules === 0);
  const rawRate = raws.reduce((sum, r) => sum + r.perSecond, 0) / Math.max(1, raws.length);
  const rows = results.map(
    (r) =>
      `| ${r.label} | ${r.events} | ${r.actions}${r.complete ? '' : ` of ${r.expected} (window ended)`} | ${r.perSecond.toFixed(0)} | ${
        r.rules === 0 ? '1.00× (mean of both raw runs: ' + rawRate.toFixed(0) + '/s)' : ratio(r.perSecond, rawRate)
      } | ${r.cpuMsPerAction.toFixed(3)} | ${r.rules === 0 ? '' : `${r.deferred ?? 0} / ${r.redelivered ?? 0}`} |`,
  );
  const one = results.find((r) => r.rules === 1 && r.slowDelivered === undefined);
  const slow = results.find((r) => r.slowDelivered !== undefined);
  const alone = slow && results.find((r) => r.rules === slow.rules && r.slowDelivered === undefined);
  const verdicts: string[] = [];
  if (one) {
    const value = one.perSecond / rawRate;
    verdicts.push(`- **1 webhook rule vs raw consume+ack: ${value.toFixed(2)}×** (goal ≥ 0.5×: ${value >= 0.5 ? 'met' : 'not met'}).`);
  }
  if (slow && alone) {
    const value = slow.perSecond / alone.perSecond;
    verdicts.push(
      `- **${slow.rules} fast rules beside a receiver taking ${options.slowMs / 1000} s per call vs the same rules alone: ${value.toFixed(2)}×** ` +
        `(goal ≥ 0.9×: ${value >= 0.9 ? 'met' : 'not met'}); the slow receiver answered ${slow.slowDelivered} calls in the window.`,
    );
  }
  return [
    `Last run: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} — \`${run.command}\``,
    '',
    `Machine: ${run.cpus} cores, shared and noisy; Node ${run.node}. Worker concurrency ${options.concurrency}, ` +
      `${options.actions} actions per scenario, measuring window at most ${options.windowSeconds} s.`,
    '',
    ...verdicts,
    '',
    '| scenario | events | actions delivered | per second | vs raw | worker CPU ms / action | deferred / redelivered |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}
