/**
 * Insert formats for the sink (docs/adr/0120-clickhouse-storage.md): rows per second of writing the same
 * events as JSONEachRow (the JetStream payloads passed through, and rows re-encoded from decoded events),
 * RowBinary (libs/clickhouse's encodeEventsRowBinary) and ArrowStream (libs/events' Arrow schema), encoding
 * included, through the HTTP stand-in server (testkit) and the embedded engine, side by side in one run; into
 * fraiseql_events with its three materialized views (what the sink does) and into a copy without views (the
 * format's own parsing cost). Encoding (sink CPU) and the insert call (engine CPU) are timed apart. Decoding the
 * JetStream JSON is left out: the sink validates every event whatever it sends. Before each measurement the tables
 * are emptied and background merges allowed to finish; the order of the formats rotates each round; figures are
 * medians over the rounds, and ratios are to the passthrough JSON on the same engine and table.
 *
 * Usage: npx tsx bench/sink/insert-formats.ts [--events 100000] [--batch 20000] [--rounds 3] [--quick]
 * Needs the workspace built (npx tsc -b tsconfig.build.json) and chdb (bash scripts/ensure-chdb.sh).
 */
import { cpus } from 'node:os';
import {
  applyClickhouseMigrations,
  EmbeddedClickhouse,
  encodeEventsRowBinary,
  FRAISEQL_EVENTS_ROW_BINARY_COLUMNS,
  HttpClickhouse,
  readJsonRows,
  type ClickhouseExecutor,
} from '@fraiseql/clickhouse';
import type { EntityEvent } from '@fraiseql/events';
import { startClickhouseHttpServer } from '@fraiseql/testkit';
import { arrowStream, PASSTHROUGH_JSON_SETTINGS, passthroughJson, reencodedJson } from './event-encodings';
import { syntheticEvents } from './synthetic-events';

interface Options {
  events: number;
  batch: number;
  rounds: number;
}

interface Candidate {
  name: string;
  format: string;
  columns?: readonly string[];
  settings?: Record<string, string | number>;
  encode(events: readonly EntityEvent[], payloads: readonly Uint8Array[]): Uint8Array | string;
}

const CANDIDATES: Candidate[] = [
  {
    name: 'JSONEachRow, payloads passed through',
    format: 'JSONEachRow',
    settings: PASSTHROUGH_JSON_SETTINGS,
    encode: (_, p) => passthroughJson(p),
  },
  { name: 'JSONEachRow, rows re-encoded', format: 'JSONEachRow', encode: (e) => reencodedJson(e) },
  {
    name: 'RowBinary (encodeEventsRowBinary)',
    format: 'RowBinary',
    columns: FRAISEQL_EVENTS_ROW_BINARY_COLUMNS,
    encode: (e) => encodeEventsRowBinary(e),
  },
  {
    name: 'ArrowStream (ENTITY_EVENT_ARROW_SCHEMA)',
    format: 'ArrowStream',
    columns: FRAISEQL_EVENTS_ROW_BINARY_COLUMNS,
    encode: (e) => arrowStream(e),
  },
];

const TABLES = ['fraiseql_events', 'fraiseql_entity_state', 'fraiseql_events_hourly', 'fraiseql_entities_daily', 'events_without_views'];
const TARGETS = [
  { name: 'with views', table: 'fraiseql_events' },
  { name: 'table alone', table: 'events_without_views' },
];

interface Measurement {
  rowsPerSecond: number;
  encodeMicrosPerRow: number;
  insertMicrosPerRow: number;
  bytesPerRow: number;
}

const log = (line: string): void => {
  process.stdout.write(`[bench:sink:insert-formats] ${line}\n`);
};

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  log(`${options.events} events, batches of ${options.batch}, ${options.rounds} round(s), ${cpus().length} CPUs`);
  const { events, payloads } = syntheticEvents(options.events);

  const server = await startClickhouseHttpServer();
  // One engine per process: the embedded executor opens the server's data directory (another database).
  const engines: { name: string; executor: ClickhouseExecutor }[] = [
    {
      name: 'HTTP (stand-in server)',
      executor: new HttpClickhouse({ url: server.url, database: 'bench_http', requestTimeoutMs: 300_000 }),
    },
    { name: 'embedded (chdb)', executor: await EmbeddedClickhouse.open({ path: server.path, database: 'bench_embedded' }) },
  ];
  const results = new Map<string, Measurement[]>();
  try {
    for (const { executor } of engines) {
      await applyClickhouseMigrations(executor);
      // The same table, engine and settings as fraiseql_events; no materialized view reads from it.
      await executor.command('CREATE TABLE IF NOT EXISTS events_without_views AS fraiseql_events');
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const engine of engines) {
        for (const target of TARGETS) {
          for (let k = 0; k < CANDIDATES.length; k++) {
            const candidate = CANDIDATES[(k + round) % CANDIDATES.length]!;
            const m = await measure(engine.executor, target.table, candidate, events, payloads, options.batch);
            const key = `${engine.name}\t${target.name}\t${candidate.name}`;
            results.set(key, [...(results.get(key) ?? []), m]);
            log(
              `round ${round + 1} ${engine.name}, ${target.name}, ${candidate.name}: ${Math.round(m.rowsPerSecond)} rows/s ` +
                `(encode ${m.encodeMicrosPerRow.toFixed(1)} µs/row, insert ${m.insertMicrosPerRow.toFixed(1)} µs/row)`,
            );
          }
        }
      }
    }
  } finally {
    for (const { executor } of engines) await executor.close();
    await server.close();
  }
  process.stdout.write(
    `\n${report(
      engines.map((e) => e.name),
      results,
      options,
    )}\n`,
  );
}

async function measure(
  executor: ClickhouseExecutor,
  table: string,
  candidate: Candidate,
  events: readonly EntityEvent[],
  payloads: readonly Uint8Array[],
  batch: number,
): Promise<Measurement> {
  await settle(executor);
  let encodeNs = 0n;
  let insertNs = 0n;
  let bytes = 0;
  for (let from = 0, n = 0; from < events.length; from += batch, n++) {
    const encodeStarted = process.hrtime.bigint();
    const body = candidate.encode(events.slice(from, from + batch), payloads.slice(from, from + batch));
    const insertStarted = process.hrtime.bigint();
    encodeNs += insertStarted - encodeStarted;
    bytes += typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    await executor.insert({
      table,
      format: candidate.format,
      body,
      ...(candidate.columns ? { columns: candidate.columns } : {}),
      settings: { ...candidate.settings, insert_deduplication_token: `bench-${candidate.format}-${n}-${Date.now()}` },
    });
    insertNs += process.hrtime.bigint() - insertStarted;
  }
  const [stored] = await readJsonRows<{ n: string }>(executor, `SELECT count() AS n FROM ${table}`);
  if (Number(stored!.n) !== events.length)
    throw new Error(`${candidate.name}: stored ${stored!.n} events into ${table}, expected ${events.length}`);
  if (table === 'fraiseql_events') {
    const [hourly] = await readJsonRows<{ n: string }>(executor, 'SELECT sum(events) AS n FROM fraiseql_events_hourly');
    if (Number(hourly!.n) !== events.length)
      throw new Error(`${candidate.name}: the hourly rollup counted ${hourly!.n}, expected ${events.length}`);
  }
  return {
    rowsPerSecond: events.length / (Number(encodeNs + insertNs) / 1e9),
    encodeMicrosPerRow: Number(encodeNs) / 1e3 / events.length,
    insertMicrosPerRow: Number(insertNs) / 1e3 / events.length,
    bytesPerRow: bytes / events.length,
  };
}

/** Empty tables and no merge still running from the previous measurement (at most 60 s). */
async function settle(executor: ClickhouseExecutor): Promise<void> {
  for (const table of TABLES) await executor.command(`TRUNCATE TABLE ${table}`);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const [running] = await readJsonRows<{ n: string }>(executor, 'SELECT count() AS n FROM system.merges');
    if (Number(running!.n) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  (globalThis as { gc?: () => void }).gc?.();
}

function report(engines: string[], results: Map<string, Measurement[]>, options: Options): string {
  const lines = [
    `Insert formats, ${options.events} events in batches of ${options.batch}, median of ${options.rounds} round(s), ${cpus().length} CPUs`,
    '',
    '| engine | into | format | rows/s | × passthrough JSON | encode µs/row (sink) | insert µs/row (engine) | bytes/row |',
    '|---|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const engine of engines) {
    for (const target of TARGETS) {
      const at = (candidate: Candidate): Measurement[] => results.get(`${engine}\t${target.name}\t${candidate.name}`) ?? [];
      const base = median(at(CANDIDATES[0]!).map((m) => m.rowsPerSecond));
      for (const candidate of CANDIDATES) {
        const ms = at(candidate);
        if (ms.length === 0) continue;
        const rate = median(ms.map((m) => m.rowsPerSecond));
        lines.push(
          `| ${engine} | ${target.name} | ${candidate.name} | ${Math.round(rate)} | ${(rate / base).toFixed(2)}× | ` +
            `${median(ms.map((m) => m.encodeMicrosPerRow)).toFixed(1)} | ${median(ms.map((m) => m.insertMicrosPerRow)).toFixed(1)} | ${Math.round(ms[0]!.bytesPerRow)} |`,
        );
      }
    }
  }
  return lines.join('\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { events: 100_000, batch: 20_000, rounds: 3 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${arg} needs a positive whole number`);
      return n;
    };
    if (arg === '--events') options.events = value();
    else if (arg === '--batch') options.batch = value();
    else if (arg === '--rounds') options.rounds = value();
    else if (arg === '--quick') Object.assign(options, { events: 20_000, batch: 5_000, rounds: 1 });
    else if (arg === '--help') {
      process.stdout.write('npx tsx bench/sink/insert-formats.ts [--events 100000] [--batch 20000] [--rounds 3] [--quick]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (--help)`);
  }
  return options;
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench:sink:insert-formats] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
