import type { CodecComparison, CodecOutcome } from './codec-comparison';
import { baselineMidpoint, FLIGHT_BASELINE } from './flight-baseline';
import type { FlightBenchOptions, FlightBenchSize } from './flight-options';
import { LEG_TITLES, LEGS, rowsPerSecond, type Leg, type LegMeasurement } from './leg-measurement';
import { PARTITION_CLIENTS, type PartitionClients } from './measure-flight-partitions';
import { FLIGHT_SERVER_NODE_FLAGS } from './start-flight-server';
import { mib } from './process-memory';

/** One parallel read of an export in `partitions` partitions. */
export interface PartitionRead {
  partitions: number;
  clients: PartitionClients;
  m: LegMeasurement;
}

export interface FlightRound {
  round: number;
  order: Leg[];
  legs: Partial<Record<Leg, LegMeasurement>>;
  /** The parallel partitioned reads, after the legs. */
  partitions: PartitionRead[];
}

/** The two codec comparisons of a size (absent: not run at this size). */
export interface FlightCodecResults {
  server: CodecOutcome;
  client: CodecOutcome;
}

export interface FlightServerMemory {
  /** VmRSS after start-up and handshake, before any DoGet. */
  before: number;
  /** Highest VmRSS sampled every 100 ms while the size's rounds ran. */
  sampledPeak: number;
  /** VmHWM after the one-stream rounds: the kernel's peak over the process's life so far. */
  peak: number;
  /** VmHWM after the parallel partitioned reads, which ran after the rounds (several streams at once). */
  peakWithPartitions?: number;
}

export interface FlightSizeResult {
  size: FlightBenchSize;
  seeded: 'now' | 'reused';
  graphqlRows: number;
  rounds: FlightRound[];
  memory: FlightServerMemory | undefined;
  codec?: FlightCodecResults | undefined;
  /** `--cpu-profile`: the top functions by self time, as printed. */
  profiles?: string[] | undefined;
}

export interface FlightReportInput {
  date: string;
  command: string;
  options: FlightBenchOptions;
  cores: number;
  node: string;
  postgres: string;
  sizes: FlightSizeResult[];
}

/**
 * Goals: issue 4 (Flight ≥ 20× GraphQL, RSS growth < 256 MiB at 10M; its Flight/psql goal of 0.50× is
 * raised by issue 14) and issue 14 (Flight/psql ≥ 0.80× at 1M and 10M; the decoders' CPU per row at most a
 * third (server) and half (client) of the reference; memory flat with size; ≥ 20× GraphQL with partitions).
 * Memory is "flat" when the growth at the largest size is at most 1.5× the growth at the smallest.
 */
export const GOALS = {
  overGraphql: 20,
  overPsqlCopy: 0.8,
  overPsqlCopyIssue4: 0.5,
  rssGrowthBytes: 256 * 1024 * 1024,
  rssGrowthAtRows: 10_000_000,
  rssGrowthLargestOverSmallest: 1.5,
  serverCodecOverReference: 1 / 3,
  clientCodecOverReference: 0.5,
  partitionedOverGraphql: 20,
} as const;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const thousands = (value: number): string => Math.round(value).toLocaleString('en-US');

/** Flight rows/s ÷ the other leg's rows/s, one value per round in which both ran. */
function ratios(result: FlightSizeResult, other: Leg): number[] {
  return result.rounds.flatMap((r) =>
    r.legs.flight && r.legs[other] ? [rowsPerSecond(r.legs.flight) / rowsPerSecond(r.legs[other]!)] : [],
  );
}

/** `met` / `**not met**` for a value against an at-least (≥) or at-most (≤) goal. */
const verdict = (value: number, goal: number, kind: 'atLeast' | 'atMost'): string =>
  (kind === 'atLeast' ? value >= goal : value <= goal) ? 'met' : '**not met**';

function ratioCell(values: number[], digits: number, goal?: number, kind: 'atLeast' | 'atMost' = 'atLeast'): string {
  if (values.length === 0) return '–';
  const m = median(values);
  const spread = values.length > 1 ? ` (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})` : '';
  return `${m.toFixed(digits)}×${spread}${goal === undefined ? '' : ` — ${verdict(m, goal, kind)}`}`;
}

const goalText = (goal: number, kind: 'atLeast' | 'atMost', digits = 2): string =>
  `${kind === 'atLeast' ? '≥' : '≤'} ${goal.toFixed(digits)}×`;

/** Median over the rounds of the GraphQL leg's rows/s (the denominator of every …/GraphQL ratio). */
function graphqlRate(result: FlightSizeResult): number | undefined {
  const values = result.rounds.flatMap((r) => (r.legs.graphql ? [rowsPerSecond(r.legs.graphql)] : []));
  return values.length === 0 ? undefined : median(values);
}

/** The partitioned reads of a size with `partitions` partitions and `clients`, over the rounds. */
const partitionReads = (result: FlightSizeResult, partitions: number, clients: PartitionClients): LegMeasurement[] =>
  result.rounds.flatMap((r) => r.partitions.filter((p) => p.partitions === partitions && p.clients === clients).map((p) => p.m));

/** Partitioned rows/s ÷ GraphQL rows/s of the same round, one value per round in which both ran. */
function partitionRatios(result: FlightSizeResult, partitions: number, clients: PartitionClients): number[] {
  return result.rounds.flatMap((r) => {
    const read = r.partitions.find((p) => p.partitions === partitions && p.clients === clients);
    return read && r.legs.graphql ? [rowsPerSecond(read.m) / rowsPerSecond(r.legs.graphql)] : [];
  });
}

/** CPU seconds of every tier (serving, PostgreSQL, client) per row of a measurement. */
const cpuPerRow = (m: LegMeasurement): number | undefined =>
  m.cpu ? (m.cpu.appSeconds + m.cpu.dbSeconds + m.cpu.loadGeneratorSeconds) / m.rows : undefined;

/**
 * GraphQL's CPU per row ÷ a partitioned read's, per round: the rows/s ratio the two would reach if both kept
 * every core busy, which is what a saturated 2-core machine allows whatever the number of streams.
 */
function cpuBoundRatios(result: FlightSizeResult, partitions: number, clients: PartitionClients): number[] {
  return result.rounds.flatMap((r) => {
    const read = r.partitions.find((p) => p.partitions === partitions && p.clients === clients);
    const graphql = r.legs.graphql && cpuPerRow(r.legs.graphql);
    const flight = read && cpuPerRow(read.m);
    return graphql && flight ? [graphql / flight] : [];
  });
}

/** Every (partitions, clients) combination that ran at a size, in order. */
function partitionCombos(result: FlightSizeResult): Array<{ partitions: number; clients: PartitionClients }> {
  const seen = new Map<string, { partitions: number; clients: PartitionClients }>();
  for (const r of result.rounds)
    for (const p of r.partitions) seen.set(`${p.partitions} ${p.clients}`, { partitions: p.partitions, clients: p.clients });
  return [...seen.values()].sort(
    (a, b) => a.partitions - b.partitions || PARTITION_CLIENTS.indexOf(a.clients) - PARTITION_CLIENTS.indexOf(b.clients),
  );
}

/** The combination with the highest median ratio to GraphQL, for the goals table. */
function bestPartitioned(result: FlightSizeResult): { label: string; ratios: number[] } | undefined {
  let best: { label: string; ratios: number[] } | undefined;
  for (const c of partitionCombos(result)) {
    const values = partitionRatios(result, c.partitions, c.clients);
    if (values.length > 0 && (!best || median(values) > median(best.ratios)))
      best = { label: `${c.partitions} partition(s), ${c.clients === 'shared' ? 'one client' : 'a client per stream'}`, ratios: values };
  }
  return best;
}

/** CPU seconds per million rows of one tier over a set of measurements: median, and the range. */
function perMillion(measured: LegMeasurement[], pick: (cpu: NonNullable<LegMeasurement['cpu']>) => number): number[] {
  return measured.filter((m) => m.cpu).map((m) => (pick(m.cpu!) / m.rows) * 1e6);
}

function spreadCell(values: number[], digits: number): string {
  if (values.length === 0) return '–';
  const format = (value: number): string => (digits === 0 ? thousands(value) : value.toFixed(digits));
  const spread = values.length > 1 ? ` (${format(Math.min(...values))}–${format(Math.max(...values))})` : '';
  return `${format(median(values))}${spread}`;
}

function codecCell(outcome: CodecOutcome | undefined, goal: number): string {
  if (!outcome) return 'not run at this size';
  if ('missing' in outcome) return `not run: ${outcome.missing}`;
  if ('failed' in outcome) return `**failed**: ${outcome.failed}`;
  const r: CodecComparison = outcome.result;
  const ratio = r.currentCpuSecondsPerMillionRows / r.referenceCpuSecondsPerMillionRows;
  const checks = r.checksumsEqual ? '' : ' — **checksums differ**';
  return `${ratio.toFixed(2)}× (${r.currentCpuSecondsPerMillionRows.toFixed(2)} / ${r.referenceCpuSecondsPerMillionRows.toFixed(2)} CPU-s/M rows) — ${verdict(ratio, goal, 'atMost')}${checks}`;
}

function legRate(result: FlightSizeResult, leg: Leg): string {
  const values = result.rounds.flatMap((r) => (r.legs[leg] ? [rowsPerSecond(r.legs[leg]!)] : []));
  return values.length === 0 ? '–' : thousands(median(values));
}

/** `serving / PostgreSQL / client` CPU seconds per million rows, medians over the rounds. */
function cpuCell(result: FlightSizeResult, leg: Leg): string {
  const measured = result.rounds.flatMap((r) => (r.legs[leg]?.cpu ? [r.legs[leg]!] : []));
  if (measured.length === 0) return '–';
  const per = (pick: (cpu: NonNullable<LegMeasurement['cpu']>) => number): number =>
    median(measured.map((m) => (pick(m.cpu!) / m.rows) * 1e6));
  const serving = leg === 'pg' || leg === 'psql' ? '–' : per((c) => c.appSeconds).toFixed(1);
  const db = leg === 'psql' ? '–' : per((c) => c.dbSeconds).toFixed(1);
  const client = leg === 'psql' ? '–' : per((c) => c.loadGeneratorSeconds).toFixed(1);
  return `${serving} / ${db} / ${client}`;
}

function cpuRaw(m: LegMeasurement): string {
  if (!m.cpu) return '–';
  const c = m.cpu;
  return `${c.appSeconds.toFixed(2)} / ${c.dbSeconds.toFixed(2)} / ${c.loadGeneratorSeconds.toFixed(2)}; ${(c.machineBusy * 100).toFixed(0)} %`;
}

/** RSS growth of the largest size ÷ that of the smallest (issue 14: flat with size). */
function memoryFlatCell(sizes: FlightSizeResult[]): string {
  const measured = sizes.filter((s) => s.memory).sort((a, b) => a.size.rows - b.size.rows);
  if (measured.length < 2) return '– (needs two sizes)';
  const growth = (s: FlightSizeResult): number => s.memory!.peak - s.memory!.before;
  const small = measured[0]!;
  const large = measured[measured.length - 1]!;
  const ratio = growth(large) / Math.max(1, growth(small));
  return (
    `+${mib(growth(small))} MiB at ${thousands(small.size.rows)}, +${mib(growth(large))} MiB at ${thousands(large.size.rows)}: ` +
    `${ratio.toFixed(2)}× — ${verdict(ratio, GOALS.rssGrowthLargestOverSmallest, 'atMost')}`
  );
}

function memoryCell(result: FlightSizeResult): string {
  const m = result.memory;
  if (!m) return '–';
  const growth = m.peak - m.before;
  const judged = result.size.rows >= GOALS.rssGrowthAtRows ? (growth < GOALS.rssGrowthBytes ? ' — met' : ' — **not met**') : '';
  return `${mib(m.before)} → ${mib(m.peak)} MiB (+${mib(growth)})${judged}`;
}

/** The generated part of the bench:flight section: ratios first, raw numbers collapsed. */
export function renderFlightMarkdown(input: FlightReportInput): string {
  const { options } = input;
  const lines: string[] = [];
  lines.push(`Last run: ${input.date} — \`${input.command}\``, '');
  const graphqlNote = input.sizes
    .filter((s) => s.graphqlRows < s.size.rows)
    .map((s) => `at ${thousands(s.size.rows)} rows the GraphQL leg read the first ${thousands(s.graphqlRows)}`)
    .join('; ');
  lines.push(
    `Data: \`va_flight_row\`, 17 typed columns (the types of the shop's \`va_order\`), all rows in one org; GraphQL reads the same rows from ` +
      `\`v_flight_row\` (stored \`data jsonb\`), keyset pages of ${options.graphqlPage}${graphqlNote ? ` (${graphqlNote}; rows/s is what is compared)` : ''}. ` +
      `${options.rounds} round(s) per size, the legs' order rotating. Every leg checked for its row count and the sum of \`seq\` (psql: count). ` +
      `Machine: ${input.cores} cores, shared; Node ${input.node}, PostgreSQL ${input.postgres}; client, servers and PostgreSQL on the same machine. The flight-server runs as deployed: \`node ${FLIGHT_SERVER_NODE_FLAGS.join(' ')}\` (ADR 0143).`,
    '',
  );
  lines.push(...goalsTable(input), '');
  lines.push("Rows/s, median over the rounds; ratios are Flight rows/s ÷ the other leg's, median (min–max):", '');
  lines.push(
    `| rows | Flight rows/s | Flight/GraphQL (goal ≥ ${GOALS.overGraphql}×) | Flight/pg | Flight/psql COPY (goal ≥ ${GOALS.overPsqlCopy.toFixed(2)}×; issue 4: ≥ ${GOALS.overPsqlCopyIssue4.toFixed(2)}×) | flight-server RSS before → peak (growth; goal < 256 MiB at 10M) |`,
  );
  lines.push('|---|---|---|---|---|---|');
  for (const s of input.sizes) {
    lines.push(
      `| ${thousands(s.size.rows)} | ${legRate(s, 'flight')} | ${ratioCell(ratios(s, 'graphql'), 1, GOALS.overGraphql)} | ${ratioCell(ratios(s, 'pg'), 2)} | ` +
        `${ratioCell(ratios(s, 'psql'), 2, GOALS.overPsqlCopy)} | ${memoryCell(s)} |`,
    );
  }
  lines.push('', 'Rows/s of every leg (median):', '');
  lines.push(`| rows | ${LEGS.map((leg) => LEG_TITLES[leg]).join(' | ')} |`, `|---|${LEGS.map(() => '---').join('|')}|`);
  for (const s of input.sizes) lines.push(`| ${thousands(s.size.rows)} | ${LEGS.map((leg) => legRate(s, leg)).join(' | ')} |`);
  lines.push(
    '',
    'CPU seconds per million rows (median), read from /proc: the serving processes (flight-server; gateway + query-executor), the PostgreSQL backends of the database, and the client (the benchmark process: Flight decoding, JSON parsing, pg row parsing). psql: its backend and psql itself end with the leg and are not counted.',
    '',
  );
  lines.push(`| rows | ${LEGS.map((leg) => LEG_TITLES[leg]).join(' | ')} |`, `|---|${LEGS.map(() => '---').join('|')}|`);
  for (const s of input.sizes) lines.push(`| ${thousands(s.size.rows)} | ${LEGS.map((leg) => cpuCell(s, leg)).join(' | ')} |`);
  lines.push(...baselineTable(input), ...partitionsTable(input), ...codecTable(input));
  const profiled = input.sizes.filter((s) => s.profiles && s.profiles.length > 0);
  if (profiled.length > 0) {
    lines.push('', '<details><summary>CPU profiles (--cpu-profile): top 15 functions by self time</summary>', '', '```');
    for (const s of profiled) lines.push(...s.profiles!, '');
    lines.push('```', '', '</details>');
  }
  lines.push('', '<details><summary>Raw measurements</summary>', '');
  lines.push(
    '| rows | round | leg | rows read | seconds | rows/s | CPU s: serving / PostgreSQL / client; machine busy | notes |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const s of input.sizes) {
    for (const r of s.rounds) {
      for (const leg of r.order) {
        const m = r.legs[leg];
        if (m)
          lines.push(
            `| ${thousands(s.size.rows)} | ${r.round} | ${leg} | ${thousands(m.rows)} | ${m.seconds.toFixed(2)} | ${thousands(rowsPerSecond(m))} | ${cpuRaw(m)} | ${m.detail} |`,
          );
      }
    }
    for (const r of s.rounds) {
      for (const p of r.partitions) {
        lines.push(
          `| ${thousands(s.size.rows)} | ${r.round} | flight, ${p.partitions} partition(s), ${p.clients} | ${thousands(p.m.rows)} | ${p.m.seconds.toFixed(2)} | ${thousands(rowsPerSecond(p.m))} | ${cpuRaw(p.m)} | ${p.m.detail} |`,
        );
      }
    }
    if (s.memory) {
      lines.push(
        `| ${thousands(s.size.rows)} | – | flight-server memory | – | – | – | – | VmRSS before ${mib(s.memory.before)} MiB, highest sample ${mib(s.memory.sampledPeak)} MiB, VmHWM ${mib(s.memory.peak)} MiB` +
          `${s.memory.peakWithPartitions === undefined ? '' : `, VmHWM after the partitioned reads ${mib(s.memory.peakWithPartitions)} MiB`} |`,
      );
    }
  }
  lines.push('', '</details>');
  return lines.join('\n');
}

/** Every goal of issues 4 and 14 with what this run measured, one line each, "not met" where it is not. */
function goalsTable(input: FlightReportInput): string[] {
  const lines = ['Goals (issues 4 and 14), medians over the rounds:', '', '| goal | rows | measured |', '|---|---|---|'];
  for (const s of input.sizes) {
    const rows = thousands(s.size.rows);
    lines.push(
      `| Flight DoGet / psql COPY BINARY, one stream: ${goalText(GOALS.overPsqlCopy, 'atLeast')} | ${rows} | ${ratioCell(ratios(s, 'psql'), 2, GOALS.overPsqlCopy)} |`,
    );
  }
  for (const s of input.sizes) {
    const rows = thousands(s.size.rows);
    lines.push(
      `| Flight DoGet / GraphQL JSON, one stream: ${goalText(GOALS.overGraphql, 'atLeast', 0)} | ${rows} | ${ratioCell(ratios(s, 'graphql'), 1, GOALS.overGraphql)} |`,
    );
    const best = bestPartitioned(s);
    lines.push(
      `| Flight, parallel partitions (best of the counts measured) / GraphQL JSON: ${goalText(GOALS.partitionedOverGraphql, 'atLeast', 0)} | ${rows} | ` +
        `${best ? `${ratioCell(best.ratios, 1, GOALS.partitionedOverGraphql)}, ${best.label}` : 'not measured'} |`,
    );
  }
  for (const s of input.sizes) {
    const rows = thousands(s.size.rows);
    lines.push(
      `| flight-server decoding CPU / reference decoder (server codec comparison): ${goalText(GOALS.serverCodecOverReference, 'atMost')} | ${rows} | ${codecCell(s.codec?.server, GOALS.serverCodecOverReference)} |`,
    );
    lines.push(
      `| FlightClient decoding CPU / reference decoder (client codec comparison): ${goalText(GOALS.clientCodecOverReference, 'atMost')} | ${rows} | ${codecCell(s.codec?.client, GOALS.clientCodecOverReference)} |`,
    );
  }
  for (const s of input.sizes.filter((x) => x.size.rows >= GOALS.rssGrowthAtRows))
    lines.push(`| flight-server RSS growth < 256 MiB at 10M (issue 4) | ${thousands(s.size.rows)} | ${memoryCell(s)} |`);
  lines.push(
    `| flight-server RSS growth flat with size: largest / smallest ${goalText(GOALS.rssGrowthLargestOverSmallest, 'atMost')} | all | ${memoryFlatCell(input.sizes)} |`,
  );
  return lines;
}

/** The Flight leg's CPU per million rows next to issue 14's baseline run (absolute numbers of another run: indicative). */
function baselineTable(input: FlightReportInput): string[] {
  const b = FLIGHT_BASELINE;
  const lines = [
    '',
    `CPU seconds per million rows of the Flight DoGet leg (median, min–max) beside issue 14's baseline (this machine, commit ${b.commit}, ${b.date}, ` +
      `${thousands(b.atRows)} rows: flight-server ${b.flightServerCpuPerMillionRows.min}–${b.flightServerCpuPerMillionRows.max}, client ` +
      `${b.clientCpuPerMillionRows.min}–${b.clientCpuPerMillionRows.max}). Ratios are to the baseline's midpoint; another run's absolute numbers, so ` +
      'indicative only: the codec comparisons (below) are measured side by side.',
    '',
    `| rows | flight-server CPU-s/M | ÷ baseline (goal ${goalText(GOALS.serverCodecOverReference, 'atMost')}) | client CPU-s/M | ÷ baseline (goal ${goalText(GOALS.clientCodecOverReference, 'atMost')}) | PostgreSQL CPU-s/M |`,
    '|---|---|---|---|---|---|',
  ];
  for (const s of input.sizes) {
    const measured = s.rounds.flatMap((r) => (r.legs.flight ? [r.legs.flight] : []));
    const server = perMillion(measured, (c) => c.appSeconds);
    const client = perMillion(measured, (c) => c.loadGeneratorSeconds);
    const over = (values: number[], range: { min: number; max: number }, goal: number): string => {
      if (values.length === 0) return '–';
      const ratio = median(values) / baselineMidpoint(range);
      return `${ratio.toFixed(2)}× — ${verdict(ratio, goal, 'atMost')}`;
    };
    lines.push(
      `| ${thousands(s.size.rows)} | ${spreadCell(server, 2)} | ${over(server, b.flightServerCpuPerMillionRows, GOALS.serverCodecOverReference)} | ` +
        `${spreadCell(client, 2)} | ${over(client, b.clientCpuPerMillionRows, GOALS.clientCodecOverReference)} | ${spreadCell(
          perMillion(measured, (c) => c.dbSeconds),
          2,
        )} |`,
    );
  }
  return lines;
}

/** Parallel partitioned reads: rows/s, speed-up over one partition, ratio to GraphQL, CPU by tier. */
function partitionsTable(input: FlightReportInput): string[] {
  if (!input.sizes.some((s) => s.rounds.some((r) => r.partitions.length > 0))) return [];
  const lines = [
    '',
    `Parallel partitions: an export command with \`partitions: n\` (hash partitions of \`id\`), every endpoint's DoGet at once, ` +
      `on one client (one channel: the streams multiplexed on one HTTP/2 connection) or on a client per stream (a connection each), ` +
      `all decoded in the benchmark process. Rows/s median (min–max); ÷ 1 partition and ÷ GraphQL are medians of the per-round ratios. ` +
      `They run after the size's rounds of the one-stream legs (so the memory goals are the one-stream legs'), a set per round, each ratio to GraphQL ` +
      `taken against the same round's GraphQL leg. The machine has ${input.cores} cores, shared by client, servers and PostgreSQL: once they are ` +
      `all busy, more streams cannot raise rows/s, and the ratio to GraphQL tends to the ratio of CPU spent per row (last column).`,
    '',
    `| rows | partitions | clients | rows/s | ÷ 1 partition | ÷ GraphQL JSON (goal ≥ ${GOALS.partitionedOverGraphql}×) | CPU-s/M: flight-server / PostgreSQL / client | machine busy | GraphQL CPU per row ÷ this read's (the ratio saturated cores allow) |`,
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of input.sizes) {
    for (const c of partitionCombos(s)) {
      const reads = partitionReads(s, c.partitions, c.clients);
      const overOne = s.rounds.flatMap((r) => {
        const read = r.partitions.find((p) => p.partitions === c.partitions && p.clients === c.clients);
        const one = r.partitions.find((p) => p.partitions === 1);
        return read && one ? [rowsPerSecond(read.m) / rowsPerSecond(one.m)] : [];
      });
      const cpu = (pick: (x: NonNullable<LegMeasurement['cpu']>) => number): string => {
        const values = perMillion(reads, pick);
        return values.length === 0 ? '–' : median(values).toFixed(2);
      };
      const busy = reads.filter((m) => m.cpu).map((m) => m.cpu!.machineBusy * 100);
      lines.push(
        `| ${thousands(s.size.rows)} | ${c.partitions} | ${c.clients === 'shared' ? 'one' : 'one per stream'} | ${spreadCell(reads.map(rowsPerSecond), 0)} | ` +
          `${ratioCell(overOne, 2)} | ${graphqlRate(s) === undefined ? '–' : ratioCell(partitionRatios(s, c.partitions, c.clients), 1, GOALS.partitionedOverGraphql)} | ` +
          `${cpu((x) => x.appSeconds)} / ${cpu((x) => x.dbSeconds)} / ${cpu((x) => x.loadGeneratorSeconds)} | ${busy.length === 0 ? '–' : `${median(busy).toFixed(0)} %`} | ` +
          `${ratioCell(cpuBoundRatios(s, c.partitions, c.clients), 1)} |`,
      );
    }
  }
  return lines;
}

/** The decoders' side-by-side comparisons (reference vs current, same bytes, same process). */
function codecTable(input: FlightReportInput): string[] {
  const lines = [
    '',
    "Codec comparisons: the reference decoder (issue 14's baseline code) and the current one over the same bytes in one process, " +
      "CPU seconds per million rows; server = PostgreSQL COPY BINARY → Arrow batches over the size's rows, client = FlightData → RecordBatch " +
      'over the frames of one real DoGet of the view.',
    '',
    '| rows | side | reference CPU-s/M | current CPU-s/M | current ÷ reference (goal) | checksums | rounds | notes |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const s of input.sizes) {
    for (const [side, goal] of [
      ['server', GOALS.serverCodecOverReference],
      ['client', GOALS.clientCodecOverReference],
    ] as const) {
      const outcome = s.codec?.[side];
      if (!outcome || !('result' in outcome)) {
        const why = !outcome
          ? 'not run at this size (--codec-max-rows)'
          : 'missing' in outcome
            ? `not run: ${outcome.missing}`
            : `**failed**: ${outcome.failed}`;
        lines.push(`| ${thousands(s.size.rows)} | ${side} | – | – | – (${goalText(goal, 'atMost')}) | – | – | ${why} |`);
        continue;
      }
      const r = outcome.result;
      const ratio = r.currentCpuSecondsPerMillionRows / r.referenceCpuSecondsPerMillionRows;
      lines.push(
        `| ${thousands(s.size.rows)} | ${side} | ${r.referenceCpuSecondsPerMillionRows.toFixed(2)} | ${r.currentCpuSecondsPerMillionRows.toFixed(2)} | ` +
          `${ratio.toFixed(2)}× (${goalText(goal, 'atMost')}) — ${verdict(ratio, goal, 'atMost')} | ${r.checksumsEqual ? 'equal' : '**differ**'} | ${r.rounds} | ${r.detail} |`,
      );
    }
  }
  return lines;
}
