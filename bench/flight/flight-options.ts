import { parseArgs } from 'node:util';
import { GRAPHQL_MAX_PAGE } from './flight-bench-schema';

export interface FlightBenchSize {
  /** `1m`, `10m`, `20k`: names the database and the report rows. */
  label: string;
  rows: number;
}

export interface FlightBenchOptions {
  sizes: FlightBenchSize[];
  /** Rows the GraphQL leg reads at each size: at most this many (the first ones, by seq). */
  graphqlRows: number;
  /** GraphQL page size (at most the schema's maxLimit). */
  graphqlPage: number;
  /** Measured rounds per size; the legs' order rotates every round. */
  rounds: number;
  /** FRAISEQL_FLIGHT_BATCH_SIZE of the flight-server (undefined: its default). */
  flightBatchSize: number | undefined;
  skipFlight: boolean;
  /** Base database URL; each size gets `<name>_<label>`. */
  databaseUrl: string;
  reset: boolean;
  quick: boolean;
  writeDocs: boolean;
}

const USAGE = `Usage: npx tsx bench/flight/run.ts [options]

  --sizes <list>          row counts, k/m suffixes allowed (default 1m,10m; --quick 20k)
  --graphql-rows <n|all>  rows the GraphQL leg reads per size, the first ones by seq (default 1m:
                          all rows at 1M, the first 1M at 10M; rows/s is what is compared)
  --graphql-page <n>      GraphQL page size (default and maximum ${GRAPHQL_MAX_PAGE}, the schema's maxLimit)
  --rounds <n>            rounds per size, the legs' order rotating (default 3; --quick 1)
  --flight-batch-size <n> the flight-server's FRAISEQL_FLIGHT_BATCH_SIZE (default: its own default)
  --skip-flight           measure GraphQL, pg and psql only (no flight-server; docs untouched)
  --database-url <url>    default postgres://postgres@127.0.0.1:5432/fraiseql_bench_flight (…_quick with
                          --quick); each size uses its own database <name>_<size>, e.g. fraiseql_bench_flight_10m
  --reset                 rebuild the databases even when their data is current
  --quick                 smoke run, docs untouched
  --write-docs / --no-write-docs
`;

export function parseFlightBenchOptions(argv: string[]): FlightBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string' },
      'graphql-rows': { type: 'string' },
      'graphql-page': { type: 'string' },
      rounds: { type: 'string' },
      'flight-batch-size': { type: 'string' },
      'skip-flight': { type: 'boolean', default: false },
      'database-url': { type: 'string' },
      reset: { type: 'boolean', default: false },
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
  const skipFlight = values['skip-flight'] === true;
  const sizes = (values.sizes ?? (quick ? '20k' : '1m,10m')).split(',').map((text) => {
    const rows = count('sizes', text.trim());
    return { label: labelOf(rows), rows };
  });
  if (new Set(sizes.map((s) => s.rows)).size !== sizes.length) throw new Error(`--sizes repeats a size\n\n${USAGE}`);
  const graphqlRowsText = values['graphql-rows'] ?? '1m';
  const graphqlPage = count('graphql-page', values['graphql-page'] ?? String(GRAPHQL_MAX_PAGE));
  if (graphqlPage > GRAPHQL_MAX_PAGE) throw new Error(`--graphql-page is at most ${GRAPHQL_MAX_PAGE} (the schema's maxLimit)\n\n${USAGE}`);
  return {
    sizes,
    graphqlRows: graphqlRowsText === 'all' ? Number.POSITIVE_INFINITY : count('graphql-rows', graphqlRowsText),
    graphqlPage,
    rounds: count('rounds', values.rounds ?? (quick ? '1' : '3')),
    flightBatchSize: values['flight-batch-size'] === undefined ? undefined : count('flight-batch-size', values['flight-batch-size']),
    skipFlight,
    databaseUrl:
      values['database-url'] ?? `postgres://postgres@127.0.0.1:5432/${quick ? 'fraiseql_bench_flight_quick' : 'fraiseql_bench_flight'}`,
    reset: values.reset === true,
    quick,
    // Without the Flight leg there are no ratios to publish.
    writeDocs: skipFlight || values['no-write-docs'] === true ? false : (values['write-docs'] ?? !quick),
  };
}

/** `20k` → 20000, `10m` → 10000000, `1500` → 1500. */
function count(name: string, text: string): number {
  const match = /^(\d+)([km]?)$/i.exec(text);
  const value = match ? Number(match[1]) * (match[2]!.toLowerCase() === 'k' ? 1e3 : match[2]!.toLowerCase() === 'm' ? 1e6 : 1) : Number.NaN;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`--${name} must be a positive integer (k/m suffixes allowed), got ${text}\n\n${USAGE}`);
  return value;
}

/** 1000000 → `1m`, 20000 → `20k`, 1500 → `1500`. */
export function labelOf(rows: number): string {
  if (rows % 1e6 === 0) return `${rows / 1e6}m`;
  if (rows % 1e3 === 0) return `${rows / 1e3}k`;
  return String(rows);
}
