import { parseArgs } from 'node:util';

export interface EventsBenchOptions {
  scale: string;
  /** Orders updated by each bulk UPDATE (at most the orders in the database). */
  bulkRows: number;
  /** Measured rounds; relay and raw alternate who goes first. */
  rounds: number;
  /** Target event rates of the steady SQL writes (events/s). */
  rates: number[];
  /** Seconds per steady run. */
  duration: number;
  /** PostgreSQL connections writing the steady stream. */
  writers: number;
  /** Events per steady commit at a given rate: `auto` = one per 500 events/s (500 → 1, 5000 → 10). */
  eventsPerCommit: (rate: number) => number;
  /** Mutations per second through gateway → executor (0: skip the GraphQL path). */
  mutationRate: number;
  /** The relay's settings (FRAISEQL_QUERY_EXECUTOR_RELAY_*); raw publishing uses the same window. */
  batchSize: number;
  maxInFlight: number;
  databaseUrl: string;
  /** Write CPU profiles of the executor and gateway (node --cpu-prof) into this folder. */
  cpuProfDir: string | undefined;
  /** Extra FRAISEQL_QUERY_EXECUTOR_* settings (`--executor-env KEY=VALUE`, repeatable), e.g. to compare relay settings. */
  executorEnv: Record<string, string>;
  /** One bulk leg of each (relay, raw) before the measured rounds, not recorded. */
  warmUp: boolean;
  quick: boolean;
  writeDocs: boolean;
}

const USAGE = `Usage: npx tsx bench/events/run.ts [options]

  --scale 1k|10k|100k      demo shop size (default 10k; --quick 1k)
  --bulk-rows <n>          orders per bulk UPDATE (default 10000; --quick 1000)
  --rounds <n>             rounds, relay and raw alternating (default 3; --quick 1)
  --rates <list>           steady target rates in events/s (default 500,2000,5000; --quick 500)
  --duration <s>           seconds per steady run (default 10; --quick 3)
  --writers <n>            PostgreSQL connections writing the steady stream (default 8; synchronous_commit off)
  --events-per-commit <n>  entities changed per steady commit (default auto: ceil(rate / 500))
  --mutation-rate <n>      GraphQL mutations/s through the gateway (default 50; 0 skips)
  --batch-size <n>         relay batch size (default: the executor's default)
  --max-in-flight <n>      relay and raw publish window (default 2000)
  --cpu-prof <dir>         CPU profiles of the executor and gateway (node --cpu-prof) into <dir>
  --executor-env K=V       extra executor setting, repeatable (e.g. FRAISEQL_QUERY_EXECUTOR_RELAY_BATCH_SIZE=500)
  --database-url <url>     default postgres://postgres@127.0.0.1:5432/fraiseql_bench_events (…_quick with --quick)
  --no-warm-up             skip the unrecorded warm-up bulk leg (relay and raw) before round 1
  --quick                  smoke run, docs untouched
  --write-docs / --no-write-docs
`;

export function parseEventsBenchOptions(argv: string[]): EventsBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string' },
      'bulk-rows': { type: 'string' },
      rounds: { type: 'string' },
      rates: { type: 'string' },
      duration: { type: 'string' },
      writers: { type: 'string' },
      'events-per-commit': { type: 'string' },
      'mutation-rate': { type: 'string' },
      'batch-size': { type: 'string' },
      'max-in-flight': { type: 'string' },
      'database-url': { type: 'string' },
      'cpu-prof': { type: 'string' },
      'executor-env': { type: 'string', multiple: true },
      'no-warm-up': { type: 'boolean', default: false },
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
  const rates = (values.rates ?? (quick ? '500' : '500,2000,5000')).split(',').map((r) => positive('rates', r, 0));
  return {
    scale: values.scale ?? (quick ? '1k' : '10k'),
    bulkRows: positive('bulk-rows', values['bulk-rows'], quick ? 1000 : 10_000),
    rounds: positive('rounds', values.rounds, quick ? 1 : 3),
    rates,
    duration: positive('duration', values.duration, quick ? 3 : 10),
    writers: positive('writers', values.writers, 8),
    eventsPerCommit: eventsPerCommitOption(values['events-per-commit']),
    mutationRate: values['mutation-rate'] === '0' ? 0 : positive('mutation-rate', values['mutation-rate'], quick ? 20 : 50),
    batchSize: positive('batch-size', values['batch-size'], 1000),
    maxInFlight: positive('max-in-flight', values['max-in-flight'], 2000),
    databaseUrl:
      values['database-url'] ?? `postgres://postgres@127.0.0.1:5432/${quick ? 'fraiseql_bench_events_quick' : 'fraiseql_bench_events'}`,
    cpuProfDir: values['cpu-prof'],
    executorEnv: Object.fromEntries(
      (values['executor-env'] ?? []).map((pair) => {
        const at = pair.indexOf('=');
        if (at <= 0) throw new Error(`--executor-env must be KEY=VALUE, got ${pair}\n\n${USAGE}`);
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
    ),
    warmUp: values['no-warm-up'] !== true,
    quick,
    writeDocs: values['no-write-docs'] === true ? false : (values['write-docs'] ?? !quick),
  };
}

function eventsPerCommitOption(text: string | undefined): (rate: number) => number {
  if (text === undefined || text === 'auto') return (rate) => Math.max(1, Math.ceil(rate / 500));
  const fixed = positive('events-per-commit', text, 1);
  return () => fixed;
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got ${text}\n\n${USAGE}`);
  return value;
}
