import type { Data } from 'apache-arrow';
import type { BufferPool } from './buffer-pool';

/**
 * Appends PostgreSQL binary field values straight into Arrow buffers. One builder per
 * column (and one per list child); `finish` hands the filled buffers to Arrow as `Data`
 * and starts fresh buffers for the next batch, so nothing is copied twice.
 */
export interface ColumnBuilder {
  /** Rows (or list elements) appended since the last `finish`. */
  readonly length: number;
  appendNull(): void;
  /** Appends the field whose `length` bytes start at `offset` of `bytes` (`view` covers the same memory). */
  append(bytes: Uint8Array, view: DataView, offset: number, length: number): void;
  /**
   * Appends `rows` values at once, column at a time: value `r` starts at `starts[r * stride + column]`
   * of `bytes` and is `lengths[r * stride + column]` bytes long (−1 = NULL). Same result as `rows`
   * calls of `append`/`appendNull`, with one monomorphic loop per column instead of a call per value.
   */
  appendColumn(
    bytes: Uint8Array,
    view: DataView,
    starts: Int32Array,
    lengths: Int32Array,
    stride: number,
    column: number,
    rows: number,
  ): void;
  finish(): Data;
}

/** An Arrow validity bitmap that grows with its column; allocation only when a null appears. */
export class ValidityBitmap {
  private bits: Uint8Array | null = null;
  nullCount = 0;

  /** Records that row `index` is null (rows not recorded are valid). */
  setNull(index: number, capacity: number): void {
    if (this.bits === null) {
      this.bits = new Uint8Array(Math.ceil(Math.max(capacity, index + 1) / 8)).fill(0xff);
    } else if (index >> 3 >= this.bits.length) {
      const grown = new Uint8Array(Math.max(this.bits.length * 2, (index >> 3) + 1)).fill(0xff);
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[index >> 3] &= ~(1 << (index & 7));
    this.nullCount++;
  }

  /** The bitmap for `length` rows (or undefined when all valid), then reset for the next batch. */
  take(length: number): Uint8Array | undefined {
    const bits = this.bits;
    this.bits = null;
    this.nullCount = 0;
    if (bits === null) return undefined;
    const bytes = Math.ceil(length / 8);
    if (bits.length >= bytes) return bits.subarray(0, bytes);
    // Rows appended after the last null are valid: pad with ones.
    const padded = new Uint8Array(bytes).fill(0xff);
    padded.set(bits);
    return padded;
  }
}

/** Doubles `buffer` until it holds at least `needed` bytes, keeping the first `used` bytes. */
export function growBytes(buffer: Uint8Array, used: number, needed: number): Uint8Array {
  if (needed <= buffer.length) return buffer;
  let size = Math.max(buffer.length * 2, 64);
  while (size < needed) size *= 2;
  const grown = new Uint8Array(size);
  grown.set(buffer.subarray(0, used));
  return grown;
}

/** Zeroed bytes for a batch's buffer: from `pool` when there is one (it may give more than asked). */
export function allocateBytes(pool: BufferPool | undefined, bytes: number): Uint8Array {
  return pool === undefined ? new Uint8Array(bytes) : new Uint8Array(pool.take(bytes));
}

/** Zeroed Int32 slots (offsets) for a batch, from `pool` when there is one. */
export function allocateInt32(pool: BufferPool | undefined, length: number): Int32Array {
  return pool === undefined ? new Int32Array(length) : new Int32Array(pool.take(length * 4));
}

/**
 * Rows to allocate for the next batch: the size of the batch just finished (plus a margin), never
 * more than the configured capacity. Buffers still grow if a batch turns out larger.
 */
export function nextCapacity(finishedRows: number, initialCapacity: number): number {
  return Math.min(initialCapacity, Math.max(1024, Math.ceil(finishedRows * 1.1)));
}
