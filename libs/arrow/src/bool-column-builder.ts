import { Bool, makeData, type Data } from 'apache-arrow';
import type { BufferPool } from './buffer-pool';
import { ValidityBitmap, allocateBytes, growBytes, nextCapacity, type ColumnBuilder } from './column-builder';

/** bool → Arrow Bool: one bit per value, set straight from the wire byte. */
export class BoolColumnBuilder implements ColumnBuilder {
  length = 0;
  private bits: Uint8Array;
  private readonly validity = new ValidityBitmap();

  constructor(
    private readonly initialCapacity: number,
    private readonly pool?: BufferPool,
  ) {
    this.bits = new Uint8Array(Math.ceil(initialCapacity / 8) + 1);
  }

  appendNull(): void {
    this.ensure();
    this.validity.setNull(this.length, this.initialCapacity);
    this.length++;
  }

  append(src: Uint8Array, _view: DataView, offset: number): void {
    this.ensure();
    if (src[offset] !== 0) this.bits[this.length >> 3]! |= 1 << (this.length & 7);
    this.length++;
  }

  appendColumn(
    src: Uint8Array,
    _view: DataView,
    starts: Int32Array,
    lengths: Int32Array,
    stride: number,
    column: number,
    rows: number,
  ): void {
    const needed = ((this.length + rows) >> 3) + 1;
    if (needed > this.bits.length) this.bits = growBytes(this.bits, this.bits.length, needed);
    const bits = this.bits;
    let row = this.length;
    for (let r = 0, i = column; r < rows; r++, i += stride, row++) {
      if (lengths[i]! < 0) this.validity.setNull(row, this.initialCapacity);
      else if (src[starts[i]!] !== 0) bits[row >> 3]! |= 1 << (row & 7);
    }
    this.length = row;
  }

  finish(): Data {
    const length = this.length;
    const nullCount = this.validity.nullCount;
    const nullBitmap = this.validity.take(length);
    const data = this.bits.subarray(0, Math.ceil(length / 8));
    this.bits = allocateBytes(this.pool, Math.ceil(nextCapacity(length, this.initialCapacity) / 8) + 1);
    this.length = 0;
    return makeData({ type: new Bool(), length, nullCount, nullBitmap, data });
  }

  private ensure(): void {
    const needed = (this.length >> 3) + 1;
    if (needed > this.bits.length) this.bits = growBytes(this.bits, this.bits.length, needed);
  }
}
