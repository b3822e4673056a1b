import { List, makeData, type Data, type Field } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import type { BufferPool } from './buffer-pool';
import { ValidityBitmap, allocateInt32, nextCapacity, type ColumnBuilder } from './column-builder';

/**
 * One-dimensional PostgreSQL arrays → Arrow List: Int32 offsets, and the elements appended
 * to the child builder in place (array binary form: int32 ndim, int32 has-nulls flag,
 * uint32 element OID, per dimension int32 size + int32 lower bound, then per element
 * int32 length (−1 = NULL) + bytes). Empty arrays are empty lists; NULL elements are
 * null children. Multi-dimensional arrays have no single-List form and are refused.
 */
export class ListColumnBuilder implements ColumnBuilder {
  length = 0;
  private offsets: Int32Array;
  /** Scratch positions of one block's array elements (appendColumn). */
  private elementStarts = new Int32Array(0);
  private elementLengths = new Int32Array(0);
  private readonly validity = new ValidityBitmap();

  constructor(
    private readonly childField: Field,
    private readonly child: ColumnBuilder,
    private readonly columnName: string,
    private readonly initialCapacity: number,
    private readonly pool?: BufferPool,
  ) {
    this.offsets = new Int32Array(initialCapacity + 1);
  }

  appendNull(): void {
    this.ensureRow();
    this.validity.setNull(this.length, this.initialCapacity);
    this.length++;
    this.offsets[this.length] = this.child.length;
  }

  append(src: Uint8Array, view: DataView, offset: number, length: number): void {
    this.ensureRow();
    const ndim = view.getInt32(offset);
    if (ndim > 1) {
      throw new FraiseqlError(
        'FRAISEQL_OPERATION_NOT_SUPPORTED',
        `Column "${this.columnName}" holds a ${ndim}-dimensional array; only one-dimensional arrays map to an Arrow List`,
        { details: { column: this.columnName } },
      );
    }
    if (ndim === 1) {
      const size = view.getInt32(offset + 12);
      let p = offset + 20;
      const end = offset + length;
      for (let i = 0; i < size; i++) {
        const elementLength = view.getInt32(p);
        p += 4;
        if (elementLength < 0) {
          this.child.appendNull();
        } else {
          if (p + elementLength > end) throw new FraiseqlError('FRAISEQL_DB_ERROR', `Column "${this.columnName}": truncated array value`);
          this.child.append(src, view, p, elementLength);
          p += elementLength;
        }
      }
    }
    this.length++;
    this.offsets[this.length] = this.child.length;
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
    // The elements of the rows' arrays are gathered first, then appended to the child in one call.
    let count = 0;
    let row = this.length;
    if (row + rows + 1 >= this.offsets.length) {
      let size = this.offsets.length * 2;
      while (size < row + rows + 2) size *= 2;
      const grown = new Int32Array(size);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    const offsets = this.offsets;
    const base = this.child.length;
    for (let r = 0, i = column; r < rows; r++, i += stride) {
      const length = lengths[i]!;
      if (length < 0) {
        this.validity.setNull(row, this.initialCapacity);
      } else {
        const offset = starts[i]!;
        const ndim = view.getInt32(offset);
        if (ndim > 1) {
          this.length = row;
          this.append(src, view, offset, length); // throws the dimensions error
        }
        if (ndim === 1) {
          const size = view.getInt32(offset + 12);
          if (count + size > this.elementStarts.length) this.growElements(count + size);
          const elementStarts = this.elementStarts;
          const elementLengths = this.elementLengths;
          let p = offset + 20;
          const end = offset + length;
          for (let k = 0; k < size; k++) {
            const elementLength = view.getInt32(p);
            p += 4;
            if (elementLength >= 0 && p + elementLength > end) {
              throw new FraiseqlError('FRAISEQL_DB_ERROR', `Column "${this.columnName}": truncated array value`);
            }
            elementStarts[count] = p;
            elementLengths[count++] = elementLength;
            if (elementLength > 0) p += elementLength;
          }
        }
      }
      offsets[++row] = base + count;
    }
    this.length = row;
    if (count > 0) this.child.appendColumn(src, view, this.elementStarts, this.elementLengths, 1, 0, count);
  }

  private growElements(needed: number): void {
    let size = Math.max(this.elementStarts.length * 2, 256);
    while (size < needed) size *= 2;
    const starts = new Int32Array(size);
    const lengths = new Int32Array(size);
    starts.set(this.elementStarts);
    lengths.set(this.elementLengths);
    this.elementStarts = starts;
    this.elementLengths = lengths;
  }

  finish(): Data {
    const length = this.length;
    const nullCount = this.validity.nullCount;
    const nullBitmap = this.validity.take(length);
    const valueOffsets = this.offsets.subarray(0, length + 1);
    const child = this.child.finish();
    this.offsets = allocateInt32(this.pool, nextCapacity(length, this.initialCapacity) + 1);
    this.length = 0;
    return makeData({ type: new List(this.childField), length, nullCount, nullBitmap, valueOffsets, child });
  }

  private ensureRow(): void {
    if (this.length + 2 > this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
  }
}
