import { List, makeData, type Data, type Field } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import { ValidityBitmap, nextCapacity, type ColumnBuilder } from './column-builder';

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
  private readonly validity = new ValidityBitmap();

  constructor(
    private readonly childField: Field,
    private readonly child: ColumnBuilder,
    private readonly columnName: string,
    private readonly initialCapacity: number,
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

  finish(): Data {
    const length = this.length;
    const nullCount = this.validity.nullCount;
    const nullBitmap = this.validity.take(length);
    const valueOffsets = this.offsets.subarray(0, length + 1);
    const child = this.child.finish();
    this.offsets = new Int32Array(nextCapacity(length, this.initialCapacity) + 1);
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
