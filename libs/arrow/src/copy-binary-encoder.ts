import { DataType, type Data, type RecordBatch, type Vector } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import { PG_TYPE } from './pg-type-oids';

/** The PostgreSQL column types a COPY BINARY upload can fill (the types of the mapping table). */
export type CopyColumnType =
  | 'int2'
  | 'int4'
  | 'int8'
  | 'float4'
  | 'float8'
  | 'numeric'
  | 'text'
  | 'varchar'
  | 'bool'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'uuid'
  | 'jsonb'
  | 'json'
  | 'bytea';

/** One column of the COPY target, in COPY column order. */
export interface CopyTargetColumn {
  name: string;
  type: CopyColumnType;
  /** A one-dimensional array of `type`. */
  array: boolean;
  nullable: boolean;
  /** Where the values come from: a column of the uploaded batches, or one fixed value for every row (already encoded). */
  source: { field: string } | { constant: Uint8Array };
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const POSTGRES_EPOCH_DAYS = 10_957; // 2000-01-01 − 1970-01-01
const POSTGRES_EPOCH_MICROS = 946_684_800_000_000n;
const MS_PER_DAY = 86_400_000;

const mismatch = (message: string, column: string): FraiseqlError =>
  new FraiseqlError('FRAISEQL_PUT_SCHEMA_MISMATCH', message, { details: { column } });
const badValue = (message: string, column: string, row: number): FraiseqlError =>
  new FraiseqlError('BAD_USER_INPUT', message, { details: { column, row } });

/** A growable byte buffer written big-endian, as the COPY format wants. */
class ByteWriter {
  buffer = Buffer.allocUnsafe(64 * 1024);
  length = 0;

  ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
  int16(v: number): void {
    this.ensure(2);
    this.buffer.writeInt16BE(v, this.length);
    this.length += 2;
  }
  int32(v: number): void {
    this.ensure(4);
    this.buffer.writeInt32BE(v, this.length);
    this.length += 4;
  }
  uint16(v: number): void {
    this.ensure(2);
    this.buffer.writeUInt16BE(v, this.length);
    this.length += 2;
  }
  int64(v: bigint): void {
    this.ensure(8);
    this.buffer.writeBigInt64BE(v, this.length);
    this.length += 8;
  }
  float32(v: number): void {
    this.ensure(4);
    this.buffer.writeFloatBE(v, this.length);
    this.length += 4;
  }
  float64(v: number): void {
    this.ensure(8);
    this.buffer.writeDoubleBE(v, this.length);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buffer.set(b, this.length);
    this.length += b.length;
  }
  /** Reserves an int32 length slot; returns its position for `closeLength`. */
  openLength(): number {
    this.ensure(4);
    const at = this.length;
    this.length += 4;
    return at;
  }
  closeLength(at: number): void {
    this.buffer.writeInt32BE(this.length - at - 4, at);
  }
  take(): Buffer {
    const out = Buffer.from(this.buffer.subarray(0, this.length));
    this.length = 0;
    return out;
  }
}

type ValueWriter = (out: ByteWriter, row: number) => void;

interface BoundColumn {
  name: string;
  nullable: boolean;
  isNull: (row: number) => boolean;
  write: ValueWriter;
  constant?: Uint8Array;
}

/**
 * Encodes Arrow RecordBatches as PostgreSQL `COPY … FROM STDIN (FORMAT binary)` input: the
 * reverse of CopyBinaryDecoder. Fixed-width values are read straight from the column buffers;
 * strings, decimals and lists through the vectors. `checkSchema` refuses, before any byte is
 * sent, an upload whose columns cannot fill the target (FRAISEQL_PUT_SCHEMA_MISMATCH); a value
 * that does not fit (integer overflow, bad UUID text, null in a non-null column) is BAD_USER_INPUT
 * naming column and row.
 */
export class CopyBinaryEncoder {
  constructor(private readonly columns: readonly CopyTargetColumn[]) {}

  /** The COPY header: signature, flags, header extension length. */
  header(): Buffer {
    const out = Buffer.alloc(SIGNATURE.length + 8);
    SIGNATURE.copy(out, 0);
    return out;
  }

  /** The COPY trailer (a field count of −1). */
  trailer(): Buffer {
    return Buffer.from([0xff, 0xff]);
  }

  /** Throws FRAISEQL_PUT_SCHEMA_MISMATCH when a batch with these fields cannot fill the target. */
  checkSchema(fields: ReadonlyArray<{ name: string; type: DataType }>): void {
    const byName = new Map(fields.map((f) => [f.name, f.type] as const));
    for (const column of this.columns) {
      if (!('field' in column.source)) continue;
      const type = byName.get(column.source.field);
      if (type === undefined) throw mismatch(`The upload has no column "${column.source.field}".`, column.name);
      if (!accepts(column, type)) {
        throw mismatch(
          `Column "${column.name}" is ${describe(column)} in PostgreSQL; an Arrow ${String(type)} cannot fill it.`,
          column.name,
        );
      }
    }
  }

  /** The COPY rows of one batch. */
  encode(batch: RecordBatch): Buffer {
    const bound = this.columns.map((column) => bind(column, batch));
    const out = new ByteWriter();
    out.ensure(batch.numRows * (2 + bound.length * 8));
    for (let row = 0; row < batch.numRows; row++) {
      out.int16(bound.length);
      for (const column of bound) {
        if (column.constant) {
          out.int32(column.constant.length);
          out.bytes(column.constant);
        } else if (column.isNull(row)) {
          if (!column.nullable)
            throw badValue(`Row ${row} of the batch has a null in column "${column.name}", which is NOT NULL.`, column.name, row);
          out.int32(-1);
        } else {
          const at = out.openLength();
          column.write(out, row);
          out.closeLength(at);
        }
      }
    }
    return out.take();
  }
}

/** The binary encoding of one uuid given as text (for constants such as the caller's org). */
export function uuidToBinary(text: string): Uint8Array {
  const hex = text.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new FraiseqlError('BAD_USER_INPUT', `"${text}" is not a UUID.`);
  return Buffer.from(hex, 'hex');
}

function describe(column: CopyTargetColumn): string {
  return column.array ? `${column.type}[]` : column.type;
}

function accepts(column: CopyTargetColumn, type: DataType): boolean {
  if (column.array) {
    if (!DataType.isList(type)) return false;
    return acceptsScalar(column.type, (type.children[0] as { type: DataType }).type);
  }
  return acceptsScalar(column.type, type);
}

function acceptsScalar(target: CopyColumnType, type: DataType): boolean {
  switch (target) {
    case 'int2':
    case 'int4':
    case 'int8':
      return DataType.isInt(type);
    case 'float4':
    case 'float8':
      return DataType.isFloat(type) || DataType.isInt(type);
    case 'numeric':
      return DataType.isDecimal(type) || DataType.isInt(type) || DataType.isFloat(type) || DataType.isUtf8(type);
    case 'text':
    case 'varchar':
    case 'json':
    case 'jsonb':
      return DataType.isUtf8(type) || DataType.isLargeUtf8(type);
    case 'bool':
      return DataType.isBool(type);
    case 'date':
      return DataType.isDate(type);
    case 'timestamp':
    case 'timestamptz':
      return DataType.isTimestamp(type);
    case 'uuid':
      return (DataType.isFixedSizeBinary(type) && type.byteWidth === 16) || DataType.isUtf8(type);
    case 'bytea':
      return DataType.isBinary(type) || DataType.isLargeBinary(type);
    default:
      return false;
  }
}

function bind(column: CopyTargetColumn, batch: RecordBatch): BoundColumn {
  if ('constant' in column.source)
    return { name: column.name, nullable: column.nullable, isNull: () => false, write: () => undefined, constant: column.source.constant };
  const vector = batch.getChild(column.source.field) as Vector | null;
  if (!vector) throw mismatch(`The upload has no column "${column.source.field}".`, column.name);
  const data = vector.data[0] as Data;
  const isNull = data.nullCount === 0 ? () => false : (row: number) => !data.getValid(row);
  if (column.array) {
    const elementOid = PG_TYPE[column.type];
    const childType = (vector.type as { children: Array<{ type: DataType }> }).children[0]!.type;
    const writeElement = scalarWriterForValues(column.type, childType, column.name);
    const write: ValueWriter = (out, row) => {
      const items = vector.get(row) as Vector;
      let hasNull = 0;
      for (let i = 0; i < items.length; i++) if (!items.isValid(i)) hasNull = 1;
      out.int32(1); // ndim
      out.int32(hasNull);
      out.int32(elementOid);
      out.int32(items.length);
      out.int32(1); // lower bound
      for (let i = 0; i < items.length; i++) {
        if (!items.isValid(i)) {
          out.int32(-1);
          continue;
        }
        const at = out.openLength();
        writeElement(out, items.get(i), row);
        out.closeLength(at);
      }
    };
    return { name: column.name, nullable: column.nullable, isNull, write };
  }
  return { name: column.name, nullable: column.nullable, isNull, write: scalarWriter(column, data, vector) };
}

/** Fast writers read the column buffers; the others go through `vector.get`. */
function scalarWriter(column: CopyTargetColumn, data: Data, vector: Vector): ValueWriter {
  const type = data.type as DataType;
  const values = data.values as ArrayLike<number | bigint> & { BYTES_PER_ELEMENT?: number };
  const offset = data.offset;
  if ((column.type === 'int2' || column.type === 'int4' || column.type === 'int8') && DataType.isInt(type)) {
    const writeInt = intWriter(column.type, column.name);
    return (out, row) => writeInt(out, values[offset + row] as number | bigint, row);
  }
  if (column.type === 'timestamp' || column.type === 'timestamptz') {
    const perMicro = TIME_UNIT_PER_MICRO[(type as unknown as { unit: number }).unit] ?? 1;
    return (out, row) => {
      const raw = BigInt(values[offset + row] as number | bigint);
      const micros = perMicro >= 1 ? raw * BigInt(perMicro) : raw / BigInt(Math.round(1 / perMicro));
      out.int64(micros - POSTGRES_EPOCH_MICROS);
    };
  }
  if (column.type === 'date') {
    const unitIsDay = (type as unknown as { unit: number }).unit === 0;
    return (out, row) => {
      if (unitIsDay) out.int32(Number(values[offset + row]) - POSTGRES_EPOCH_DAYS);
      else out.int32(Math.floor(Number(vector.get(row)) / MS_PER_DAY) - POSTGRES_EPOCH_DAYS);
    };
  }
  if (column.type === 'uuid' && DataType.isFixedSizeBinary(type)) {
    const bytes = data.values as Uint8Array;
    return (out, row) => out.bytes(bytes.subarray((offset + row) * 16, (offset + row + 1) * 16));
  }
  if (column.type === 'bool') {
    return (out, row) => {
      out.ensure(1);
      out.buffer[out.length++] = vector.get(row) ? 1 : 0;
    };
  }
  const writeValue = scalarWriterForValues(column.type, type, column.name);
  return (out, row) => writeValue(out, vector.get(row), row);
}

const INT_RANGE: Record<'int2' | 'int4' | 'int8', [bigint, bigint]> = {
  int2: [-32768n, 32767n],
  int4: [-2147483648n, 2147483647n],
  int8: [-(2n ** 63n), 2n ** 63n - 1n],
};

/**
 * Writes an Arrow integer (a number from 8–32-bit columns, a bigint from 64-bit ones) as int2/4/8,
 * refusing a value that does not fit. Numbers are checked as numbers: no BigInt per row.
 */
function intWriter(target: 'int2' | 'int4' | 'int8', columnName: string): (out: ByteWriter, value: number | bigint, row: number) => void {
  const [min, max] = INT_RANGE[target];
  const [minN, maxN] = [Number(min), Number(max)];
  const refuse = (value: number | bigint, row: number): never => {
    throw badValue(`Row ${row}: ${value} does not fit column "${columnName}" (${target}).`, columnName, row);
  };
  return (out, value, row) => {
    if (typeof value === 'number') {
      if (value < minN || value > maxN) refuse(value, row);
      if (target === 'int2') out.int16(value);
      else if (target === 'int4') out.int32(value);
      else out.int64(BigInt(value));
    } else {
      if (value < min || value > max) refuse(value, row);
      if (target === 'int8') out.int64(value);
      else if (target === 'int4') out.int32(Number(value));
      else out.int16(Number(value));
    }
  };
}

/** Arrow TimeUnit (SECOND 0, MILLISECOND 1, MICROSECOND 2, NANOSECOND 3) → factor to microseconds. */
const TIME_UNIT_PER_MICRO: Record<number, number> = { 0: 1_000_000, 1: 1000, 2: 1, 3: 0.001 };

/** A writer of one value as returned by `Vector.get` (also used for list elements). */
function scalarWriterForValues(
  target: CopyColumnType,
  type: DataType,
  columnName: string,
): (out: ByteWriter, value: unknown, row: number) => void {
  switch (target) {
    case 'int2':
    case 'int4':
    case 'int8': {
      const writeInt = intWriter(target, columnName);
      return (out, value, row) => writeInt(out, value as number | bigint, row);
    }
    case 'float4':
      return (out, value) => out.float32(Number(value));
    case 'float8':
      return (out, value) => out.float64(Number(value));
    case 'numeric': {
      const scale = DataType.isDecimal(type) ? type.scale : 0;
      return (out, value, row) => writeNumeric(out, numericText(value, scale), columnName, row);
    }
    case 'text':
    case 'varchar':
    case 'json':
      return (out, value) => out.bytes(Buffer.from(String(value), 'utf8'));
    case 'jsonb':
      return (out, value) => {
        out.bytes(JSONB_VERSION);
        out.bytes(Buffer.from(String(value), 'utf8'));
      };
    case 'bool':
      return (out, value) => {
        out.ensure(1);
        out.buffer[out.length++] = value ? 1 : 0;
      };
    case 'bytea':
      return (out, value) => out.bytes(value as Uint8Array);
    case 'uuid':
      return (out, value, row) => {
        if (value instanceof Uint8Array) {
          out.bytes(value);
          return;
        }
        try {
          out.bytes(uuidToBinary(String(value)));
        } catch {
          throw badValue(`Row ${row}: "${String(value)}" in column "${columnName}" is not a UUID.`, columnName, row);
        }
      };
    case 'date':
      return (out, value) => out.int32(Math.floor(Number(value) / MS_PER_DAY) - POSTGRES_EPOCH_DAYS);
    // List elements only (top-level timestamps read the buffer): Vector.get is milliseconds in apache-arrow 21.
    case 'timestamp':
    case 'timestamptz':
      return (out, value) => out.int64(BigInt(Math.round(Number(value) * 1000)) - POSTGRES_EPOCH_MICROS);
    default:
      throw mismatch(`Column "${columnName}" has a type (${String(target)}) that uploads do not support.`, columnName);
  }
}

const JSONB_VERSION = Uint8Array.of(1);

/** A decimal's exact text: apache-arrow hands Decimal128 values out as four little-endian uint32 words. */
function numericText(value: unknown, scale: number): string {
  if (value instanceof Uint32Array) {
    let n = 0n;
    for (let i = 3; i >= 0; i--) n = (n << 32n) | BigInt(value[i]!);
    if (n >= 1n << 127n) n -= 1n << 128n;
    const negative = n < 0n;
    let digits = (negative ? -n : n).toString();
    if (scale > 0) {
      digits = digits.padStart(scale + 1, '0');
      digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
    }
    return negative ? `-${digits}` : digits;
  }
  return String(value);
}

const NUMERIC_TEXT = /^([+-])?(\d*)(?:\.(\d*))?$/;

/** PostgreSQL's binary numeric from its text form (digits, optional sign and fraction; NaN). */
function writeNumeric(out: ByteWriter, text: string, columnName: string, row: number): void {
  if (text === 'NaN') {
    out.int16(0);
    out.int16(0);
    out.uint16(0xc000);
    out.int16(0);
    return;
  }
  const match = NUMERIC_TEXT.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === ''))
    throw badValue(`Row ${row}: "${text}" in column "${columnName}" is not a decimal number.`, columnName, row);
  const negative = match[1] === '-';
  const intPart = (match[2] ?? '').replace(/^0+/, '');
  const fracPart = match[3] ?? '';
  const dscale = fracPart.length;
  // Group digits in base 10000 around the decimal point.
  const intPadded = intPart.padStart(Math.ceil(intPart.length / 4) * 4, '0');
  const fracPadded = fracPart.padEnd(Math.ceil(fracPart.length / 4) * 4, '0');
  const groups: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) groups.push(Number(intPadded.slice(i, i + 4)));
  for (let i = 0; i < fracPadded.length; i += 4) groups.push(Number(fracPadded.slice(i, i + 4)));
  let weight = intPadded.length / 4 - 1;
  // Strip leading and trailing zero groups (PostgreSQL's canonical form).
  let start = 0;
  while (start < groups.length && groups[start] === 0) {
    start++;
    weight--;
  }
  let end = groups.length;
  while (end > start && groups[end - 1] === 0) end--;
  const digits = groups.slice(start, end);
  out.int16(digits.length);
  out.int16(digits.length === 0 ? 0 : weight);
  out.uint16(negative && digits.length > 0 ? 0x4000 : 0);
  out.int16(dscale);
  for (const d of digits) out.int16(d);
}
