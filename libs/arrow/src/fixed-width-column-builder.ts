import { makeData, type Data, type DataType } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import type { BufferPool } from './buffer-pool';
import { ValidityBitmap, allocateBytes, growBytes, nextCapacity, type ColumnBuilder } from './column-builder';

/** How a fixed-width PostgreSQL value becomes its Arrow bytes. */
export type FixedWidthEncoding =
  /** Big-endian integer or IEEE float of `width` bytes, stored little-endian. */
  | 'swap'
  /** date: int32 days since 2000-01-01 → days since 1970-01-01. */
  | 'date'
  /** timestamp(tz): int64 µs since 2000-01-01 → µs since 1970-01-01. */
  | 'timestamp'
  /** uuid (and other opaque bytes): copied as they are. */
  | 'copy';

const DAYS_2000_SINCE_1970 = 10957;
// 946684800000000 µs = 2000-01-01 in Unix µs, split into 32-bit halves for carry arithmetic.
const EPOCH_SHIFT_HI = 220417;
const EPOCH_SHIFT_LO = 946684800000000 - 220417 * 4294967296;
const INT32_MAX = 0x7fffffff;
const INT32_MIN = -0x80000000;

/**
 * Ints, floats, dates, timestamps and uuids: each value lands in one slot of a growing
 * byte buffer, converted byte by byte (no number or BigInt is created per value).
 * PostgreSQL's ±infinity dates and timestamps keep their sentinel (int32/int64 max/min).
 */
export class FixedWidthColumnBuilder implements ColumnBuilder {
  length = 0;
  private bytes: Uint8Array;
  private readonly validity = new ValidityBitmap();

  constructor(
    private readonly type: DataType,
    private readonly width: number,
    private readonly encoding: FixedWidthEncoding,
    private readonly columnName: string,
    private readonly initialCapacity: number,
    private readonly pool?: BufferPool,
  ) {
    this.bytes = new Uint8Array(width * initialCapacity);
  }

  appendNull(): void {
    this.ensure();
    this.validity.setNull(this.length, this.initialCapacity);
    this.bytes.fill(0, this.length * this.width, (this.length + 1) * this.width);
    this.length++;
  }

  append(src: Uint8Array, view: DataView, offset: number, length: number): void {
    const width = this.width;
    if (length !== width) {
      throw new FraiseqlError(
        'FRAISEQL_DB_ERROR',
        `Column "${this.columnName}": expected a ${width}-byte binary value, got ${length} bytes`,
      );
    }
    this.ensure();
    const bytes = this.bytes;
    const at = this.length * width;
    switch (this.encoding) {
      case 'swap':
        for (let i = 0; i < width; i++) bytes[at + i] = src[offset + width - 1 - i]!;
        break;
      case 'copy':
        for (let i = 0; i < width; i++) bytes[at + i] = src[offset + i]!;
        break;
      case 'date': {
        const days = view.getInt32(offset);
        const shifted = days === INT32_MAX || days === INT32_MIN ? days : days + DAYS_2000_SINCE_1970;
        writeInt32LE(bytes, at, shifted);
        break;
      }
      case 'timestamp': {
        const hi = view.getInt32(offset);
        const lo = view.getUint32(offset + 4);
        const infinite = (hi === INT32_MAX && lo === 0xffffffff) || (hi === INT32_MIN && lo === 0);
        if (infinite) {
          writeInt32LE(bytes, at, lo | 0);
          writeInt32LE(bytes, at + 4, hi);
        } else {
          const sumLo = lo + EPOCH_SHIFT_LO;
          const carry = sumLo >= 4294967296 ? 1 : 0;
          writeInt32LE(bytes, at, sumLo | 0);
          writeInt32LE(bytes, at + 4, (hi + EPOCH_SHIFT_HI + carry) | 0);
        }
        break;
      }
    }
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
    const width = this.width;
    const first = this.length;
    const needed = (first + rows) * width;
    if (needed > this.bytes.length) this.bytes = growBytes(this.bytes, first * width, needed);
    // NULLs and wrong sizes first (rare); slots of NULLs stay zero.
    for (let r = 0, i = column; r < rows; r++, i += stride) {
      const length = lengths[i]!;
      if (length === width) continue;
      if (length < 0) {
        this.validity.setNull(first + r, this.initialCapacity);
      } else {
        this.length = first + r;
        this.append(src, view, starts[i]!, length); // throws the size error
      }
    }
    // Then one tight loop per conversion. Integers are copied bit for bit (a float read as a
    // number could change a NaN's payload).
    const out = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    const last = column + rows * stride;
    let at = first * width;
    switch (this.encoding === 'swap' ? width : this.encoding) {
      case 8:
        for (let i = column; i < last; i += stride, at += 8) {
          if (lengths[i]! < 0) continue;
          const offset = starts[i]!;
          out.setInt32(at, view.getInt32(offset + 4), true);
          out.setInt32(at + 4, view.getInt32(offset), true);
        }
        break;
      case 4:
        for (let i = column; i < last; i += stride, at += 4) if (lengths[i]! >= 0) out.setInt32(at, view.getInt32(starts[i]!), true);
        break;
      case 2:
        for (let i = column; i < last; i += stride, at += 2) if (lengths[i]! >= 0) out.setInt16(at, view.getInt16(starts[i]!), true);
        break;
      case 'copy':
        for (let i = column; i < last; i += stride, at += width) {
          if (lengths[i]! < 0) continue;
          const offset = starts[i]!;
          let k = 0;
          for (; k + 4 <= width; k += 4) out.setInt32(at + k, view.getInt32(offset + k));
          for (; k < width; k++) out.setUint8(at + k, src[offset + k]!);
        }
        break;
      case 'date':
        for (let i = column; i < last; i += stride, at += 4) {
          if (lengths[i]! < 0) continue;
          const days = view.getInt32(starts[i]!);
          out.setInt32(at, days === INT32_MAX || days === INT32_MIN ? days : days + DAYS_2000_SINCE_1970, true);
        }
        break;
      case 'timestamp':
        for (let i = column; i < last; i += stride, at += 8) {
          if (lengths[i]! < 0) continue;
          const offset = starts[i]!;
          const hi = view.getInt32(offset);
          const lo = view.getUint32(offset + 4);
          if ((hi === INT32_MAX && lo === 0xffffffff) || (hi === INT32_MIN && lo === 0)) {
            out.setInt32(at, lo | 0, true);
            out.setInt32(at + 4, hi, true);
          } else {
            const sumLo = lo + EPOCH_SHIFT_LO;
            out.setInt32(at, sumLo | 0, true);
            out.setInt32(at + 4, (hi + EPOCH_SHIFT_HI + (sumLo >= 4294967296 ? 1 : 0)) | 0, true);
          }
        }
        break;
      default:
        // 'swap' of another width (none is mapped today): byte by byte.
        for (let i = column; i < last; i += stride, at += width) {
          if (lengths[i]! < 0) continue;
          const offset = starts[i]!;
          for (let k = 0; k < width; k++) out.setUint8(at + k, src[offset + width - 1 - k]!);
        }
    }
    this.length = first + rows;
  }

  finish(): Data {
    const length = this.length;
    const nullCount = this.validity.nullCount;
    const nullBitmap = this.validity.take(length);
    const ArrayType = this.type.ArrayType as new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayLike<unknown>;
    const elementsPerValue = this.width / (ArrayType as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const data = new ArrayType(this.bytes.buffer as ArrayBuffer, 0, length * elementsPerValue);
    this.bytes = allocateBytes(this.pool, this.width * nextCapacity(length, this.initialCapacity));
    this.length = 0;
    return makeData({ type: this.type, length, nullCount, nullBitmap, data } as never);
  }

  private ensure(): void {
    const needed = (this.length + 1) * this.width;
    if (needed > this.bytes.length) this.bytes = growBytes(this.bytes, this.length * this.width, needed);
  }
}

function writeInt32LE(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = (value >>> 24) & 0xff;
}
