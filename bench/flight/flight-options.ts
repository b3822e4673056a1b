import { parseArgs } from 'node:util';
import { TICKET_LIMITS } from '@fraiseql/flight';
import { GRAPHQL_MAX_PAGE } from './flight-bench-schema';
import { PARTITION_CLIENTS, type PartitionClients } from './measure-flight-partitions';

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
  /** Partition counts of the parallel export read, each round (empty: not measured). */
  partitions: number[];
  /** How the parallel DoGets share gRPC channels; both are measured by default (issue 14 asks which is faster). */
  partitionClients: PartitionClients[];
  /** Where V8 CPU profiles of the flight-server and of the client's Flight leg go (a profiled pass after the rounds). */
  cpuProfile: string | undefined;
  /** Rounds of each codec comparison (reference and current decoder over the same bytes). */
  codecRounds: number;
  /** The codec comparisons run at sizes of at most this many rows (0: never). */
  codecMaxRows: number;
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
  --partitions <list|none> partition counts of the parallel export read, a set per round after the
                          rounds (default 1,2,4; at most ${TICKET_LIMITS.maxPartitions})
  --partition-clients <shared|per-stream|both>
                          the parallel DoGets on one client (one channel) or a client each (default both)
  --cpu-profile <dir>     after the rounds, one more Flight read per size with V8 CPU profiles of the
                          flight-server and of this process; the top 15 functions by self time printed
  --codec-rounds <n>      rounds of each codec comparison (default 3; --quick 1)
  --codec-max-rows <n>    run the codec comparisons at sizes up to this many rows (default 1m; 0: never)
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
      partitions: { type: 'string' },
      'partition-clients': { type: 'string' },
      'cpu-profile': { type: 'string' },
      'codec-rounds': { type: 'string' },
      'codec-max-rows': { type: 'string' },
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
  const partitionsText = values.partitions ?? '1,2,4';
  const partitions = partitionsText === 'none' ? [] : partitionsText.split(',').map((text) => count('partitions', text.trim()));
  if (partitions.some((p) => p > TICKET_LIMITS.maxPartitions))
    throw new Error(`--partitions are at most ${TICKET_LIMITS.maxPartitions} (TICKET_LIMITS.maxPartitions)\n\n${USAGE}`);
  if (new Set(partitions).size !== partitions.length) throw new Error(`--partitions repeats a count\n\n${USAGE}`);
  const clientsText = values['partition-clients'] ?? 'both';
  if (clientsText !== 'both' && !PARTITION_CLIENTS.includes(clientsText as PartitionClients))
    throw new Error(`--partition-clients is shared, per-stream or both, got ${clientsText}\n\n${USAGE}`);
  const codecMaxRowsText = values['codec-max-rows'] ?? '1m';
  return {
    sizes,
    graphqlRows: graphqlRowsText === 'all' ? Number.POSITIVE_INFINITY : count('graphql-rows', graphqlRowsText),
    graphqlPage,
    rounds: count('rounds', values.rounds ?? (quick ? '1' : '3')),
    flightBatchSize: values['flight-batch-size'] === undefined ? undefined : count('flight-batch-size', values['flight-batch-size']),
    skipFlight,
    partitions: partitions.sort((a, b) => a - b),
    partitionClients: clientsText === 'both' ? [...PARTITION_CLIENTS] : [clientsText as PartitionClients],
    cpuProfile: values['cpu-profile'],
    codecRounds: count('codec-rounds', values['codec-rounds'] ?? (quick ? '1' : '3')),
    codecMaxRows: codecMaxRowsText === '0' ? 0 : count('codec-max-rows', codecMaxRowsText),
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
