import type { Data, RecordBatch } from 'apache-arrow';

const FNV_PRIME = 0x01000193;
const FNV_OFFSET = 0x811c9dc5;

/**
 * A running checksum per column over a stream of RecordBatches: every buffer of every column (validity,
 * offsets, values, children, dictionaries), with each Data's type, length and null count. Two reads of
 * the same stream (by two decoders, or two transports) agree column by column when their batches hold
 * the same bytes (a checksum, not a cryptographic hash); one pass reads each byte once, as 32-bit words
 * where aligned.
 */
export class ColumnChecksums {
  private readonly sums = new Map<string, number>();
  rows = 0;
  batches = 0;

  add(batch: RecordBatch): void {
    const fields = batch.schema.fields;
    const columns = batch.data.children;
    for (let i = 0; i < fields.length; i++) {
      const name = fields[i]!.name;
      this.sums.set(name, hashData(this.sums.get(name) ?? FNV_OFFSET, columns[i]!));
    }
    this.rows += batch.numRows;
    this.batches++;
  }

  /** Column name → checksum (8 hex digits), in schema order. */
  toJSON(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, sum] of this.sums) out[name] = (sum >>> 0).toString(16).padStart(8, '0');
    return out;
  }

  equals(other: ColumnChecksums): boolean {
    return this.rows === other.rows && this.batches === other.batches && JSON.stringify(this.toJSON()) === JSON.stringify(other.toJSON());
  }
}

function hashData(h: number, data: Data): number {
  h = mix(h, data.typeId);
  h = mix(h, data.length);
  h = mix(h, data.nullCount);
  if (data.nullCount > 0 && data.nullBitmap) h = hashBytes(h, data.nullBitmap.subarray(0, (data.offset + data.length + 7) >> 3));
  if (data.valueOffsets) h = hashBytes(h, data.valueOffsets);
  if (data.values) h = hashBytes(h, data.values);
  if (data.typeIds) h = hashBytes(h, data.typeIds);
  for (const child of data.children) h = hashData(h, child);
  if (data.dictionary) for (const chunk of data.dictionary.data) h = hashData(h, chunk);
  return h;
}

function mix(h: number, value: number): number {
  return Math.imul(h ^ (value | 0), FNV_PRIME);
}

/** Fletcher-style over 32-bit words (two running sums: order-sensitive, one add each per word), then mixed in. */
function hashBytes(h: number, view: ArrayBufferView): number {
  const byteLength = view.byteLength;
  let a = 0;
  let b = 0;
  let at = 0;
  if (view.byteOffset % 4 === 0) {
    const words = new Int32Array(view.buffer, view.byteOffset, byteLength >> 2);
    for (let i = 0; i < words.length; i++) {
      a = (a + (words[i] as number)) | 0;
      b = (b + a) | 0;
    }
    at = words.length << 2;
  }
  if (at < byteLength) {
    const bytes = new Uint8Array(view.buffer, view.byteOffset, byteLength);
    for (let i = at; i < byteLength; i++) {
      a = (a + (bytes[i] as number)) | 0;
      b = (b + a) | 0;
    }
  }
  return mix(mix(mix(h, byteLength), a), b);
}
