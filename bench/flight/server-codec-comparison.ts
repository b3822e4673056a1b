import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { RecordBatch } from 'apache-arrow';
import {
  BufferPool,
  CopyBinaryDecoder,
  ReferenceCopyBinaryDecoder,
  mapPostgresColumn,
  recordBatchesToIpcStream,
  type ColumnMapping,
} from '@fraiseql/arrow';
import { FLIGHT_SERVICE, ipcStreamToFlightData, recordBatchesToFlightData, type FlightData } from '@fraiseql/flight';
import type { CodecComparison } from './codec-comparison';

export type { CodecComparison };

/** As a socket delivers them. */
const CHUNK_BYTES = 64 * 1024;
/** The flight-server's defaults (FRAISEQL_FLIGHT_BATCH_SIZE, FRAISEQL_FLIGHT_BATCH_MAX_BYTES). */
const DECODER_OPTIONS = { batchSize: 65_536, maxBatchBytes: 3 * 1024 * 1024 };

interface BatchDecoder {
  push(chunk: Uint8Array): RecordBatch[];
  end(): RecordBatch[];
}

/**
 * The flight-server's codec, before and after ADR 0143, over the same COPY BINARY bytes in this process:
 * the reference (the field-at-a-time decoder, apache-arrow's IPC writer, `ipcStreamToFlightData` and
 * protobufjs's FlightData encoding) and the current path (the column-at-a-time decoder with pooled column
 * buffers and `recordBatchesToFlightData` reusing its memory, as DoGet runs them), each up to the
 * serialized FlightData Buffers grpc-js sends. The rows are read once from PostgreSQL into memory and cut
 * into 64 KiB chunks; each round runs both, alternating which goes first, and takes process.cpuUsage()
 * around each. Checksums: SHA-1 of every FlightData
 * message, one unmeasured pass each, compared byte for byte.
 */
export async function compareServerCodec(databaseUrl: string, columnsSql: string, rounds: number): Promise<CodecComparison> {
  const { columns, chunks, bytes } = await readCopyBinary(databaseUrl, columnsSql);
  const reference = (): AsyncIterable<FlightData> =>
    ipcStreamToFlightData(recordBatchesToIpcStream(decode(new ReferenceCopyBinaryDecoder(columns, DECODER_OPTIONS), chunks)));
  // As DoGet runs it: column buffers from a pool (a batch given back two batches later, as copyQueryToArrow
  // does with reuseBuffers) and FlightData memory reused once serialized.
  const current = (): AsyncIterable<FlightData> => {
    const pool = new BufferPool();
    const decoder = new CopyBinaryDecoder(columns, { ...DECODER_OPTIONS, bufferPool: pool });
    return recordBatchesToFlightData(givenBack(decode(decoder, chunks), pool), { reuseBuffers: true });
  };

  const referenceSums = await checksum(reference());
  const currentSums = await checksum(current());
  const rows = referenceSums.rows;
  const cpu = { reference: [] as number[], current: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const order: ['reference' | 'current', () => AsyncIterable<FlightData>][] = [
      ['reference', reference],
      ['current', current],
    ];
    if (round % 2 === 1) order.reverse();
    for (const [name, path] of order) cpu[name].push(await cpuSeconds(path));
  }
  const perMillion = (seconds: number[]): number => (median(seconds) / rows) * 1e6;
  const checksumsEqual = referenceSums.digest === currentSums.digest && referenceSums.rows === currentSums.rows;
  return {
    side: 'server',
    rows,
    rounds,
    referenceCpuSecondsPerMillionRows: perMillion(cpu.reference),
    currentCpuSecondsPerMillionRows: perMillion(cpu.current),
    checksumsEqual,
    detail:
      `${(bytes / 1048576).toFixed(0)} MiB of COPY BINARY in ${chunks.length} chunks of 64 KiB; ` +
      `${referenceSums.messages} FlightData messages (reference) vs ${currentSums.messages} (current), ` +
      `SHA-1 ${checksumsEqual ? 'equal' : `${referenceSums.digest.slice(0, 12)} vs ${currentSums.digest.slice(0, 12)}`}; ` +
      `median of ${rounds} round(s), CPU s reference ${cpu.reference.map((s) => s.toFixed(2)).join('/')}, ` +
      `current ${cpu.current.map((s) => s.toFixed(2)).join('/')}`,
  };
}

async function readCopyBinary(
  databaseUrl: string,
  sql: string,
): Promise<{ columns: ColumnMapping[]; chunks: Uint8Array[]; bytes: number }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const query = sql.replace(/;\s*$/, '');
    const described = await client.query(`SELECT * FROM (${query}) AS q LIMIT 0`);
    const columns = described.fields.map((f) =>
      mapPostgresColumn({ name: f.name, typeOid: f.dataTypeID, typeModifier: f.dataTypeModifier }),
    );
    const parts: Buffer[] = [];
    for await (const part of client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT binary)`))) parts.push(part as Buffer);
    const all = Buffer.concat(parts);
    parts.length = 0;
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < all.length; at += CHUNK_BYTES) chunks.push(all.subarray(at, at + CHUNK_BYTES));
    return { columns, chunks, bytes: all.length };
  } finally {
    await client.end();
  }
}

function* givenBack(batches: Iterable<RecordBatch>, pool: BufferPool): Generator<RecordBatch> {
  const handedOut: RecordBatch[] = [];
  for (const batch of batches) {
    yield batch;
    handedOut.push(batch);
    if (handedOut.length > 2) pool.release(handedOut.shift()!);
  }
}

function* decode(decoder: BatchDecoder, chunks: readonly Uint8Array[]): Generator<RecordBatch> {
  for (const chunk of chunks) yield* decoder.push(chunk);
  yield* decoder.end();
}

/** What grpc-js sends for each message: the service's own serializer. */
const serialize = (message: FlightData): Buffer => FLIGHT_SERVICE.DoGet.responseSerialize(message);

async function cpuSeconds(path: () => AsyncIterable<FlightData>): Promise<number> {
  const before = process.cpuUsage();
  let bytes = 0;
  for await (const message of path()) bytes += serialize(message).byteLength;
  const used = process.cpuUsage(before);
  if (bytes === 0) throw new Error('no FlightData produced');
  return (used.user + used.system) / 1e6;
}

async function checksum(messages: AsyncIterable<FlightData>): Promise<{ digest: string; rows: number; messages: number }> {
  const hash = createHash('sha1');
  let count = 0;
  let rows = 0;
  for await (const message of messages) {
    const bytes = serialize(message);
    hash.update(bytes);
    count++;
    rows += recordBatchLength(message.dataHeader!);
  }
  return { digest: hash.digest('hex'), rows, messages: count };
}

/** RecordBatch.length of an IPC Message flatbuffer (0 for a schema message), read without decoding objects. */
function recordBatchLength(header: Uint8Array): number {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const table = view.getUint32(0, true);
  const field = (at: number, slot: number): number => {
    const vt = at - view.getInt32(at, true);
    return 4 + slot * 2 < view.getUint16(vt, true) ? view.getUint16(vt + 4 + slot * 2, true) : 0;
  };
  // Message: version(0), header_type(1), header(2); RecordBatch = header type 3.
  const typeOffset = field(table, 1);
  if (typeOffset === 0 || view.getUint8(table + typeOffset) !== 3) return 0;
  const headerOffset = field(table, 2);
  const batch = table + headerOffset + view.getUint32(table + headerOffset, true);
  const lengthOffset = field(batch, 0);
  return lengthOffset === 0 ? 0 : Number(view.getBigInt64(batch + lengthOffset, true));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
