import { FraiseqlError } from '@fraiseql/errors';

/** The fields of an EntityEvent (libs/events) written to fraiseql_events; an EntityEvent is one. */
export interface FraiseqlEventRow {
  event_id: string;
  seq: number;
  event_type: string;
  entity_type: string;
  entity_id: string;
  org_id: string | null;
  user_id: string | null;
  /** RFC 3339 UTC with six fractional digits: `2024-03-01T09:05:00.123456Z`. */
  timestamp: string;
  data: object;
  before: object | null;
  changed_fields: readonly string[];
  schema_version: string | null;
}

/** The columns encodeEventsRowBinary writes, in order (`ingested_at` takes its default). */
export const FRAISEQL_EVENTS_ROW_BINARY_COLUMNS = [
  'event_id',
  'seq',
  'event_type',
  'entity_type',
  'entity_id',
  'org_id',
  'user_id',
  'timestamp',
  'data',
  'before',
  'changed_fields',
  'schema_version',
] as const;

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Offsets of the 32 hex digits in the textual UUID. */
const HEX_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) NIBBLE[65 + i] = NIBBLE[97 + i] = 10 + i;
const TWO_32 = 2 ** 32;

/**
 * The events as RowBinary rows of fraiseql_events (FRAISEQL_EVENTS_ROW_BINARY_COLUMNS): the sink's insert format
 * (docs/adr/0120-clickhouse-storage.md). One buffer, written in place; `data`/`before` as JSON text, a null org
 * as ''. A value the columns cannot hold (an event_id that is no UUID, an unsafe seq, a timestamp not in the v1
 * form) is FRAISEQL_BAD_MESSAGE naming the event's index, before anything is sent.
 */
export function encodeEventsRowBinary(events: readonly FraiseqlEventRow[]): Uint8Array {
  const out = new RowBinaryWriter(events.length * 384 + 64);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    out.uuid(e.event_id, i);
    if (!Number.isSafeInteger(e.seq) || e.seq < 0) throw bad(i, `seq ${String(e.seq)} is not a safe non-negative integer`);
    out.uint64(e.seq);
    out.string(e.event_type);
    out.string(e.entity_type);
    out.string(e.entity_id);
    out.string(e.org_id ?? '');
    out.nullableString(e.user_id);
    out.uint64(timestampMicros(e.timestamp, i));
    out.string(JSON.stringify(e.data));
    out.nullableString(e.before === null ? null : JSON.stringify(e.before));
    out.varUInt(e.changed_fields.length);
    for (const field of e.changed_fields) out.string(field);
    out.nullableString(e.schema_version);
  }
  return out.finish();
}

class RowBinaryWriter {
  private buf: Buffer;
  private at = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }

  varUInt(n: number): void {
    this.room(10);
    while (n >= 0x80) {
      this.buf[this.at++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.at++] = n;
  }

  /** UTF-8 written once, one byte after the cursor; moved up in the rare case its length needs a longer LEB128. */
  string(s: string): void {
    this.room(s.length * 3 + 10);
    const start = this.at;
    const length = this.buf.write(s, start + 1, 'utf8');
    const prefix = varUIntSize(length);
    if (prefix > 1) this.buf.copyWithin(start + prefix, start + 1, start + 1 + length);
    this.at = start;
    this.varUInt(length);
    this.at += length;
  }

  nullableString(s: string | null): void {
    this.room(1);
    if (s === null) {
      this.buf[this.at++] = 1;
      return;
    }
    this.buf[this.at++] = 0;
    this.string(s);
  }

  /** A non-negative safe integer as 8 bytes little-endian, without BigInt. */
  uint64(n: number): void {
    this.room(8);
    this.buf.writeUInt32LE(n % TWO_32, this.at);
    this.buf.writeUInt32LE(Math.floor(n / TWO_32), this.at + 4);
    this.at += 8;
  }

  /** ClickHouse's UUID layout: the two 8-byte halves, each little-endian. */
  uuid(text: string, index: number): void {
    if (!UUID.test(text)) throw bad(index, `event_id ${JSON.stringify(text)} is not a UUID`);
    this.room(16);
    for (let byte = 0; byte < 16; byte++) {
      const p = HEX_AT[byte]!;
      const value = (NIBBLE[text.charCodeAt(p)]! << 4) | NIBBLE[text.charCodeAt(p + 1)]!;
      const half = byte < 8 ? 0 : 8;
      this.buf[this.at + half + 7 - (byte - half)] = value;
    }
    this.at += 16;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

function varUIntSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ` → microseconds since the epoch (exact: below 2^53 until the year 2255). */
function timestampMicros(text: string, index: number): number {
  const m = TIMESTAMP.exec(text);
  if (m !== null) {
    const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
    const ms = Date.UTC(y, mo - 1, d, h, mi, s);
    const back = new Date(ms);
    if (
      y >= 1970 &&
      back.getUTCFullYear() === y &&
      back.getUTCMonth() === mo - 1 &&
      back.getUTCDate() === d &&
      h < 24 &&
      mi < 60 &&
      s < 60
    ) {
      return ms * 1000 + Number(m[7]);
    }
  }
  throw bad(index, `timestamp ${JSON.stringify(text)} is not RFC 3339 UTC with six fractional digits, from 1970 on`);
}

function bad(index: number, message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_MESSAGE', `event ${index} cannot be written to fraiseql_events: ${message}`, {
    details: { index },
  });
}
