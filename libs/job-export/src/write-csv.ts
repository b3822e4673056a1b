import { stringify } from 'csv-stringify/sync';
import { makeVector, Type, type Data, type Field, type RecordBatch } from 'apache-arrow';

const decoder = new TextDecoder();
type Cell = string | null;
type CellReader = (row: number) => Cell;

/**
 * Encodes RecordBatches as CSV (RFC 4180, a header row of column names, `\n` line ends) with csv-stringify,
 * one batch at a time. Values are PostgreSQL-like text: numbers as written, decimals exact, booleans
 * `true`/`false`, timestamps RFC 3339 with microseconds (`Z` when the column has a time zone), dates
 * `YYYY-MM-DD`, UUIDs in their 36-character form, binary as `\x` hex, lists as JSON arrays; null is an
 * empty field.
 */
export async function* recordBatchesToCsv(batches: AsyncIterable<RecordBatch>): AsyncGenerator<Uint8Array, void, undefined> {
  const encoder = new TextEncoder();
  let header = true;
  for await (const batch of batches) {
    const fields = batch.schema.fields;
    const readers = fields.map((field, j) => cellReader(field, batch.data.children[j]!));
    const rows: Cell[][] = new Array(batch.numRows);
    for (let i = 0; i < batch.numRows; i++) {
      const row: Cell[] = new Array(readers.length);
      for (let j = 0; j < readers.length; j++) row[j] = readers[j]!(i);
      rows[i] = row;
    }
    const text = stringify(rows, { header, columns: fields.map((f) => f.name), eof: true, cast: { boolean: String } });
    header = false;
    if (text.length > 0) yield encoder.encode(text);
  }
}

function cellReader(field: Field, data: Data): CellReader {
  const read = valueReader(field, data);
  if (data.nullCount === 0) return read;
  return (i) => (data.getValid(i) ? read(i) : null);
}

function valueReader(field: Field, data: Data): CellReader {
  const offset = data.offset;
  const type = data.type as { typeId: Type; scale?: number; unit?: number; timezone?: string | null; byteWidth?: number };
  switch (type.typeId) {
    case Type.Int:
    case Type.Float: {
      const values = data.values as ArrayLike<number | bigint>;
      return (i) => String(values[offset + i]);
    }
    case Type.Bool: {
      const bits = data.values as Uint8Array;
      return (i) => ((bits[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1 ? 'true' : 'false');
    }
    case Type.Utf8: {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      return (i) => decoder.decode(bytes.subarray(offsets[offset + i]!, offsets[offset + i + 1]!));
    }
    case Type.Binary: {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      return (i) => `\\x${Buffer.from(bytes.subarray(offsets[offset + i]!, offsets[offset + i + 1]!)).toString('hex')}`;
    }
    case Type.FixedSizeBinary: {
      const width = type.byteWidth!;
      const bytes = data.values as Uint8Array;
      const uuid = field.metadata.get('ARROW:extension:name') === 'arrow.uuid' && width === 16;
      return (i) => {
        const hex = Buffer.from(bytes.subarray((offset + i) * width, (offset + i + 1) * width)).toString('hex');
        return uuid ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` : `\\x${hex}`;
      };
    }
    case Type.Decimal: {
      const words = data.values as Uint32Array;
      const scale = type.scale!;
      return (i) => formatDecimal(words, (offset + i) * 4, scale);
    }
    case Type.Date: {
      const days = data.values as Int32Array;
      return (i) => formatDate(days[offset + i]!);
    }
    case Type.Timestamp: {
      const micros = data.values as BigInt64Array;
      const zone = type.timezone ? 'Z' : '';
      return (i) => formatTimestamp(micros[offset + i]!, zone);
    }
    case Type.List: {
      const offsets = data.valueOffsets as Int32Array;
      const child = data.children[0]!;
      const childField = (field.type as { children: Field[] }).children[0]!;
      const item = cellReader(childField, child);
      const numeric = child.typeId === Type.Int || child.typeId === Type.Float || child.typeId === Type.Bool;
      return (i) => {
        const items: unknown[] = [];
        for (let k = offsets[offset + i]!; k < offsets[offset + i + 1]!; k++) {
          const value = item(k);
          items.push(value === null || !numeric ? value : JSON.parse(value));
        }
        return JSON.stringify(items);
      };
    }
    default: {
      // Types libs/arrow does not produce today: Arrow's own value, as text or JSON.
      const vector = makeVector(data);
      return (i) => {
        const value: unknown = vector.get(i);
        return typeof value === 'string' ? value : JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      };
    }
  }
}

/** An exact decimal from Decimal128's four little-endian 32-bit words (two's complement). */
function formatDecimal(words: Uint32Array, at: number, scale: number): string {
  const unscaled =
    (BigInt(words[at + 3]! | 0) << 96n) | (BigInt(words[at + 2]!) << 64n) | (BigInt(words[at + 1]!) << 32n) | BigInt(words[at]!);
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) return (negative ? '-' : '') + digits + '0'.repeat(-scale);
  const padded = digits.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function formatDate(days: number): string {
  if (days === INT32_MAX) return 'infinity';
  if (days === INT32_MIN) return '-infinity';
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

function formatTimestamp(micros: bigint, zone: string): string {
  if (micros === INT64_MAX) return 'infinity';
  if (micros === INT64_MIN) return '-infinity';
  let seconds = micros / 1_000_000n;
  let fraction = micros % 1_000_000n;
  if (fraction < 0n) {
    fraction += 1_000_000n;
    seconds -= 1n;
  }
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction.toString().padStart(6, '0')}${zone}`;
}
