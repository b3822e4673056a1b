import { RecordBatch, Schema, Struct, makeData } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import type { BufferPool } from './buffer-pool';
import type { ColumnBuilder } from './column-builder';
import type { ColumnMapping } from './type-mapping';

export interface CopyBinaryDecoderOptions {
  /** Rows per emitted RecordBatch (the last one may be shorter). */
  batchSize: number;
  /**
   * A batch is also emitted, at a row boundary, once its rows took this many bytes of COPY data
   * (about the Arrow body size): wide rows then make smaller batches, so one FlightData message
   * stays under a client's message limit. Default: no byte bound.
   */
  maxBatchBytes?: number;
  /** Take each next batch's column buffers from this pool (the caller gives batches back to it). */
  bufferPool?: BufferPool;
}

// PGCOPY\n\377\r\n\0, then int32 flags and int32 header-extension length.
const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
const FIXED_HEADER_BYTES = SIGNATURE.length + 8;
const OIDS_FLAG = 1 << 16;
const NO_BATCHES: RecordBatch[] = [];
/** Rows whose field positions are collected before the columns are filled. */
const BLOCK_ROWS = 1024;

/**
 * A streaming decoder of PostgreSQL's COPY BINARY format, column at a time: the rows of a chunk are
 * first scanned (each field's position and length noted in two Int32Arrays), then each column
 * builder appends that block's values in one call, a monomorphic loop over one type (ADR 0143).
 * A RecordBatch is emitted every `batchSize` rows (or `maxBatchBytes`). Chunks may split the stream
 * anywhere: the bytes of an incomplete unit (header, or a whole row) are kept aside and completed
 * from the next chunks, copying only that unit.
 */
export class CopyBinaryDecoder {
  readonly schema: Schema;
  private readonly builders: ColumnBuilder[];
  private readonly columnCount: number;
  private readonly batchSize: number;
  private readonly maxBatchBytes: number;
  private batchBytes = 0;
  private headerDone = false;
  private trailerSeen = false;
  private rows = 0;
  private batchesEmitted = 0;
  private readonly starts: Int32Array;
  private readonly lengths: Int32Array;
  /** The bytes of an incomplete unit, from its first byte. */
  private pending = new Uint8Array(0);
  private pendingBytes = 0;

  constructor(columns: readonly ColumnMapping[], options: CopyBinaryDecoderOptions) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `batchSize must be a positive integer, got ${options.batchSize}`);
    }
    this.batchSize = options.batchSize;
    this.maxBatchBytes = options.maxBatchBytes ?? Number.POSITIVE_INFINITY;
    if (!(this.maxBatchBytes > 0))
      throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `maxBatchBytes must be positive, got ${options.maxBatchBytes}`);
    this.schema = new Schema(columns.map((c) => c.field));
    this.builders = columns.map((c) => c.createBuilder(options.batchSize, options.bufferPool));
    this.columnCount = columns.length;
    this.starts = new Int32Array(BLOCK_ROWS * Math.max(1, this.columnCount));
    this.lengths = new Int32Array(BLOCK_ROWS * Math.max(1, this.columnCount));
  }

  /** Decodes `chunk`; returns the batches it completed (usually none or one). */
  push(chunk: Uint8Array): RecordBatch[] {
    let out = NO_BATCHES;
    let buf = chunk;
    if (this.pendingBytes > 0) {
      const unit = this.unitLength(chunk);
      if (unit < 0 || unit > this.pendingBytes + chunk.length) {
        this.keep(chunk, 0, chunk.length);
        return NO_BATCHES;
      }
      const taken = unit - this.pendingBytes;
      this.keep(chunk, 0, taken);
      // The unit is complete, so decoding it never stashes into `pending` while reading it.
      this.pendingBytes = 0;
      out = this.decode(this.pending.subarray(0, unit), out);
      buf = chunk.subarray(taken);
    }
    return this.decode(buf, out);
  }

  /** Ends the stream: returns the last, partial batch (or one empty batch for an empty result). */
  end(): RecordBatch[] {
    if (!this.trailerSeen || this.pendingBytes > 0) {
      throw new FraiseqlError('FRAISEQL_DB_ERROR', 'The COPY BINARY stream ended before its trailer (truncated result)');
    }
    if (this.rows > 0 || this.batchesEmitted === 0) return [this.emit()];
    return NO_BATCHES;
  }

  private decode(chunk: Uint8Array, batches: RecordBatch[]): RecordBatch[] {
    let out = batches;
    const size = chunk.length;
    if (size === 0) return out;
    // A plain Uint8Array view: a Buffer's subarray (used to copy long values) is much slower.
    const buf = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const columnCount = this.columnCount;
    const starts = this.starts;
    const lengths = this.lengths;
    let pos = 0;
    while (pos < size) {
      if (this.trailerSeen) {
        throw new FraiseqlError('FRAISEQL_DB_ERROR', 'Unexpected bytes after the COPY BINARY trailer');
      }
      if (!this.headerDone) {
        if (size - pos < FIXED_HEADER_BYTES) return this.stash(buf, pos, out);
        const extension = view.getInt32(pos + SIGNATURE.length + 4);
        if (size - pos < FIXED_HEADER_BYTES + extension) return this.stash(buf, pos, out);
        this.readHeader(buf, view, pos);
        pos += FIXED_HEADER_BYTES + extension;
        this.headerDone = true;
        continue;
      }
      // Scan a block of whole rows: positions and lengths only.
      const room = Math.min(BLOCK_ROWS, this.batchSize - this.rows);
      let block = 0;
      let incomplete = false;
      let full = false;
      let at = 0;
      while (block < room) {
        if (size - pos < 2) {
          incomplete = pos < size;
          break;
        }
        const fields = view.getInt16(pos);
        if (fields === -1) {
          this.trailerSeen = true;
          pos += 2;
          break;
        }
        if (fields !== columnCount) {
          throw new FraiseqlError('FRAISEQL_DB_ERROR', `COPY BINARY tuple has ${fields} fields, the result description ${columnCount}`);
        }
        let p = pos + 2;
        let rowBytes = 0;
        let c = 0;
        for (; c < columnCount; c++) {
          if (size - p < 4) break;
          const length = view.getInt32(p);
          p += 4;
          starts[at + c] = p;
          lengths[at + c] = length;
          if (length > 0) {
            if (size - p < length) break;
            p += length;
            rowBytes += length;
          }
        }
        if (c < columnCount) {
          incomplete = true;
          break;
        }
        pos = p;
        at += columnCount;
        block++;
        this.batchBytes += rowBytes;
        if (this.batchBytes >= this.maxBatchBytes) {
          full = true;
          break;
        }
      }
      if (block > 0) {
        const builders = this.builders;
        for (let c = 0; c < columnCount; c++) builders[c]!.appendColumn(buf, view, starts, lengths, columnCount, c, block);
        this.rows += block;
        if (full || this.rows === this.batchSize) {
          if (out === NO_BATCHES) out = [];
          out.push(this.emit());
        }
      }
      if (incomplete) return this.stash(buf, pos, out);
    }
    return out;
  }

  /**
   * Bytes from the first pending byte to the end of the unit they begin (the header, the trailer or
   * a row), looking into `next` as well; −1 while those bytes do not tell yet.
   */
  private unitLength(next: Uint8Array): number {
    const pending = this.pending;
    const have = this.pendingBytes;
    const total = have + next.length;
    const byteAt = (i: number): number => (i < have ? pending[i]! : next[i - have]!);
    const int32At = (i: number): number => (byteAt(i) << 24) | (byteAt(i + 1) << 16) | (byteAt(i + 2) << 8) | byteAt(i + 3);
    if (!this.headerDone) {
      if (total < FIXED_HEADER_BYTES) return -1;
      return FIXED_HEADER_BYTES + int32At(SIGNATURE.length + 4);
    }
    if (total < 2) return -1;
    const fields = (((byteAt(0) << 8) | byteAt(1)) << 16) >> 16;
    // A trailer, or a bad field count that decode reports: either is decided from these two bytes.
    if (fields === -1 || fields !== this.columnCount) return 2;
    let p = 2;
    for (let c = 0; c < fields; c++) {
      if (total - p < 4) return -1;
      const length = int32At(p);
      p += 4;
      if (length > 0) p += length;
      if (p > total) return p;
    }
    return p;
  }

  /** Appends `chunk[from, to)` to the pending bytes. */
  private keep(chunk: Uint8Array, from: number, to: number): void {
    const needed = this.pendingBytes + (to - from);
    if (needed > this.pending.length) {
      const grown = new Uint8Array(Math.max(needed, this.pending.length * 2, 256));
      grown.set(this.pending.subarray(0, this.pendingBytes));
      this.pending = grown;
    }
    this.pending.set(chunk.subarray(from, to), this.pendingBytes);
    this.pendingBytes = needed;
  }

  private stash(buf: Uint8Array, pos: number, out: RecordBatch[]): RecordBatch[] {
    // A copy of the incomplete unit only, so the (usually large) chunk is not kept alive.
    this.pendingBytes = 0;
    this.keep(buf, pos, buf.length);
    return out;
  }

  private readHeader(buf: Uint8Array, view: DataView, pos: number): void {
    for (let i = 0; i < SIGNATURE.length; i++) {
      if (buf[pos + i] !== SIGNATURE[i]) throw new FraiseqlError('FRAISEQL_DB_ERROR', 'Not a COPY BINARY stream (bad signature)');
    }
    if (view.getInt32(pos + SIGNATURE.length) & OIDS_FLAG) {
      throw new FraiseqlError('FRAISEQL_DB_ERROR', 'COPY BINARY WITH OIDS is not supported');
    }
  }

  private emit(): RecordBatch {
    const length = this.rows;
    const children = this.builders.map((b) => b.finish());
    this.rows = 0;
    this.batchBytes = 0;
    this.batchesEmitted++;
    const data = makeData({ type: new Struct(this.schema.fields), length, nullCount: 0, children });
    return new RecordBatch(this.schema, data);
  }
}
