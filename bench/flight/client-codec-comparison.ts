// The Node FlightClient's decoding of DoGet messages, measured side by side in one process (issue 14,
// point 3; ADR 0144): the reference (protobufjs FlightData, then the frames rebuilt into an IPC byte
// stream for apache-arrow's RecordBatchReader — the client's path before ADR 0144) against the current
// path (the client's own FlightData reader, each frame decoded straight into a RecordBatch).
import {
  ColumnChecksums,
  flightDataToRecordBatches,
  flightDataToRecordBatchesViaIpcStream,
  protocol,
  readFlightData,
  type FlightDataFrame,
} from '@fraiseql/flight';
import type { RecordBatch } from 'apache-arrow';
import type { CodecComparison } from './codec-comparison';

export type { CodecComparison };

type Decode = (messages: AsyncIterable<Uint8Array>) => AsyncIterable<RecordBatch>;

const EMPTY = new Uint8Array(0);

const REFERENCE: Decode = (messages) =>
  flightDataToRecordBatchesViaIpcStream(
    mapAsync(messages, (bytes): FlightDataFrame => {
      const message = protocol.FlightData.decode(bytes);
      return { dataHeader: message.dataHeader ?? EMPTY, dataBody: message.dataBody ?? EMPTY };
    }),
  );

// As FlightClient.doGet reads them: each message is the caller's own, so a misaligned body moves in place.
const CURRENT: Decode = (messages) =>
  flightDataToRecordBatches(mapAsync(messages, (bytes) => readFlightData(bytes, { alignBodyInPlace: true })));

/** At most this many bytes of fresh message copies exist at once (they are made outside the measured time). */
const GROUP_BYTES = 64 * 1024 * 1024;

/**
 * Decodes the same serialized FlightData messages (one DoGet, as grpc-js hands them to the deserializer)
 * with the reference and the current decoder, alternately, `rounds` times each after one untimed warm-up
 * of each, and checks that every pass gives the same per-column checksums. CPU is process.cpuUsage()
 * (user + system) over the decoding and a checksum pass over every column of every batch, done the same
 * way for both; each pass gets fresh copies of the messages, laid out as grpc-js delivers them (own
 * buffer, 5 bytes in), made outside the measured time. Medians over the rounds.
 */
export async function compareClientCodec(frames: readonly Uint8Array[], rounds: number): Promise<CodecComparison> {
  if (rounds < 1) throw new Error('rounds must be at least 1');
  await measurePass(frames, REFERENCE);
  await measurePass(frames, CURRENT);
  const reference: Pass[] = [];
  const current: Pass[] = [];
  for (let round = 0; round < rounds; round++) {
    // The order alternates so that neither side always runs on a heap the other has just filled.
    if (round % 2 === 0) {
      reference.push(await measurePass(frames, REFERENCE));
      current.push(await measurePass(frames, CURRENT));
    } else {
      current.push(await measurePass(frames, CURRENT));
      reference.push(await measurePass(frames, REFERENCE));
    }
  }
  const first = reference[0]!;
  const checksumsEqual = [...reference, ...current].every((pass) => pass.checksums.equals(first.checksums));
  const rows = first.checksums.rows;
  const perMillion = (seconds: number): number => (rows === 0 ? 0 : (seconds / rows) * 1e6);
  const referenceTotal = perMillion(median(reference.map((p) => p.cpuSeconds)));
  const currentTotal = perMillion(median(current.map((p) => p.cpuSeconds)));
  const referenceDecode = perMillion(median(reference.map((p) => p.cpuSeconds - p.checksumCpuSeconds)));
  const currentDecode = perMillion(median(current.map((p) => p.cpuSeconds - p.checksumCpuSeconds)));
  const checksum = perMillion(median([...reference, ...current].map((p) => p.checksumCpuSeconds)));
  const bytes = frames.reduce((sum, frame) => sum + frame.byteLength, 0);
  return {
    side: 'client',
    rows,
    rounds,
    referenceCpuSecondsPerMillionRows: referenceTotal,
    currentCpuSecondsPerMillionRows: currentTotal,
    checksumsEqual,
    detail:
      `${frames.length} FlightData messages, ${(bytes / 1048576).toFixed(1)} MiB, ${first.checksums.batches} batches; ` +
      `decoding alone (checksum pass left out): reference ${referenceDecode.toFixed(3)}, current ${currentDecode.toFixed(3)} CPU-s per M rows ` +
      `(${referenceDecode > 0 ? (currentDecode / referenceDecode).toFixed(2) : '–'}×); the checksum pass ${checksum.toFixed(3)} CPU-s per M rows in each`,
  };
}

interface Pass {
  cpuSeconds: number;
  checksumCpuSeconds: number;
  checksums: ColumnChecksums;
}

async function measurePass(frames: readonly Uint8Array[], decode: Decode): Promise<Pass> {
  const total = new CpuStopwatch();
  const checksum = new CpuStopwatch();
  const checksums = new ColumnChecksums();
  total.start();
  for await (const batch of decode(received(frames, total))) {
    checksum.start();
    checksums.add(batch);
    checksum.stop();
  }
  total.stop();
  return { cpuSeconds: total.seconds, checksumCpuSeconds: checksum.seconds, checksums };
}

/** Fresh copies of the messages, a group at a time, each in its own buffer at offset 5 (grpc-js's framing). */
async function* received(frames: readonly Uint8Array[], clock: CpuStopwatch): AsyncGenerator<Uint8Array, void, undefined> {
  for (let next = 0; next < frames.length;) {
    clock.stop();
    const group: Uint8Array[] = [];
    let bytes = 0;
    while (next < frames.length && (group.length === 0 || bytes + frames[next]!.byteLength <= GROUP_BYTES)) {
      const frame = frames[next++]!;
      const framed = Buffer.allocUnsafe(frame.byteLength + 5);
      framed.set(frame, 5);
      group.push(framed.subarray(5));
      bytes += frame.byteLength;
    }
    clock.start();
    for (let i = 0; i < group.length; i++) {
      const message = group[i]!;
      group[i] = EMPTY;
      yield message;
    }
  }
}

async function* mapAsync<T, U>(source: AsyncIterable<T>, map: (value: T) => U): AsyncGenerator<U, void, undefined> {
  for await (const value of source) yield map(value);
}

class CpuStopwatch {
  private micros = 0;
  private since: NodeJS.CpuUsage | undefined;

  start(): void {
    this.since = process.cpuUsage();
  }

  stop(): void {
    if (this.since === undefined) return;
    const used = process.cpuUsage(this.since);
    this.micros += used.user + used.system;
    this.since = undefined;
  }

  get seconds(): number {
    return this.micros / 1e6;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
