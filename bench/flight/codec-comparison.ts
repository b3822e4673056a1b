import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What server-codec-comparison.ts (`compareServerCodec`) and client-codec-comparison.ts
 * (`compareClientCodec`) return: the reference decoder (the code of issue 14's baseline) and the current
 * one over the same bytes in this process, CPU seconds per million rows each, and whether they agree.
 */
export interface CodecComparison {
  side: 'server' | 'client';
  rows: number;
  rounds: number;
  referenceCpuSecondsPerMillionRows: number;
  currentCpuSecondsPerMillionRows: number;
  checksumsEqual: boolean;
  detail: string;
}

// The signatures are checked at compile time; the modules are loaded when called, so that one that fails to
// load (or throws) costs its own comparison, not the run's other results.
type CompareServerCodec = typeof import('./server-codec-comparison').compareServerCodec;
type CompareClientCodec = typeof import('./client-codec-comparison').compareClientCodec;

/** The two modules are written with the decoders they measure; a run without one says so. */
const SERVER_MODULE = 'server-codec-comparison';
const CLIENT_MODULE = 'client-codec-comparison';

export type CodecOutcome = { result: CodecComparison } | { missing: string } | { failed: string };

/** The module's function, or why there is none: `missing` (not in the tree) or `failed` (it does not load). */
async function load<T>(module: string, exportName: string): Promise<{ fn: T } | { missing: string } | { failed: string }> {
  if (!existsSync(join(__dirname, `${module}.ts`)) && !existsSync(join(__dirname, `${module}.js`)))
    return { missing: `bench/flight/${module}.ts is not in the tree` };
  try {
    const fn = ((await import(join(__dirname, module))) as Record<string, unknown>)[exportName];
    return typeof fn === 'function' ? { fn: fn as T } : { failed: `bench/flight/${module}.ts exports no ${exportName}` };
  } catch (error) {
    return { failed: `bench/flight/${module}.ts does not load: ${error instanceof Error ? error.message : String(error)}` };
  }
}

async function outcome(run: () => Promise<CodecComparison>): Promise<CodecOutcome> {
  try {
    return { result: await run() };
  } catch (error) {
    return { failed: error instanceof Error ? error.message : String(error) };
  }
}

/** The flight-server's decoding (PostgreSQL COPY BINARY → Arrow) before and after, over `columnsSql`'s rows. */
export async function runServerCodecComparison(databaseUrl: string, columnsSql: string, rounds: number): Promise<CodecOutcome> {
  const loaded = await load<CompareServerCodec>(SERVER_MODULE, 'compareServerCodec');
  return 'fn' in loaded ? outcome(() => loaded.fn(databaseUrl, columnsSql, rounds)) : loaded;
}

/** The Node FlightClient's decoding (FlightData → RecordBatch) before and after, over frames of one real DoGet. */
export async function runClientCodecComparison(frames: Buffer[], rounds: number): Promise<CodecOutcome> {
  const loaded = await load<CompareClientCodec>(CLIENT_MODULE, 'compareClientCodec');
  return 'fn' in loaded ? outcome(() => loaded.fn(frames, rounds)) : loaded;
}
