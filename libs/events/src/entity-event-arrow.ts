import {
  Field,
  FixedSizeBinary,
  Int64,
  List,
  RecordBatch,
  Schema,
  Struct,
  TimeUnit,
  Timestamp,
  Utf8,
  makeData,
  type Data,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import { isUuid } from '@fraiseql/identity';
import type { EntityEvent, JsonObject } from './entity-event';

const EXTENSION_NAME = 'ARROW:extension:name';
const EXTENSION_METADATA = 'ARROW:extension:metadata';

/** The same tags libs/arrow puts on uuid and json columns, so readers treat both sources alike. */
function extension(name: string): Map<string, string> {
  return new Map([
    [EXTENSION_NAME, name],
    [EXTENSION_METADATA, ''],
  ]);
}

/**
 * EntityEvent v1 as Arrow, fields in docs/architecture.md, "The event" order. Choices (README.md "Arrow"):
 * - `event_type` is plain Utf8, not Dictionary<Int8, Utf8>: custom event names are open-ended
 *   (Int8 keys cap a batch at 128 names), and per-batch dictionaries in one IPC stream need
 *   replacement dictionaries, which the IPC file format cannot carry.
 * - `org_id` is Utf8, not a 16-byte UUID: org ids are UUIDs in this product, but v1 allows any
 *   string, and a schema must never refuse a valid event.
 */
export const ENTITY_EVENT_ARROW_SCHEMA = new Schema(
  [
    new Field('event_id', new FixedSizeBinary(16), false, extension('arrow.uuid')),
    new Field('seq', new Int64(), false),
    new Field('event_type', new Utf8(), false),
    new Field('entity_type', new Utf8(), false),
    new Field('entity_id', new Utf8(), false),
    new Field('org_id', new Utf8(), true),
    new Field('user_id', new Utf8(), true),
    new Field('timestamp', new Timestamp(TimeUnit.MICROSECOND, 'UTC'), false),
    new Field('data', new Utf8(), false, extension('arrow.json')),
    new Field('before', new Utf8(), true, extension('arrow.json')),
    new Field('changed_fields', new List(new Field('item', new Utf8(), false)), false),
    new Field('schema_version', new Utf8(), true),
  ],
  new Map([['fraiseql.event_schema_version', '1']]),
);

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z$/;
const SECONDS_PER_DAY = 86400;
const MICROS_PER_SECOND = 1_000_000n;
const encoder = new TextEncoder();

/**
 * One record batch of `ENTITY_EVENT_ARROW_SCHEMA` holding `events` in order. Columns are written
 * straight into their buffers; timestamps are parsed as text into int64 microseconds (a Date
 * would drop the last three digits). A value the schema cannot hold (an event_id that is no
 * UUID, an unsafe seq, a timestamp not in the v1 form) is FRAISEQL_BAD_MESSAGE naming the event.
 */
export function entityEventsToRecordBatch(events: readonly EntityEvent[]): RecordBatch {
  const n = events.length;
  const eventIds = new Uint8Array(n * 16);
  const seqs = new BigInt64Array(n);
  const timestamps = new BigInt64Array(n);
  const eventTypes = new Utf8Column(n);
  const entityTypes = new Utf8Column(n);
  const entityIds = new Utf8Column(n);
  const orgIds = new Utf8Column(n);
  const userIds = new Utf8Column(n);
  const data = new Utf8Column(n);
  const before = new Utf8Column(n);
  const schemaVersions = new Utf8Column(n);
  const changedFields = new Utf8Column(n);
  const changedOffsets = new Int32Array(n + 1);

  for (let i = 0; i < n; i++) {
    const event = events[i]!;
    writeUuid(event.event_id, eventIds, i * 16, i);
    if (!Number.isSafeInteger(event.seq)) throw bad(`event ${i}: seq ${String(event.seq)} is not a safe integer`);
    seqs[i] = BigInt(event.seq);
    timestamps[i] = parseTimestampMicros(event.timestamp, i);
    eventTypes.append(event.event_type);
    entityTypes.append(event.entity_type);
    entityIds.append(event.entity_id);
    orgIds.append(event.org_id);
    userIds.append(event.user_id);
    data.append(JSON.stringify(event.data));
    before.append(event.before === null ? null : JSON.stringify(event.before));
    schemaVersions.append(event.schema_version);
    for (const name of event.changed_fields) changedFields.append(name);
    changedOffsets[i + 1] = changedFields.length;
  }

  const fields = ENTITY_EVENT_ARROW_SCHEMA.fields;
  const type = (index: number): DataType => fields[index]!.type as DataType;
  const children: Data[] = [
    makeData({ type: type(0) as FixedSizeBinary, length: n, nullCount: 0, data: eventIds }),
    makeData({ type: type(1) as Int64, length: n, nullCount: 0, data: seqs }),
    eventTypes.finish(),
    entityTypes.finish(),
    entityIds.finish(),
    orgIds.finish(),
    userIds.finish(),
    makeData({ type: type(7) as Timestamp, length: n, nullCount: 0, data: timestamps }),
    data.finish(),
    before.finish(),
    makeData({ type: type(10) as List<Utf8>, length: n, nullCount: 0, valueOffsets: changedOffsets, child: changedFields.finish() }),
    schemaVersions.finish(),
  ];
  const struct = makeData({ type: new Struct(fields), length: n, nullCount: 0, children });
  return new RecordBatch(ENTITY_EVENT_ARROW_SCHEMA, struct);
}

/**
 * The events of a batch of `ENTITY_EVENT_ARROW_SCHEMA` (for tests and clients reading Arrow).
 * Columns are found by name and checked against the schema; event ids come back lowercase.
 */
export function recordBatchToEntityEvents(batch: RecordBatch): EntityEvent[] {
  const column = (name: string): Vector => {
    const expected = ENTITY_EVENT_ARROW_SCHEMA.fields.find((f) => f.name === name)!;
    const actual = batch.schema.fields.find((f) => f.name === name);
    if (actual === undefined || String(actual.type) !== String(expected.type)) {
      throw bad(`the record batch has no column ${name} of type ${String(expected.type)}`);
    }
    return batch.getChild(name)!;
  };
  const eventIds = column('event_id');
  const seqs = column('seq');
  const eventTypes = column('event_type');
  const entityTypes = column('entity_type');
  const entityIds = column('entity_id');
  const orgIds = column('org_id');
  const userIds = column('user_id');
  const timestamps = column('timestamp').data[0]!;
  const data = column('data');
  const before = column('before');
  const changedFields = column('changed_fields');
  const schemaVersions = column('schema_version');

  const events: EntityEvent[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const seq = seqs.get(i) as bigint;
    if (seq > BigInt(Number.MAX_SAFE_INTEGER) || seq < BigInt(Number.MIN_SAFE_INTEGER))
      throw bad(`row ${i}: seq ${seq} is beyond 2^53 − 1`);
    const beforeText = before.get(i) as string | null;
    events.push({
      event_id: formatUuid(eventIds.get(i) as Uint8Array),
      seq: Number(seq),
      event_type: eventTypes.get(i) as string,
      entity_type: entityTypes.get(i) as string,
      entity_id: entityIds.get(i) as string,
      org_id: orgIds.get(i) as string | null,
      user_id: userIds.get(i) as string | null,
      // Raw int64 microseconds: Vector.get on a Timestamp returns float milliseconds.
      timestamp: formatTimestampMicros((timestamps.values as BigInt64Array)[timestamps.offset + i]!, i),
      data: JSON.parse(data.get(i) as string) as JsonObject,
      before: beforeText === null ? null : (JSON.parse(beforeText) as JsonObject),
      changed_fields: Array.from(changedFields.get(i) as Vector, (name) => name as string),
      schema_version: schemaVersions.get(i) as string | null,
    });
  }
  return events;
}

/** A Utf8 column: Int32 offsets, UTF-8 bytes encoded in place, validity bitmap only if a null appears. */
class Utf8Column {
  length = 0;
  private offsets: Int32Array;
  private bytes: Uint8Array;
  private used = 0;
  private validity: Uint8Array | undefined;
  private nullCount = 0;

  constructor(private readonly capacity: number) {
    this.offsets = new Int32Array(capacity + 1);
    this.bytes = new Uint8Array(Math.max(64, capacity * 16));
  }

  append(value: string | null): void {
    const row = this.length;
    if (row + 1 >= this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    if (value === null) {
      if (this.validity === undefined) this.validity = allValid(this.capacity, row);
      this.nullCount++;
    } else {
      // A UTF-16 code unit never takes more than three UTF-8 bytes.
      const bound = this.used + value.length * 3;
      if (bound > this.bytes.length) {
        const grown = new Uint8Array(Math.max(bound, this.bytes.length * 2));
        grown.set(this.bytes.subarray(0, this.used));
        this.bytes = grown;
      }
      this.used += encoder.encodeInto(value, this.bytes.subarray(this.used)).written;
      if (this.validity !== undefined) {
        this.validity = ensureBits(this.validity, row);
        this.validity[row >> 3]! |= 1 << (row & 7);
      }
    }
    this.length++;
    this.offsets[this.length] = this.used;
  }

  finish(): Data<Utf8> {
    const length = this.length;
    return makeData({
      type: new Utf8(),
      length,
      nullCount: this.nullCount,
      nullBitmap: this.validity === undefined ? null : ensureBits(this.validity, length).subarray(0, (length + 7) >> 3),
      valueOffsets: this.offsets.subarray(0, length + 1),
      data: this.bytes.subarray(0, this.used),
    });
  }
}

/** A bitmap with rows [0, valid) set: the first null turns the column nullable. */
function allValid(capacity: number, valid: number): Uint8Array {
  const bits = new Uint8Array((Math.max(capacity, valid + 1) + 7) >> 3);
  for (let row = 0; row < valid; row++) bits[row >> 3]! |= 1 << (row & 7);
  return bits;
}

function ensureBits(bits: Uint8Array, row: number): Uint8Array {
  if (row >> 3 < bits.length) return bits;
  const grown = new Uint8Array(Math.max(bits.length * 2, (row >> 3) + 1));
  grown.set(bits);
  return grown;
}

function writeUuid(text: string, out: Uint8Array, at: number, index: number): void {
  if (!isUuid(text)) throw bad(`event ${index}: event_id ${JSON.stringify(text)} is not a UUID`);
  for (let byte = 0, pos = 0; byte < 16; byte++) {
    if (text.charCodeAt(pos) === 45 /* - */) pos++;
    out[at + byte] = parseInt(text.slice(pos, pos + 2), 16);
    pos += 2;
  }
}

function formatUuid(bytes: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) hex += '-';
    hex += bytes[i]!.toString(16).padStart(2, '0');
  }
  return hex;
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ` → microseconds since the epoch, exactly (integer arithmetic only). */
function parseTimestampMicros(text: string, index: number): bigint {
  const m = TIMESTAMP.exec(text);
  if (m !== null) {
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    if (mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h < 24 && mi < 60 && s < 60) {
      const seconds = daysFromCivil(y, mo, d) * SECONDS_PER_DAY + h * 3600 + mi * 60 + s;
      return BigInt(seconds) * MICROS_PER_SECOND + BigInt(m[7]!);
    }
  }
  throw bad(`event ${index}: timestamp ${JSON.stringify(text)} is not RFC 3339 UTC with six fractional digits`);
}

function formatTimestampMicros(micros: bigint, row: number): string {
  let seconds = micros / MICROS_PER_SECOND;
  let fraction = micros % MICROS_PER_SECOND;
  if (fraction < 0n) {
    fraction += MICROS_PER_SECOND;
    seconds -= 1n;
  }
  const total = Number(seconds);
  const days = Math.floor(total / SECONDS_PER_DAY);
  const ofDay = total - days * SECONDS_PER_DAY;
  const [y, mo, d] = civilFromDays(days);
  if (y < 0 || y > 9999) throw bad(`row ${row}: timestamp ${micros}µs is outside years 0000–9999`);
  const two = (v: number): string => String(v).padStart(2, '0');
  return `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(Math.floor(ofDay / 3600))}:${two(Math.floor(ofDay / 60) % 60)}:${two(ofDay % 60)}.${String(fraction).padStart(6, '0')}Z`;
}

function daysInMonth(y: number, mo: number): number {
  if (mo === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The inverse of daysFromCivil. */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day];
}

function bad(message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_MESSAGE', `EntityEvent Arrow: ${message}`);
}
