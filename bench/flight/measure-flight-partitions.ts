import type { FlightClient } from '@fraiseql/flight';
import type { LegMeasurement } from './leg-measurement';
import { readEndpoint } from './measure-flight';

/** How the parallel DoGets of one read share gRPC channels. */
export type PartitionClients = 'shared' | 'per-stream';
export const PARTITION_CLIENTS: readonly PartitionClients[] = ['shared', 'per-stream'];

export interface PartitionReadOptions {
  /** The dataset, exported with an export command (view tickets are not partitioned). */
  source: string;
  columns: readonly string[];
  /** The `partitions` of the export command: exactly this many endpoints. */
  partitions: number;
  /**
   * `shared`: every DoGet on clients[0] (one channel, one HTTP/2 connection, the streams multiplexed);
   * `per-stream`: DoGet i on clients[i] (each client its own channel and TCP connection).
   */
  mode: PartitionClients;
  /** Handshaken clients, at least `partitions` of them for per-stream (made before the clock starts). */
  clients: readonly FlightClient[];
}

/** CMD descriptor type of Flight.proto's FlightDescriptor.DescriptorType. */
const CMD = 2;

/**
 * GetFlightInfo of an export in exactly `partitions` partitions, then every endpoint's DoGet at once,
 * each stream's batches decoded by apache-arrow as they arrive: from the GetFlightInfo call to the last
 * batch of the slowest stream. All streams are consumed in this one process (one event loop).
 */
export async function measureFlightPartitions(options: PartitionReadOptions): Promise<LegMeasurement> {
  const { partitions, mode, clients } = options;
  if (mode === 'per-stream' && clients.length < partitions)
    throw new Error(`per-stream needs ${partitions} clients, got ${clients.length}`);
  const started = performance.now();
  const command = { kind: 'export', source: options.source, columns: options.columns, partitions };
  const info = await clients[0]!.getFlightInfo({ type: CMD, cmd: Buffer.from(JSON.stringify(command)) });
  const endpoints = info.endpoint ?? [];
  if (endpoints.length !== partitions) throw new Error(`GetFlightInfo returned ${endpoints.length} endpoints, asked for ${partitions}`);
  const streams = await Promise.all(
    endpoints.map(async (endpoint, i) => {
      const read = await readEndpoint(mode === 'shared' ? clients[0]! : clients[i]!, endpoint);
      return { ...read, seconds: (performance.now() - started) / 1000 };
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sum = (pick: (s: (typeof streams)[number]) => number): number => streams.reduce((total, s) => total + pick(s), 0);
  return {
    rows: sum((s) => s.rows),
    seconds,
    seqSum: sum((s) => s.seqSum),
    detail:
      `${partitions} partition(s), ${mode === 'shared' ? 'one client' : 'a client per stream'}, ${sum((s) => s.batches)} batches; ` +
      `rows per stream ${streams.map((s) => s.rows).join('/')}, streams done at ${streams.map((s) => s.seconds.toFixed(2)).join('/')} s`,
  };
}
