import { RecordBatch, Schema, Struct, makeData } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import type { ColumnBuilder } from './column-builder';
import type { CopyBinaryDecoderOptions } from './copy-binary-decoder';
import type { ColumnMapping } from './type-mapping';

// PGCOPY\n\377\r\n\0, then int32 flags and int32 header-extension length.
const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
const FIXED_HEADER_BYTES = SIGNATURE.length + 8;
const OIDS_FLAG = 1 << 16;
const NO_BATCHES: RecordBatch[] = [];

/**
 * The field-at-a-time COPY BINARY decoder the server used until ADR 0143, kept unchanged as the
 * reference the column-at-a-time `CopyBinaryDecoder` is tested and benchmarked against (same
 * options, same batches, byte for byte). Each field is appended through `builders[i].append`, and
 * an incomplete unit is joined with the whole next chunk. Not for production paths.
 */
export class ReferenceCopyBinaryDecoder {
  readonly schema: Schema;
  private readonly builders: ColumnBuilder[];
  private readonly batchSize: number;
  private readonly maxBatchBytes: number;
  private batchBytes = 0;
  private headerDone = false;
  private trailerSeen = false;
  /** Next field of the current tuple, or −1 when the next unit is a tuple's field count. */
  private fieldIndex = -1;
  private rows = 0;
  private batchesEmitted = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private need = 0;

  constructor(columns: readonly ColumnMapping[], options: CopyBinaryDecoderOptions) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `batchSize must be a positive integer, got ${options.batchSize}`);
    }
    this.batchSize = options.batchSize;
    this.maxBatchBytes = options.maxBatchBytes ?? Number.POSITIVE_INFINITY;
    if (!(this.maxBatchBytes > 0))
      throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `maxBatchBytes must be positive, got ${options.maxBatchBytes}`);
    this.schema = new Schema(columns.map((c) => c.field));
    this.builders = columns.map((c) => c.createBuilder(options.batchSize));
  }

  /** Decodes `chunk`; returns the batches it completed (usually none or one). */
  push(chunk: Uint8Array): RecordBatch[] {
    let buf = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < this.need) return NO_BATCHES;
      buf = joinChunks(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    return this.decode(buf);
  }

  /** Ends the stream: returns the last, partial batch (or one empty batch for an empty result). */
  end(): RecordBatch[] {
    if (!this.trailerSeen || this.pendingBytes > 0) {
      throw new FraiseqlError('FRAISEQL_DB_ERROR', 'The COPY BINARY stream ended before its trailer (truncated result)');
    }
    if (this.rows > 0 || this.batchesEmitted === 0) return [this.emit()];
    return NO_BATCHES;
  }

  private decode(buf: Uint8Array): RecordBatch[] {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const size = buf.length;
    const builders = this.builders;
    const columnCount = builders.length;
    let out = NO_BATCHES;
    let pos = 0;
    while (pos < size) {
      if (this.trailerSeen) {
        throw new FraiseqlError('FRAISEQL_DB_ERROR', 'Unexpected bytes after the COPY BINARY trailer');
      }
      if (!this.headerDone) {
        if (size - pos < FIXED_HEADER_BYTES) return this.stash(buf, pos, FIXED_HEADER_BYTES, out);
        const extension = view.getInt32(pos + SIGNATURE.length + 4);
        if (size - pos < FIXED_HEADER_BYTES + extension) return this.stash(buf, pos, FIXED_HEADER_BYTES + extension, out);
        this.readHeader(buf, view, pos);
        pos += FIXED_HEADER_BYTES + extension;
        this.headerDone = true;
        continue;
      }
      if (this.fieldIndex < 0) {
        if (size - pos < 2) return this.stash(buf, pos, 2, out);
        const fields = view.getInt16(pos);
        pos += 2;
        if (fields === -1) {
          this.trailerSeen = true;
          continue;
        }
        if (fields !== columnCount) {
          throw new FraiseqlError('FRAISEQL_DB_ERROR', `COPY BINARY tuple has ${fields} fields, the result description ${columnCount}`);
        }
        this.fieldIndex = 0;
        continue;
      }
      if (size - pos < 4) return this.stash(buf, pos, 4, out);
      const length = view.getInt32(pos);
      if (length < 0) {
        builders[this.fieldIndex]!.appendNull();
        pos += 4;
      } else {
        if (size - pos < 4 + length) return this.stash(buf, pos, 4 + length, out);
        builders[this.fieldIndex]!.append(buf, view, pos + 4, length);
        pos += 4 + length;
        this.batchBytes += length;
      }
      if (++this.fieldIndex === columnCount) {
        this.fieldIndex = -1;
        if (++this.rows === this.batchSize || this.batchBytes >= this.maxBatchBytes) {
          if (out === NO_BATCHES) out = [];
          out.push(this.emit());
        }
      }
    }
    return out;
  }

  private stash(buf: Uint8Array, pos: number, need: number, out: RecordBatch[]): RecordBatch[] {
    // A copy of the tail only, so the (usually large) chunk is not kept alive.
    const rest = buf.slice(pos);
    this.pending = [rest];
    this.pendingBytes = rest.length;
    this.need = need;
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

function joinChunks(chunks: Uint8Array[], total: number): Uint8Array {
  const joined = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    joined.set(c, at);
    at += c.length;
  }
  return joined;
}
