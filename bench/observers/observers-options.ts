import { parseArgs } from 'node:util';

export interface ObserversBenchOptions {
  /** Actions per scenario: N rules get actions / N events (at least 50). */
  actions: number;
  /** Rule counts of the throughput scenarios. */
  rules: number[];
  /** Fast rules beside the slow one in the slow-neighbour scenario. */
  slowNeighbourRules: number;
  /** How long the slow receiver takes per call. */
  slowMs: number;
  /** Longest measuring window of one scenario, in seconds (the slow-neighbour scenario never drains). */
  windowSeconds: number;
  /** Events handled at once by the worker (FRAISEQL_OBSERVER_CONCURRENCY) and the raw consumer's window. */
  concurrency: number;
  /** Write a .cpuprofile of every worker run into this directory (docs untouched). */
  cpuProf?: string;
  quick: boolean;
  writeDocs: boolean;
}

const USAGE = `Usage: npx tsx bench/observers/run.ts [options]

  --actions <n>        webhook calls per scenario (default 10000; --quick 1000)
  --rules <list>       rules per throughput scenario (default 1,10,100; --quick 1,10)
  --slow-rules <n>     fast rules beside the slow receiver (default 10)
  --slow-ms <ms>       the slow receiver's time per call (default 5000)
  --window <s>         longest measuring window per scenario (default 60; --quick 20)
  --concurrency <n>    worker concurrency and raw ack window (default 64, the service default)
  --cpu-prof <dir>     .cpuprofile of each worker run (docs untouched)
  --quick              smoke run, docs untouched
  --write-docs / --no-write-docs
`;

export function parseObserversBenchOptions(argv: string[]): ObserversBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      actions: { type: 'string' },
      rules: { type: 'string' },
      'slow-rules': { type: 'string' },
      'slow-ms': { type: 'string' },
      window: { type: 'string' },
      concurrency: { type: 'string' },
      'cpu-prof': { type: 'string' },
      quick: { type: 'boolean', default: false },
      'write-docs': { type: 'boolean' },
      'no-write-docs': { type: 'boolean' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const int = (name: string, raw: string | undefined, fallback: number, min = 1): number => {
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isSafeInteger(value) || value < min) throw new Error(`--${name} expects an integer ≥ ${min}, got ${raw}\n\n${USAGE}`);
    return value;
  };
  const rules = (values.rules ?? (quick ? '1,10' : '1,10,100')).split(',').map((r) => int('rules', r.trim(), 1));
  return {
    actions: int('actions', values.actions, quick ? 1000 : 10_000, 100),
    rules,
    slowNeighbourRules: int('slow-rules', values['slow-rules'], 10),
    slowMs: int('slow-ms', values['slow-ms'], 5000, 0),
    windowSeconds: int('window', values.window, quick ? 20 : 60, 5),
    concurrency: int('concurrency', values.concurrency, 64),
    ...(values['cpu-prof'] ? { cpuProf: values['cpu-prof'] } : {}),
    quick,
    writeDocs: values['no-write-docs'] ? false : (values['write-docs'] ?? (!quick && !values['cpu-prof'])),
  };
}
