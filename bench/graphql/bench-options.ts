import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SYSTEM_NAMES, type SystemName } from './bench-system';

export const SCALES = ['1k', '10k', '100k', '1m'] as const;
export type Scale = (typeof SCALES)[number];

export interface BenchOptions {
  scale: Scale;
  /** Seconds per measured run. */
  duration: number;
  /** Seconds of the unrecorded warm-up run per (system, query). */
  warmup: number;
  connections: number;
  rounds: number;
  /** Pool size of both the query-executor and PostGraphile. */
  poolSize: number;
  databaseUrl: string;
  /** The demo org both systems read. */
  orgId: string;
  /** Drop and re-create the benchmark database first. */
  reset: boolean;
  quick: boolean;
  /** Update docs/benchmarks.md with the results. */
  writeDocs: boolean;
  /** The query-executor's database URL when it must differ from --database-url (experiments only). */
  fraiseqlDatabaseUrl?: string;
  /** When set, the Node servers run with --cpu-prof and write their profiles here. */
  cpuProfileDir?: string;
  /** The Redis the secured fleet's rate limits count in. */
  redisUrl: string;
  /** The systems to run (FraiseQL always; the others by `--systems`), in SYSTEM_NAMES order. */
  systems: SystemName[];
}

/** `--systems` spellings: short, lower-case names of SYSTEM_NAMES. */
const SYSTEM_KEYS: Record<string, SystemName> = {
  fraiseql: 'FraiseQL',
  'fraiseql-security': 'FraiseQL+security',
  'postgraphile-v4': 'PostGraphile v4',
  'postgraphile-v5': 'PostGraphile v5',
};

const USAGE = `Usage: npx tsx bench/graphql/run.ts [options]

  --scale 1k|10k|100k|1m   orders in the demo shop (default 100k)
  --duration <s>           seconds per measured run (default 15)
  --warmup <s>             seconds of the unrecorded warm-up run (default 5)
  --connections <n>        concurrent HTTP connections (default 16)
  --rounds <n>             measured rounds; systems alternate within each (default 3)
  --pool-size <n>          PostgreSQL pool of each system (default 10)
  --database-url <url>     default postgres://postgres@127.0.0.1:5432/fraiseql_bench (fraiseql_bench_quick with --quick)
  --org <uuid>             default 00000000-0000-4000-8000-000000000001
  --redis-url <url>        Redis of the secured fleet's rate limits (default redis://127.0.0.1:6379)
  --reset                  drop and re-create the benchmark database first
  --quick                  smoke test: scale 1k, 3 s runs, 1 s warm-up, 1 round, own database, docs untouched
  --write-docs / --no-write-docs   update docs/benchmarks.md (default: yes, except with --quick)
  --fraiseql-database-url <url>  experiments only: the query-executor's URL, e.g. with
                           ?options=-c%20search_path%3Dmy_schema,public to try other views (docs untouched)
  --cpu-prof <dir>         run gateway, query-executor and both PostGraphiles with node --cpu-prof, profiles
                           into <dir> (profiling slows them: such a run is for finding hot spots, not ratios)
  --systems <list>         comma-separated subset of fraiseql,fraiseql-security,postgraphile-v4,postgraphile-v5
                           (default: all four; fraiseql is always run, every ratio is against it). A run
                           without all four leaves docs/benchmarks.md untouched. PostGraphile v5 runs on
                           Node 22, installed on first use by scripts/ensure-postgraphile-v5.sh
`;

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      'pool-size': { type: 'string' },
      'database-url': { type: 'string' },
      org: { type: 'string' },
      'redis-url': { type: 'string' },
      reset: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      'write-docs': { type: 'boolean' },
      'no-write-docs': { type: 'boolean' },
      'cpu-prof': { type: 'string' },
      'fraiseql-database-url': { type: 'string' },
      systems: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  const scale = (values.scale ?? (quick ? '1k' : '100k')) as Scale;
  if (!SCALES.includes(scale)) throw new Error(`--scale must be one of ${SCALES.join(', ')}\n\n${USAGE}`);
  const orgId = values.org ?? '00000000-0000-4000-8000-000000000001';
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(orgId)) throw new Error('--org must be a UUID');
  const systems = parseSystems(values.systems);
  return {
    scale,
    duration: positive('duration', values.duration, quick ? 3 : 15),
    warmup: positive('warmup', values.warmup, quick ? 1 : 5),
    connections: positive('connections', values.connections, 16),
    rounds: positive('rounds', values.rounds, quick ? 1 : 3),
    poolSize: positive('pool-size', values['pool-size'], 10),
    // The smoke test has its own database, so it never throws away the real benchmark's data.
    databaseUrl: values['database-url'] ?? `postgres://postgres@127.0.0.1:5432/${quick ? 'fraiseql_bench_quick' : 'fraiseql_bench'}`,
    orgId,
    redisUrl: values['redis-url'] ?? 'redis://127.0.0.1:6379',
    reset: values.reset === true,
    quick,
    writeDocs:
      values['no-write-docs'] === true || values['cpu-prof'] !== undefined || systems.length < SYSTEM_NAMES.length
        ? false
        : (values['write-docs'] ?? (!quick && values['fraiseql-database-url'] === undefined)),
    ...(values['fraiseql-database-url'] !== undefined ? { fraiseqlDatabaseUrl: values['fraiseql-database-url'] } : {}),
    ...(values['cpu-prof'] !== undefined ? { cpuProfileDir: resolve(values['cpu-prof']) } : {}),
    systems,
  };
}

function parseSystems(text: string | undefined): SystemName[] {
  if (text === undefined) return [...SYSTEM_NAMES];
  const chosen = new Set<SystemName>(['FraiseQL']);
  for (const key of text.split(',').map((k) => k.trim().toLowerCase())) {
    const name = SYSTEM_KEYS[key];
    if (!name)
      throw new Error(`--systems: unknown system ${JSON.stringify(key)} (one of ${Object.keys(SYSTEM_KEYS).join(', ')})\n\n${USAGE}`);
    chosen.add(name);
  }
  return SYSTEM_NAMES.filter((name) => chosen.has(name));
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got ${text}`);
  return value;
}
