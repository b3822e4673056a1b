import type { JobsBenchOptions } from './jobs-options';
import { EXPORT_LEG_TITLES, type ExportLeg, type ExportLegMeasurement } from './measure-exports';
import { SYSTEM_TITLES, type JobSystem, type ThroughputRun } from './measure-job-throughput';

/** Issue 10: the job-runner drains trivial jobs at ≥ 0.8× the rate of bare BullMQ. */
export const WRAPPER_GOAL = 0.8;

export interface ExportRound {
  round: number;
  order: ExportLeg[];
  legs: Partial<Record<ExportLeg, ExportLegMeasurement>>;
}

export interface JobsReportInput {
  date: string;
  command: string;
  options: JobsBenchOptions;
  cores: number;
  node: string;
  versions: { redis?: string; bullmq: string; postgres?: string };
  throughput: ThroughputRun[];
  exports: ExportRound[];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const thousands = (value: number): string => Math.round(value).toLocaleString('en-US');
const drainRate = (run: ThroughputRun): number => run.completed / run.drainSeconds;
const enqueueRate = (run: ThroughputRun): number => run.jobs / run.enqueueSeconds;
const rowsPerSecond = (m: ExportLegMeasurement): number => m.rows / m.seconds;

function ratioCell(values: number[], goal?: number): string {
  if (values.length === 0) return '–';
  const m = median(values);
  const spread = values.length > 1 ? ` (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})` : '';
  const verdict = goal === undefined ? '' : m >= goal ? ' — met' : ' — **not met**';
  return `${m.toFixed(2)}×${spread}${verdict}`;
}

/** Per round, the job-runner's value ÷ bare BullMQ's, for the rounds in which both sides finished. */
function pairedRatios(runs: ThroughputRun[], concurrency: number, value: (run: ThroughputRun) => number): number[] {
  const rounds = [...new Set(runs.map((r) => r.round))];
  return rounds.flatMap((round) => {
    const find = (system: JobSystem): ThroughputRun | undefined =>
      runs.find((r) => r.round === round && r.concurrency === concurrency && r.system === system);
    const wrapper = find('wrapper');
    const bare = find('bullmq');
    return wrapper?.complete && bare?.complete ? [value(wrapper) / value(bare)] : [];
  });
}

/** Redis commands per job, scripts' own calls included (of which Lua script calls). */
function redisPerJob(runs: ThroughputRun[]): string {
  const done = runs.filter((r) => r.complete);
  if (done.length === 0) return '–';
  const per = (pick: (r: ThroughputRun) => number): string => median(done.map((r) => pick(r) / r.completed)).toFixed(1);
  return `${per((r) => r.cpu.redisCommands)} (${per((r) => r.cpu.redisScripts)})`;
}

function cpuPerJob(runs: ThroughputRun[]): string {
  const done = runs.filter((r) => r.complete);
  if (done.length === 0) return '–';
  const per = (pick: (r: ThroughputRun) => number): string => (median(done.map((r) => (pick(r) * 1000) / r.completed)) || 0).toFixed(3);
  return `${per((r) => r.cpu.bench)} / ${per((r) => r.cpu.redis)} / ${per((r) => r.cpu.nats)}`;
}

function throughputSection(input: JobsReportInput): string[] {
  const runs = input.throughput;
  if (runs.length === 0) return [];
  const { options } = input;
  const lines: string[] = [];
  const verdicts: string[] = [];
  const rows = options.concurrency.map((c) => {
    const of = (system: JobSystem): ThroughputRun[] => runs.filter((r) => r.concurrency === c && r.system === system);
    const rate = (system: JobSystem): string => {
      const done = of(system).filter((r) => r.complete);
      return done.length === 0 ? 'stuck' : thousands(median(done.map(drainRate)));
    };
    const drain = pairedRatios(runs, c, drainRate);
    const incomplete = runs.filter((r) => r.concurrency === c && !r.complete).length;
    if (drain.length > 0) verdicts.push(`${median(drain).toFixed(2)}× at ${c}`);
    return (
      `| ${c} | ${rate('wrapper')} | ${rate('bullmq')} | ${ratioCell(drain, WRAPPER_GOAL)}${incomplete ? ` (${incomplete} run(s) stuck)` : ''} | ` +
      `${cpuPerJob(of('wrapper'))} | ${cpuPerJob(of('bullmq'))} | ${redisPerJob(of('wrapper'))} / ${redisPerJob(of('bullmq'))} | ` +
      `${ratioCell(pairedRatios(runs, c, enqueueRate))} |`
    );
  });
  const allMet = options.concurrency.every((c) => {
    const drain = pairedRatios(runs, c, drainRate);
    return drain.length > 0 && median(drain) >= WRAPPER_GOAL;
  });
  lines.push(
    `- **job-runner ÷ bare BullMQ, trivial jobs drained per second: ${verdicts.join(', ') || 'no complete pair'}** ` +
      `(goal ≥ ${WRAPPER_GOAL}× at every concurrency: ${allMet ? 'met' : '**not met**'}).`,
    '',
    `### Trivial jobs per second (${thousands(options.jobs)} jobs per run, ${options.rounds} round(s))`,
    '',
    '| worker concurrency | job-runner jobs/s | bare BullMQ jobs/s | job-runner ÷ BullMQ (median, min–max) | ' +
      'job-runner CPU ms/job (this process / Redis / NATS) | BullMQ CPU ms/job (same) | ' +
      'Redis commands (of which Lua scripts) per job: job-runner / BullMQ | enqueue rate ÷ addBulk rate |',
    '|---:|---:|---:|---|---:|---:|---:|---|',
    ...rows,
  );
  const problems = runs.filter((r) => r.problems.length > 0);
  if (problems.length > 0) {
    lines.push('', '**Problems seen** (verbatim):', '');
    for (const r of problems)
      lines.push(`- ${SYSTEM_TITLES[r.system]}, concurrency ${r.concurrency}, round ${r.round}: ${r.problems.join(' · ')}`);
  }
  return lines;
}

function exportSection(input: JobsReportInput): string[] {
  const rounds = input.exports;
  if (rounds.length === 0) return [];
  const legs = [...new Set(rounds.flatMap((r) => r.order))];
  const ratiosTo = (leg: ExportLeg, base: ExportLeg): number[] =>
    rounds.flatMap((r) => (r.legs[leg] && r.legs[base] ? [rowsPerSecond(r.legs[leg]!) / rowsPerSecond(r.legs[base]!)] : []));
  const formats = legs.filter((leg) => leg !== 'flight' && leg !== 'reader');
  const cpuCell = (leg: ExportLeg): string => {
    const measured = rounds.flatMap((r) => (r.legs[leg]?.cpu ? [{ cpu: r.legs[leg]!.cpu!, rows: r.legs[leg]!.rows }] : []));
    if (measured.length === 0) return '–';
    const per = (pick: (c: NonNullable<ExportLegMeasurement['cpu']>) => number): string =>
      median(measured.map((m) => (pick(m.cpu) * 1e6) / m.rows)).toFixed(2);
    return `${per((c) => c.loadGeneratorSeconds)} / ${per((c) => c.appSeconds)} / ${per((c) => c.dbSeconds)}; ${Math.round(
      median(measured.map((m) => m.cpu.machineBusy)) * 100,
    )} %`;
  };
  const rateCell = (leg: ExportLeg): string => thousands(median(rounds.flatMap((r) => (r.legs[leg] ? [rowsPerSecond(r.legs[leg]!)] : []))));
  const sizeCell = (leg: ExportLeg): string => {
    const bytes = rounds.flatMap((r) => (r.legs[leg]?.bytes === undefined ? [] : [r.legs[leg]!.bytes!]));
    return bytes.length === 0 ? '–' : `${(median(bytes) / 1024 / 1024).toFixed(1)} MiB`;
  };
  const verdicts = formats.map((f) => `${f} ${median(ratiosTo(f, 'flight')).toFixed(2)}×`);
  return [
    `- **Export rows/s ÷ Flight DoGet rows/s of the same rows: ${verdicts.join(', ')}** (no goal set in the issue; reported).`,
    '',
    `### Export rows per second against Flight DoGet (${thousands(input.options.rows)} rows, 17 columns, ${rounds.length} round(s))`,
    '',
    '| leg | rows/s (median) | ÷ Flight DoGet (median, min–max) | ÷ COPY→Arrow reader | file | CPU s per million rows (this process / flight-server / PostgreSQL); machine busy |',
    '|---|---:|---|---|---:|---|',
    ...legs.map(
      (leg) =>
        `| ${EXPORT_LEG_TITLES[leg]} | ${rateCell(leg)} | ${leg === 'flight' ? '1.00×' : ratioCell(ratiosTo(leg, 'flight'))} | ` +
        `${leg === 'reader' ? '1.00×' : legs.includes('reader') ? ratioCell(ratiosTo(leg, 'reader')) : '–'} | ${sizeCell(leg)} | ${cpuCell(leg)} |`,
    ),
  ];
}

function rawData(input: JobsReportInput): string[] {
  const lines = ['<details><summary>Raw numbers of every run</summary>', ''];
  if (input.throughput.length > 0) {
    lines.push(
      '| round | concurrency | system | jobs | enqueue s | drain s | completed / failed | jobs/s | lifecycle events |',
      '|---:|---:|---|---:|---:|---:|---:|---:|---:|',
      ...input.throughput.map(
        (r) =>
          `| ${r.round} | ${r.concurrency} | ${r.system} | ${r.jobs} | ${r.enqueueSeconds.toFixed(2)} | ${r.drainSeconds.toFixed(2)}${
            r.complete ? '' : ' (stuck)'
          } | ${r.completed} / ${r.failed} | ${thousands(drainRate(r))} | ${r.lifecycleEvents ?? ''} |`,
      ),
      '',
    );
  }
  if (input.exports.length > 0) {
    lines.push(
      '| round | leg | rows | seconds | rows/s | detail |',
      '|---:|---|---:|---:|---:|---|',
      ...input.exports.flatMap((round) =>
        round.order.map((leg) => {
          const m = round.legs[leg]!;
          return `| ${round.round} | ${leg} | ${m.rows} | ${m.seconds.toFixed(2)} | ${thousands(rowsPerSecond(m))} | ${m.detail} |`;
        }),
      ),
      '',
    );
  }
  lines.push('</details>');
  return lines;
}

/** The generated part of the bench:jobs section of docs/benchmarks.md. */
export function renderJobsMarkdown(input: JobsReportInput): string {
  const { versions } = input;
  return [
    `Last run: ${input.date} — \`${input.command}\``,
    '',
    `Machine: ${input.cores} cores, shared and noisy (other work ran beside the benchmark); Node ${input.node}, ` +
      `BullMQ ${versions.bullmq}${versions.redis ? `, Redis ${versions.redis}` : ''}${versions.postgres ? `, PostgreSQL ${versions.postgres}` : ''}. ` +
      'Only the ratios mean something: absolute rates are raw data for them and change with whatever else the machine does.',
    '',
    ...throughputSection(input),
    ...(input.throughput.length > 0 && input.exports.length > 0 ? [''] : []),
    ...exportSection(input),
    '',
    ...rawData(input),
  ].join('\n');
}
