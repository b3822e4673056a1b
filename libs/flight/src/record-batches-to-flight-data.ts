import type { RecordBatch } from 'apache-arrow';
import { recordBatchesToIpcStream } from '@fraiseql/arrow';
import { EncodedFlightData } from './encoded-flight-data';
import { messageBodyLength } from './flight-data-framing';

const CONTINUATION = 0xffffffff;
/** FlightData field 2 (data_header), wire type 2. */
const DATA_HEADER_TAG = 0x12;
/** FlightData field 1000 (data_body), wire type 2: the varint of 8002. */
const DATA_BODY_TAG = [0xc2, 0x3e];

export interface RecordBatchesToFlightDataOptions {
  /**
   * Write a message into the memory of an earlier one once the service serializer has handed that
   * one to grpc-js (which copies it into its own frame), instead of allocating a new Buffer for each:
   * fewer large allocations, so fewer full garbage collections. Only for a caller that gives the
   * messages to a grpc-js call and keeps no reference to them; default false.
   */
  reuseBuffers?: boolean;
}

/**
 * Encodes RecordBatches as FlightData messages for DoGet (schema first, then one per batch): each
 * Arrow IPC message the writer produces is copied once, straight into a Buffer that already is the
 * protobuf FlightData (the same bytes protobufjs would write for `{ dataHeader, dataBody }`). The
 * end-of-stream marker is not sent, as Flight wants. Memory stays bounded by one batch.
 */
export async function* recordBatchesToFlightData(
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  options: RecordBatchesToFlightDataOptions = {},
): AsyncGenerator<EncodedFlightData, void, undefined> {
  const assembler = new FlightDataAssembler(options.reuseBuffers ?? false);
  for await (const chunk of recordBatchesToIpcStream(batches)) {
    const messages = assembler.push(chunk);
    for (let i = 0; i < messages.length; i++) yield messages[i]!;
    if (assembler.ended) return;
  }
  assembler.finish();
}

/** Messages whose memory may be taken back once serialized (reuseBuffers). */
const REUSABLE_MESSAGES = 4;
/** Headroom of a reusable buffer, so that the next, slightly larger batches fit in it too. */
const REUSE_HEADROOM = 1.25;

/** Splits IPC stream chunks (any chunking) into messages, copying each body once into its FlightData. */
class FlightDataAssembler {
  ended = false;
  /** With reuseBuffers: the last messages handed out, with the whole buffer each was written into. */
  private readonly handedOut: { message: EncodedFlightData; memory: Buffer }[] = [];
  private memory: Buffer | null = null;
  /** Prefix and header bytes of the message being read (small: the flatbuffer only). */
  private head = new Uint8Array(256);
  private headBytes = 0;
  /** −1 until the prefix is read; then the header length. */
  private headerLength = -1;
  private prefixLength = 8;
  private out: Buffer | null = null;
  private outAt = 0;
  private bodyAt = 0;
  private bodyLeft = 0;
  private header: Uint8Array | null = null;

  constructor(private readonly reuseBuffers: boolean) {}

  push(chunk: Uint8Array): EncodedFlightData[] {
    const done: EncodedFlightData[] = [];
    let at = 0;
    while (at < chunk.byteLength && !this.ended) {
      if (this.out !== null) {
        const n = Math.min(this.bodyLeft, chunk.byteLength - at);
        this.out.set(chunk.subarray(at, at + n), this.outAt);
        this.outAt += n;
        this.bodyLeft -= n;
        at += n;
        if (this.bodyLeft === 0) done.push(this.complete());
        continue;
      }
      // Prefix: continuation marker (absent in the legacy format) and the header length.
      const want = this.headerLength < 0 ? (this.headBytes < 4 ? 4 : this.prefixLength) : this.prefixLength + this.headerLength;
      const n = Math.min(want - this.headBytes, chunk.byteLength - at);
      this.reserveHead(this.headBytes + n);
      this.head.set(chunk.subarray(at, at + n), this.headBytes);
      this.headBytes += n;
      at += n;
      if (this.headBytes < want) continue;
      if (this.headerLength < 0) {
        const first = readUint32LE(this.head, 0);
        if (first === CONTINUATION && this.headBytes < 8) {
          this.prefixLength = 8;
          continue;
        }
        this.prefixLength = first === CONTINUATION ? 8 : 4;
        this.headerLength = first === CONTINUATION ? readUint32LE(this.head, 4) : first;
        if (this.headerLength === 0) {
          this.ended = true;
          break;
        }
        continue;
      }
      this.begin();
      if (this.bodyLeft === 0) done.push(this.complete());
    }
    return done;
  }

  finish(): void {
    if (this.ended) return;
    const left = this.headBytes + (this.out === null ? 0 : this.outAt);
    if (left > 0) throw new RangeError(`the Arrow IPC stream ended inside a message (${left} bytes left over)`);
  }

  /** The header is complete: allocate the FlightData and write its header field. */
  private begin(): void {
    const header = this.head.subarray(this.prefixLength, this.prefixLength + this.headerLength);
    const bodyLength = messageBodyLength(header);
    const size = 1 + varintSize(header.byteLength) + header.byteLength + 2 + varintSize(bodyLength) + bodyLength;
    const out = this.allocate(size);
    let p = 0;
    out[p++] = DATA_HEADER_TAG;
    p = writeVarint(out, p, header.byteLength);
    out.set(header, p);
    this.header = out.subarray(p, p + header.byteLength);
    p += header.byteLength;
    out[p++] = DATA_BODY_TAG[0]!;
    out[p++] = DATA_BODY_TAG[1]!;
    p = writeVarint(out, p, bodyLength);
    this.out = out;
    this.outAt = p;
    this.bodyAt = p;
    this.bodyLeft = bodyLength;
  }

  /** A Buffer of `size` bytes: new, or (reuseBuffers) the memory of a message grpc-js has already copied. */
  private allocate(size: number): Buffer {
    this.memory = null;
    if (!this.reuseBuffers) return Buffer.allocUnsafe(size);
    for (let i = 0; i < this.handedOut.length; i++) {
      const { message, memory } = this.handedOut[i]!;
      if (message.serialized && memory.length >= size) {
        this.handedOut.splice(i, 1);
        this.memory = memory;
        return memory.subarray(0, size);
      }
    }
    this.memory = Buffer.allocUnsafe(Math.ceil(size * REUSE_HEADROOM));
    return this.memory.subarray(0, size);
  }

  private complete(): EncodedFlightData {
    const out = this.out!;
    const message = new EncodedFlightData(out, this.header!, out.subarray(this.bodyAt, this.outAt));
    if (this.memory !== null) {
      this.handedOut.push({ message, memory: this.memory });
      if (this.handedOut.length > REUSABLE_MESSAGES) this.handedOut.shift();
    }
    this.out = null;
    this.header = null;
    this.headBytes = 0;
    this.headerLength = -1;
    return message;
  }

  private reserveHead(needed: number): void {
    if (needed <= this.head.length) return;
    const grown = new Uint8Array(Math.max(needed, this.head.length * 2));
    grown.set(this.head.subarray(0, this.headBytes));
    this.head = grown;
  }
}

function readUint32LE(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

function writeVarint(out: Uint8Array, at: number, value: number): number {
  let p = at;
  while (value >= 0x80) {
    out[p++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[p++] = value;
  return p;
}
