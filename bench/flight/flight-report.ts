import type { FlightBenchOptions, FlightBenchSize } from './flight-options';
import { LEG_TITLES, LEGS, rowsPerSecond, type Leg, type LegMeasurement } from './leg-measurement';
import { mib } from './process-memory';

export interface FlightRound {
  round: number;
  order: Leg[];
  legs: Partial<Record<Leg, LegMeasurement>>;
}

export interface FlightServerMemory {
  /** VmRSS after start-up and handshake, before any DoGet. */
  before: number;
  /** Highest VmRSS sampled every 100 ms while the size's rounds ran. */
  sampledPeak: number;
  /** VmHWM at the end of the size: the kernel's peak over the process's life. */
  peak: number;
}

export interface FlightSizeResult {
  size: FlightBenchSize;
  seeded: 'now' | 'reused';
  graphqlRows: number;
  rounds: FlightRound[];
  memory: FlightServerMemory | undefined;
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

/** Goals of issue 4. */
export const GOALS = { overGraphql: 20, overPsqlCopy: 0.5, rssGrowthBytes: 256 * 1024 * 1024, rssGrowthAtRows: 10_000_000 } as const;

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

function ratioCell(values: number[], digits: number, goal?: number): string {
  if (values.length === 0) return '–';
  const m = median(values);
  const spread = values.length > 1 ? ` (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})` : '';
  const verdict = goal === undefined ? '' : m >= goal ? ' — met' : ' — **not met**';
  return `${m.toFixed(digits)}×${spread}${verdict}`;
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
      `Machine: ${input.cores} cores, shared; Node ${input.node}, PostgreSQL ${input.postgres}; client, servers and PostgreSQL on the same machine.`,
    '',
  );
  lines.push("Rows/s, median over the rounds; ratios are Flight rows/s ÷ the other leg's, median (min–max):", '');
  lines.push(
    `| rows | Flight rows/s | Flight/GraphQL (goal ≥ ${GOALS.overGraphql}×) | Flight/pg | Flight/psql COPY (goal ≥ ${GOALS.overPsqlCopy.toFixed(2)}×) | flight-server RSS before → peak (growth; goal < 256 MiB at 10M) |`,
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
    if (s.memory) {
      lines.push(
        `| ${thousands(s.size.rows)} | – | flight-server memory | – | – | – | – | VmRSS before ${mib(s.memory.before)} MiB, highest sample ${mib(s.memory.sampledPeak)} MiB, VmHWM ${mib(s.memory.peak)} MiB |`,
      );
    }
  }
  lines.push('', '</details>');
  return lines.join('\n');
}
