import { makeData, type Data, type DataType } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import type { BufferPool } from './buffer-pool';
import { ValidityBitmap, allocateBytes, allocateInt32, growBytes, nextCapacity, type ColumnBuilder } from './column-builder';
import { numericTextBound, writeNumericText } from './numeric-binary';

/** How a variable-width PostgreSQL value becomes its Arrow bytes. */
export type VariableWidthEncoding =
  /** text, varchar, bpchar, name, json, bytea: the wire bytes are the value (UTF-8 or raw). */
  | 'copy'
  /** jsonb: a version byte (1) then the JSON text. */
  | 'jsonb'
  /** numeric: base-10000 digits rendered as PostgreSQL's text form. */
  | 'numeric-text';

const JSONB_VERSION = 1;
/** Below this many bytes a plain loop beats `set(subarray(…))`, which allocates a view per value. */
const LOOP_COPY_MAX = 64;

/** Copies `length` bytes of `src` at `from` into `dst` at `to`. */
function copyBytes(src: Uint8Array, from: number, length: number, dst: Uint8Array, to: number): void {
  if (length <= LOOP_COPY_MAX) {
    for (let i = 0; i < length; i++) dst[to + i] = src[from + i]!;
  } else {
    dst.set(src.subarray(from, from + length), to);
  }
}
const AVERAGE_VALUE_BYTES = 16;
/** appendColumn copies values up to this size with a loop (no view allocated per value). */
const BULK_LOOP_COPY_MAX = 512;

/**
 * Utf8 and Binary columns: an Int32 offsets array and one data buffer, both growing
 * geometrically; bytes are copied from the COPY chunk without decoding to a JS string.
 */
export class VariableWidthColumnBuilder implements ColumnBuilder {
  length = 0;
  private offsets: Int32Array;
  private bytes: Uint8Array;
  private used = 0;
  private readonly validity = new ValidityBitmap();

  constructor(
    private readonly type: DataType,
    private readonly encoding: VariableWidthEncoding,
    private readonly columnName: string,
    private readonly initialCapacity: number,
    private readonly pool?: BufferPool,
  ) {
    this.offsets = new Int32Array(initialCapacity + 1);
    this.bytes = new Uint8Array(initialCapacity * AVERAGE_VALUE_BYTES);
  }

  appendNull(): void {
    this.ensureRow();
    this.validity.setNull(this.length, this.initialCapacity);
    this.length++;
    this.offsets[this.length] = this.used;
  }

  append(src: Uint8Array, view: DataView, offset: number, length: number): void {
    this.ensureRow();
    switch (this.encoding) {
      case 'copy':
        this.ensureBytes(length);
        copyBytes(src, offset, length, this.bytes, this.used);
        this.used += length;
        break;
      case 'jsonb':
        if (src[offset] !== JSONB_VERSION) {
          throw new FraiseqlError('FRAISEQL_DB_ERROR', `Column "${this.columnName}": unsupported jsonb binary version ${src[offset]}`);
        }
        this.ensureBytes(length - 1);
        copyBytes(src, offset + 1, length - 1, this.bytes, this.used);
        this.used += length - 1;
        break;
      case 'numeric-text':
        this.ensureBytes(numericTextBound(view, offset));
        this.used += writeNumericText(view, offset, this.bytes, this.used);
        break;
    }
    this.length++;
    this.offsets[this.length] = this.used;
  }

  appendColumn(
    src: Uint8Array,
    view: DataView,
    starts: Int32Array,
    lengths: Int32Array,
    stride: number,
    column: number,
    rows: number,
  ): void {
    if (this.encoding === 'numeric-text') {
      for (let r = 0, i = column; r < rows; r++, i += stride) {
        const length = lengths[i]!;
        if (length < 0) this.appendNull();
        else this.append(src, view, starts[i]!, length);
      }
      return;
    }
    // jsonb drops its version byte: one byte less per value.
    const skip = this.encoding === 'jsonb' ? 1 : 0;
    let total = 0;
    for (let r = 0, i = column; r < rows; r++, i += stride) if (lengths[i]! >= 0) total += lengths[i]! - skip;
    this.ensureBytes(total);
    if (this.length + rows + 1 >= this.offsets.length) {
      let size = this.offsets.length * 2;
      while (size < this.length + rows + 2) size *= 2;
      const grown = new Int32Array(size);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    const bytes = this.bytes;
    const out = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const offsets = this.offsets;
    let used = this.used;
    let row = this.length;
    for (let r = 0, i = column; r < rows; r++, i += stride) {
      const length = lengths[i]!;
      if (length < 0) {
        this.validity.setNull(row, this.initialCapacity);
      } else {
        const from = starts[i]!;
        if (skip === 1 && src[from] !== JSONB_VERSION) {
          this.used = used;
          this.length = row;
          this.append(src, view, from, length); // throws the version error
        }
        const n = length - skip;
        if (n <= BULK_LOOP_COPY_MAX) {
          // Four bytes at a time through the DataViews, then the tail.
          const f = from + skip;
          let k = 0;
          for (; k + 4 <= n; k += 4) out.setInt32(used + k, view.getInt32(f + k));
          for (; k < n; k++) bytes[used + k] = src[f + k]!;
        } else {
          bytes.set(src.subarray(from + skip, from + length), used);
        }
        used += n;
      }
      offsets[++row] = used;
    }
    this.used = used;
    this.length = row;
  }

  finish(): Data {
    const length = this.length;
    const nullCount = this.validity.nullCount;
    const nullBitmap = this.validity.take(length);
    const valueOffsets = this.offsets.subarray(0, length + 1);
    const data = this.bytes.subarray(0, this.used);
    // The next batch is sized like this one (batches often end early on maxBatchBytes): no zero-filling
    // of buffers for rows that will not come.
    const rows = nextCapacity(length, this.initialCapacity);
    this.offsets = allocateInt32(this.pool, rows + 1);
    this.bytes = allocateBytes(this.pool, Math.max(rows * AVERAGE_VALUE_BYTES, Math.ceil(this.used * 1.1)));
    this.used = 0;
    this.length = 0;
    return makeData({ type: this.type, length, nullCount, nullBitmap, valueOffsets, data } as never);
  }

  private ensureRow(): void {
    if (this.length + 2 > this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
  }

  private ensureBytes(extra: number): void {
    const needed = this.used + extra;
    if (needed > 0x7fffffff) {
      throw new FraiseqlError('FRAISEQL_DB_ERROR', `Column "${this.columnName}": more than 2 GiB of values in one batch; lower batchSize`);
    }
    this.bytes = growBytes(this.bytes, this.used, needed);
  }
}
