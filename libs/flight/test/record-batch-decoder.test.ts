import { copyQueryToArrow, recordBatchesToIpcStream } from '@fraiseql/arrow';
import { FraiseqlError } from '@fraiseql/errors';
import {
  ColumnChecksums,
  FlightRecordBatchDecoder,
  flightDataToRecordBatches,
  flightDataToRecordBatchesViaIpcStream,
  ipcStreamToFlightData,
  protocol,
  readFlightData,
  type FlightDataFrame,
} from '@fraiseql/flight';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import { Dictionary, Int32, Table, Utf8, tableToIPC, vectorFromArray, type RecordBatch, type Vector } from 'apache-arrow';
import { Pool } from 'pg';

// Every PostgreSQL type libs/arrow maps (type-mapping.ts), scalar and as arrays, with nulls and extremes.
const CREATE_TYPES_TABLE = `
CREATE TABLE every_type (
  pos int4, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, d date, ts timestamp, tstz timestamptz, u uuid, b bool,
  t text, vc varchar(20), bp char(5), nm name, by bytea, j json, jb jsonb, n numeric(38,10), n2 numeric(12,2), nu numeric,
  a_i2 int2[], a_i4 int4[], a_i8 int8[], a_f8 float8[], a_d date[], a_tstz timestamptz[], a_u uuid[], a_b bool[], a_t text[],
  a_by bytea[], a_n numeric(12,2)[], a_jb jsonb[]
)`;
const INSERT_EXTREMES = `
INSERT INTO every_type VALUES
 (1, -32768, -2147483648, -9223372036854775808, '-Infinity', '-Infinity', '0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00',
  '00000000-0000-0000-0000-000000000000', false, '', '', '', '', '\\x', '{}', '{}', '-9999999999999999999999999999.9999999999', -9999999999.99,
  '-1e-30', '{-32768}', '{-2147483648}', '{-9223372036854775808}', '{-Infinity,NaN}', '{0001-01-01}', '{"0001-01-01 00:00:00+00"}',
  '{00000000-0000-0000-0000-000000000000}', '{false}', '{""}', '{"\\\\x"}', '{-9999999999.99}', '{"[]"}'),
 (2, 32767, 2147483647, 9223372036854775807, 'Infinity', 'Infinity', '9999-12-31', '9999-12-31 23:59:59.999999',
  '9999-12-31 23:59:59.999999+00', 'ffffffff-ffff-ffff-ffff-ffffffffffff', true, repeat('é😀', 5000), 'twenty characters ok', 'abcde',
  repeat('n', 63), '\\x00ff10', '{"a":[1,2,{"b":null}]}', '{"z":"ü","a":1e300}', '9999999999999999999999999999.9999999999',
  9999999999.99, '123456789012345678901234567890.123456789012345678901234567890', '{32767,NULL}', '{2147483647,NULL,0}',
  '{9223372036854775807}', '{Infinity,-0,5e-324}', '{9999-12-31,NULL}', '{"9999-12-31 23:59:59.999999+00",NULL}',
  '{ffffffff-ffff-ffff-ffff-ffffffffffff,NULL}', '{true,NULL,false}', '{"a,b","",NULL,"😀"}', '{"\\\\x00ff",NULL}',
  '{9999999999.99,NULL,0}', '{"{\\"k\\": [1]}",NULL}'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 0, 0, 0, 'NaN', 'NaN', '1970-01-01', '1970-01-01 00:00:00', '1969-12-31 23:59:59.999999+00', gen_random_uuid(), true,
  'x', 'y', 'z', 'w', '\\x00', 'null', 'null', 0, 0, 'NaN', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}'),
 (5, 1, -1, -1, 1.4e-45, 5e-324, '2000-02-29', '2000-02-29 12:00:00', '2000-02-29 12:00:00+05', gen_random_uuid(), false,
  E'line\\nbreak\\ttab', 'q', 'q', 'q', '\\xdeadbeef', '[1,"2"]', '[1,"2"]', -0.0000000001, -0.01, '1e-300', '{NULL}', '{NULL}',
  '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}')`;
// Volume, so that a stream has many batches; every 7th row null in most columns.
const INSERT_SERIES = `
INSERT INTO every_type
SELECT 10 + g, (g % 30000)::int2, g, g::int8 * 1000003, g / 7.0, g * 1.000001, DATE '2000-01-01' + g, TIMESTAMP '2000-01-01' + g * INTERVAL '1 second',
  TIMESTAMPTZ '2000-01-01 00:00:00+00' + g * INTERVAL '1 millisecond', md5(g::text)::uuid, g % 2 = 0, 'row ' || g, left(md5(g::text), 20),
  left(md5(g::text), 5), 'n' || g, decode(md5(g::text), 'hex'), json_build_object('g', g), jsonb_build_object('g', g, 's', repeat('x', g % 50)),
  g * 1.5, g * 0.25, g / 3.0, ARRAY[g % 100, NULL]::int2[], ARRAY[g, g + 1, g + 2], ARRAY[g::int8], ARRAY[g * 0.5], ARRAY[DATE '2000-01-01' + g],
  ARRAY[TIMESTAMPTZ '2000-01-01 00:00:00+00' + g * INTERVAL '1 hour'], ARRAY[md5(g::text)::uuid], ARRAY[g % 3 = 0, NULL], ARRAY['a' || g, NULL, ''],
  ARRAY[decode(md5(g::text), 'hex')], ARRAY[g * 0.01], ARRAY[jsonb_build_object('g', g)]
FROM generate_series(1, 3000) AS g;
UPDATE every_type SET i2 = NULL, i8 = NULL, f8 = NULL, tstz = NULL, u = NULL, t = NULL, by = NULL, jb = NULL, n = NULL, nu = NULL, a_i4 = NULL, a_t = NULL
WHERE pos > 10 AND pos % 7 = 0`;

const EMPTY = new Uint8Array(0);

/** Serialized FlightData messages of the batches' IPC stream, as a server sends them. */
async function flightDataMessages(ipc: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array[]> {
  const messages: Uint8Array[] = [];
  for await (const frame of ipcStreamToFlightData(ipc)) messages.push(protocol.FlightData.encode(frame).finish());
  return messages;
}

/** A message as grpc-js hands it over: its own buffer, `at` bytes in (varied, so that bodies come misaligned). */
function received(message: Uint8Array, at: number): Buffer {
  const framed = Buffer.alloc(message.byteLength + at);
  framed.set(message, at);
  return framed.subarray(at);
}

async function* asAsync<T>(values: Iterable<T>): AsyncGenerator<T, void, undefined> {
  yield* values;
}

async function collect(batches: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const batch of batches) out.push(batch);
  return out;
}

/** The reference: protobufjs, then apache-arrow's RecordBatchReader over the rebuilt IPC stream. */
function decodeByReference(messages: readonly Uint8Array[]): Promise<RecordBatch[]> {
  const frames = messages.map((message, i): FlightDataFrame => {
    const decoded = protocol.FlightData.decode(received(message, i % 8));
    return { dataHeader: decoded.dataHeader ?? EMPTY, dataBody: decoded.dataBody ?? EMPTY };
  });
  return collect(flightDataToRecordBatchesViaIpcStream(asAsync(frames)));
}

/** The current path, as FlightClient.doGet runs it. */
function decodeDirectly(messages: readonly Uint8Array[]): Promise<RecordBatch[]> {
  const frames = messages.map((message, i) => readFlightData(received(message, (i * 3) % 8), { alignBodyInPlace: true }));
  return collect(flightDataToRecordBatches(asAsync(frames)));
}

/** A value in a form toEqual compares exactly: bigints, -0, NaN, bytes and nested vectors made explicit. */
function normalize(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : Number.isNaN(value) ? 'NaN' : value;
  if (ArrayBuffer.isView(value))
    return `${value.constructor.name}:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  if (typeof value === 'object' && Symbol.iterator in value) return Array.from(value as Iterable<unknown>, normalize);
  if (typeof value === 'object' && 'toJSON' in value) return normalize((value as { toJSON(): unknown }).toJSON());
  return value;
}

/** Same batches: schema (names, types, nullability, metadata), row counts, and every value and validity bit. */
function expectSameBatches(actual: readonly RecordBatch[], expected: readonly RecordBatch[]): void {
  expect(actual.length).toBe(expected.length);
  const fields = (batch: RecordBatch): unknown[] =>
    batch.schema.fields.map((f) => [f.name, String(f.type), f.nullable, [...f.metadata], f.type.typeId]);
  for (let b = 0; b < expected.length; b++) {
    const [got, want] = [actual[b]!, expected[b]!];
    expect(fields(got)).toEqual(fields(want));
    expect([...got.schema.metadata]).toEqual([...want.schema.metadata]);
    expect(got.numRows).toBe(want.numRows);
    for (let c = 0; c < want.numCols; c++) {
      const [g, w] = [got.getChildAt(c) as Vector, want.getChildAt(c) as Vector];
      expect(g.nullCount).toBe(w.nullCount);
      const values = (v: Vector): unknown[] => Array.from({ length: v.length }, (_, i) => [v.isValid(i), normalize(v.get(i))]);
      expect(values(g)).toEqual(values(w));
    }
  }
}

function checksums(batches: readonly RecordBatch[]): ColumnChecksums {
  const sums = new ColumnChecksums();
  for (const batch of batches) sums.add(batch);
  return sums;
}

const codeOf = async (run: () => Promise<unknown>): Promise<string | undefined> => {
  try {
    await run();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(FraiseqlError);
    return (error as FraiseqlError).code;
  }
};

/** Absolute position of a RecordBatch header's vector (slot 1 nodes, 2 buffers): its length word. */
function recordBatchVector(header: Uint8Array, slot: number): number {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const field = (table: number, index: number): number => {
    const vtable = table - view.getInt32(table, true);
    return table + view.getUint16(vtable + 4 + index * 2, true);
  };
  const message = view.getUint32(0, true);
  const headerField = field(message, 2);
  const batch = headerField + view.getUint32(headerField, true);
  const vectorField = field(batch, slot);
  return vectorField + view.getUint32(vectorField, true);
}

describe('FlightRecordBatchDecoder: FlightData straight to RecordBatches, against apache-arrow reading the IPC stream', () => {
  let database: TestDatabase;
  let pool: Pool;
  let messages: Uint8Array[];

  beforeAll(async () => {
    database = await createTestDatabase('fraiseql_b_client');
    pool = new Pool({ connectionString: database.url, max: 1 });
    await pool.query(CREATE_TYPES_TABLE);
    await pool.query(INSERT_EXTREMES);
    await pool.query(INSERT_SERIES);
    const client = await pool.connect();
    try {
      // Small batches: many messages, with bodies at every alignment.
      const batches = await collect(copyQueryToArrow(client, 'SELECT * FROM every_type ORDER BY pos', [], { batchSize: 250 }));
      messages = await flightDataMessages(recordBatchesToIpcStream(batches));
    } finally {
      client.release();
    }
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('decodes every type the flight-server maps, with nulls and extremes, value for value as the reference', async () => {
    const expected = await decodeByReference(messages);
    const actual = await decodeDirectly(messages);
    expect(expected.reduce((rows, batch) => rows + batch.numRows, 0)).toBe(3005);
    expect(expected.length).toBeGreaterThan(10);
    const types =
      'Int32 Int16 Int32 Int64 Float32 Float64 Date32<DAY> Timestamp<MICROSECOND> Timestamp<MICROSECOND,UTC> FixedSizeBinary[16] Bool Utf8 Utf8 Utf8 Utf8 Binary Utf8 Utf8 Decimal[38e+10] Decimal[12e+2] Utf8 List<Int16> List<Int32> List<Int64> List<Float64> List<Date32<DAY>> List<Timestamp<MICROSECOND,UTC>> List<FixedSizeBinary[16]> List<Bool> List<Utf8> List<Binary> List<Decimal[12e+2]> List<Utf8>';
    expect(expected[0]!.schema.fields.map((f) => String(f.type).replace(/, /g, ','))).toEqual(types.split(' '));
    expectSameBatches(actual, expected);
    expect(checksums(actual).equals(checksums(expected))).toBe(true);
  });

  it('reads the values PostgreSQL holds (the comparison is not between two empty results)', async () => {
    const [first] = await decodeDirectly(messages);
    expect(first!.getChild('i8')!.get(0)).toBe(-9223372036854775808n);
    expect(first!.getChild('i4')!.get(1)).toBe(2147483647);
    expect(first!.getChild('t')!.get(1)).toBe('é😀'.repeat(5000));
    expect(first!.getChild('a_t')!.get(1)!.toArray()).toEqual(['a,b', '', null, '😀']);
    expect(first!.getChild('u')!.isValid(2)).toBe(false);
  });

  it('decodes dictionary batches, a dictionary replaced between batches included, as the reference does', async () => {
    const dictionary = new Dictionary(new Utf8(), new Int32());
    const table = new Table({ status: vectorFromArray(['open', null, 'closed', 'open'], dictionary) }).concat(
      new Table({ status: vectorFromArray(['paid', 'open', null], dictionary) }),
    );
    const dictionaryMessages = await flightDataMessages([tableToIPC(table, 'stream')]);
    const expected = await decodeByReference(dictionaryMessages);
    expectSameBatches(await decodeDirectly(dictionaryMessages), expected);
    expect(expected.flatMap((batch) => batch.getChild('status')!.toArray())).toEqual([
      'open',
      null,
      'closed',
      'open',
      'paid',
      'open',
      null,
    ]);
  });

  it('yields one empty batch for a schema-only stream, and nothing for an empty one, as the reference does', async () => {
    const schemaOnly = messages.slice(0, 1);
    const expected = await decodeByReference(schemaOnly);
    const actual = await decodeDirectly(schemaOnly);
    expect(actual.map((batch) => batch.numRows)).toEqual([0]);
    expectSameBatches(actual, expected);
    expect(await decodeDirectly([])).toEqual([]);
    expect(await decodeByReference([])).toEqual([]);
  });

  it('skips a FlightData that carries only app_metadata', async () => {
    const withMetadata = [
      messages[0]!,
      protocol.FlightData.encode({ appMetadata: Buffer.from('progress') }).finish(),
      ...messages.slice(1),
    ];
    expectSameBatches(await decodeDirectly(withMetadata), await decodeByReference(messages));
  });

  it('refuses malformed frames with FRAISEQL_FLIGHT_DATA_INVALID, never another error', async () => {
    const [schema, batch] = [readFlightData(messages[0]!), readFlightData(messages[1]!)];
    const decode =
      (...frames: FlightDataFrame[]) =>
      () =>
        collect(flightDataToRecordBatches(frames));
    const corrupt = (slot: number, at: (vector: number) => number, value: number): FlightDataFrame => {
      const header = Uint8Array.from(batch.dataHeader);
      new DataView(header.buffer).setUint32(at(recordBatchVector(header, slot)), value, true);
      return { dataHeader: header, dataBody: batch.dataBody };
    };
    const cases: Record<string, FlightDataFrame[]> = {
      'a batch before the schema': [batch],
      'a body shorter than the header says': [
        schema,
        { dataHeader: batch.dataHeader, dataBody: batch.dataBody.subarray(0, batch.dataBody.byteLength - 8) },
      ],
      'no body at all': [schema, { dataHeader: batch.dataHeader, dataBody: EMPTY }],
      'a header of random bytes': [
        schema,
        { dataHeader: Uint8Array.from({ length: 256 }, (_, i) => (i * 73 + 11) & 0xff), dataBody: batch.dataBody },
      ],
      'a header cut short': [schema, { dataHeader: batch.dataHeader.subarray(0, 24), dataBody: batch.dataBody }],
      'a header of 4 bytes': [schema, { dataHeader: Uint8Array.of(4, 0, 0, 0), dataBody: EMPTY }],
      'a field-node vector claiming four billion entries': [schema, corrupt(1, (v) => v, 0xfffffff0)],
      'a buffer vector claiming a million entries': [schema, corrupt(2, (v) => v, 1_000_000)],
      'a buffer outside the body': [schema, corrupt(2, (v) => v + 4 + 8, 0x7fffffff)],
      'fewer field nodes than columns': [schema, corrupt(1, (v) => v, 3)],
    };
    for (const [name, frames] of Object.entries(cases)) {
      expect([name, await codeOf(decode(...frames))]).toEqual([name, 'FRAISEQL_FLIGHT_DATA_INVALID']);
    }
    // A schema with no dictionaries, then a dictionary batch.
    const dictionaryMessages = await flightDataMessages([
      tableToIPC(new Table({ s: vectorFromArray(['a'], new Dictionary(new Utf8(), new Int32())) }), 'stream'),
    ]);
    const decoder = new FlightRecordBatchDecoder();
    decoder.decode(schema);
    expect(() => decoder.decode(readFlightData(dictionaryMessages[1]!))).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_FLIGHT_DATA_INVALID' }) as Error,
    );
  });

  it('a 1M-row stream decodes to the same per-column checksums as the reference', async () => {
    const client = await pool.connect();
    let big: Uint8Array[];
    try {
      const sql = `SELECT g AS seq, g::int8 * 7 AS i8, g / 3.0 AS f8, (g % 1000) * 0.01::numeric(12,2) AS amount, 'item-' || g AS label,
        CASE WHEN g % 5 = 0 THEN NULL ELSE g % 2 = 0 END AS flag, TIMESTAMPTZ '2020-01-01 00:00:00+00' + g * INTERVAL '1 second' AS at,
        ARRAY[g, g + 1] AS pair FROM generate_series(1, 1000000) AS g`;
      big = await flightDataMessages(recordBatchesToIpcStream(copyQueryToArrow(client, sql)));
    } finally {
      client.release();
    }
    const reference = checksums(await decodeByReference(big));
    const direct = checksums(await decodeDirectly(big));
    expect(direct.rows).toBe(1_000_000);
    expect(direct.toJSON()).toEqual(reference.toJSON());
    expect(direct.equals(reference)).toBe(true);
    expect(Object.keys(direct.toJSON())).toEqual(['seq', 'i8', 'f8', 'amount', 'label', 'flag', 'at', 'pair']);
  }, 300_000);
});
