import { makeData, type Data, type Decimal } from 'apache-arrow';
import type { BufferPool } from './buffer-pool';
import { ValidityBitmap, allocateBytes, nextCapacity, type ColumnBuilder } from './column-builder';
import { writeNumericDecimal128 } from './numeric-binary';

/** Widest precision whose unscaled values stay exact in a JS number (< 2^53). */
const NUMBER_SAFE_PRECISION = 15;

/** numeric(p, s) with p ≤ 38 → Decimal128(p, s): four uint32 words per value. */
export class DecimalColumnBuilder implements ColumnBuilder {
  length = 0;
  private words: Uint32Array;
  private readonly validity = new ValidityBitmap();
  private readonly wide: boolean;

  constructor(
    private readonly type: Decimal,
    private readonly columnName: string,
    private readonly initialCapacity: number,
    private readonly pool?: BufferPool,
  ) {
    this.words = new Uint32Array(4 * initialCapacity);
    this.wide = type.precision > NUMBER_SAFE_PRECISION;
  }

  appendNull(): void {
    this.ensure();
    this.validity.setNull(this.length, this.initialCapacity);
    this.words.fill(0, 4 * this.length, 4 * this.length + 4);
    this.length++;
  }

  append(_src: Uint8Array, view: DataView, offset: number): void {
    this.ensure();
    writeNumericDecimal128(view, offset, this.type.scale, this.wide, this.words, 4 * this.length, this.columnName);
    this.length++;
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
    for (let r = 0, i = column; r < rows; r++, i += stride) {
      if (lengths[i]! < 0) this.appendNull();
      else this.append(src, view, starts[i]!);
    }
  }

  finish(): Data {
    const length = this.length;
    const nullCount = this.validity.nullCount;
    const nullBitmap = this.validity.take(length);
    const data = this.words.subarray(0, 4 * length);
    this.words = new Uint32Array(allocateBytes(this.pool, 16 * nextCapacity(length, this.initialCapacity)).buffer);
    this.length = 0;
    return makeData({ type: this.type, length, nullCount, nullBitmap, data });
  }

  private ensure(): void {
    if (4 * (this.length + 1) > this.words.length) {
      const grown = new Uint32Array(this.words.length * 2 + 4);
      grown.set(this.words);
      this.words = grown;
    }
  }
}
