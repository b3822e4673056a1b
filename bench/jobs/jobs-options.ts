import { parseArgs } from 'node:util';

export const EXPORT_FORMATS = ['parquet', 'arrow', 'csv'] as const;
export type ExportFormatLeg = (typeof EXPORT_FORMATS)[number];

export interface JobsBenchOptions {
  /** Jobs per throughput scenario (each side, each round). */
  jobs: number;
  /** Worker concurrencies measured. */
  concurrency: number[];
  /** Rounds of every measurement (throughput and export); the order alternates per round. */
  rounds: number;
  /** A scenario whose completions stop for this long is reported as stuck and ended. */
  stallSeconds: number;
  /** Rows of the export part (all in one org). */
  rows: number;
  formats: ExportFormatLeg[];
  skipJobs: boolean;
  skipExport: boolean;
  /** Write a .cpuprofile of this process for every drain and export leg into this directory (docs untouched). */
  cpuProf?: string;
  quick: boolean;
  writeDocs: boolean;
}

const USAGE = `Usage: npx tsx bench/jobs/run.ts [options]

  --jobs <n>            jobs per throughput scenario and side (default 20000; --quick 500)
  --concurrency <list>  worker concurrencies (default 1,10,50)
  --rounds <n>          rounds of every measurement, order alternating (default 3; --quick 1)
  --stall <s>           a scenario without a completion for this long is reported stuck (default 30)
  --rows <n>            rows exported / read through Flight, k/m suffixes allowed (default 1m; --quick 20k)
  --formats <list>      export formats (default parquet,arrow,csv)
  --skip-jobs           export part only (docs untouched)
  --skip-export         throughput part only (docs untouched)
  --cpu-prof <dir>      .cpuprofile of this process for each drain and export leg (docs untouched)
  --quick               smoke run, docs untouched
  --write-docs / --no-write-docs
`;

export function parseJobsBenchOptions(argv: string[]): JobsBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      jobs: { type: 'string' },
      concurrency: { type: 'string' },
      rounds: { type: 'string' },
      stall: { type: 'string' },
      rows: { type: 'string' },
      formats: { type: 'string' },
      'skip-jobs': { type: 'boolean', default: false },
      'skip-export': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      quick: { type: 'boolean', default: false },
      'write-docs': { type: 'boolean' },
      'no-write-docs': { type: 'boolean' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  const skipJobs = values['skip-jobs'] === true;
  const skipExport = values['skip-export'] === true;
  if (skipJobs && skipExport) throw new Error(`--skip-jobs and --skip-export leave nothing to measure\n\n${USAGE}`);
  const formats = (values.formats ?? EXPORT_FORMATS.join(',')).split(',').map((f) => f.trim());
  for (const format of formats)
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new Error(`--formats: unknown format ${format}\n\n${USAGE}`);
  return {
    jobs: count('jobs', values.jobs ?? (quick ? '500' : '20000')),
    concurrency: (values.concurrency ?? '1,10,50').split(',').map((c) => count('concurrency', c.trim())),
    rounds: count('rounds', values.rounds ?? (quick ? '1' : '3')),
    stallSeconds: count('stall', values.stall ?? '30'),
    rows: count('rows', values.rows ?? (quick ? '20k' : '1m')),
    formats: formats as ExportFormatLeg[],
    skipJobs,
    skipExport,
    ...(values['cpu-prof'] ? { cpuProf: values['cpu-prof'] } : {}),
    quick,
    // A partial or profiled run has no complete set of ratios to publish.
    writeDocs:
      quick || skipJobs || skipExport || values['cpu-prof'] !== undefined || values['no-write-docs'] === true
        ? false
        : (values['write-docs'] ?? true),
  };
}

/** `20k` → 20000, `1m` → 1000000, `1500` → 1500. */
function count(name: string, text: string): number {
  const match = /^(\d+)([km]?)$/i.exec(text);
  const value = match ? Number(match[1]) * (match[2]!.toLowerCase() === 'k' ? 1e3 : match[2]!.toLowerCase() === 'm' ? 1e6 : 1) : Number.NaN;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`--${name} must be a positive integer (k/m suffixes allowed), got ${text}\n\n${USAGE}`);
  return value;
}
