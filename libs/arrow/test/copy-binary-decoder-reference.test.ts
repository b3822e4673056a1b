import { createHash } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { DataType, type Data, type RecordBatch, type Vector } from 'apache-arrow';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import {
  CopyBinaryDecoder,
  ReferenceCopyBinaryDecoder,
  copyQueryToArrow,
  mapPostgresColumn,
  type ColumnMapping,
  type CopyBinaryDecoderOptions,
} from '@fraiseql/arrow';

// Every type of type-mapping.ts, scalar and array, with NULLs and the extremes of each.
const TABLE = `
CREATE TABLE every_type (
  id int4, c_int2 int2, c_int4 int4, c_int8 int8, c_float4 float4, c_float8 float8, c_bool bool,
  c_text text, c_varchar varchar, c_bpchar char(4), c_name name, c_bytea bytea, c_json json, c_jsonb jsonb,
  c_num numeric, c_num122 numeric(12,2), c_num3810 numeric(38,10), c_num150 numeric(15,0), c_date date,
  c_ts timestamp, c_tstz timestamptz, c_uuid uuid,
  a_bool bool[], a_bytea bytea[], a_name name[], a_int8 int8[], a_int2 int2[], a_int4 int4[], a_text text[],
  a_json json[], a_float4 float4[], a_float8 float8[], a_bpchar char(2)[], a_varchar varchar[], a_date date[],
  a_ts timestamp[], a_tstz timestamptz[], a_num numeric[], a_uuid uuid[], a_jsonb jsonb[]
);
INSERT INTO every_type VALUES
 (1, 32767, 2147483647, 9223372036854775807, 'NaN', 'NaN', true, 'héllo 🌍 ünïcode 日本語', 'ß', 'ab', 'nm', '\\x00ff', '{"a": [1, {"b": null}]}',
  '{"k": "é", "deep": {"x": [1, "y", true]}}', '-123456789012345678901234567890.000000000000000000001', '9999999999.99',
  '9999999999999999999999999999.9999999999', '999999999999999', 'infinity', 'infinity', 'infinity',
  'ffffffff-ffff-ffff-ffff-ffffffffffff', '{true,NULL,false}', '{"\\\\x00",NULL,"\\\\x"}', '{a,NULL}', '{9223372036854775807,-9223372036854775808,NULL}',
  '{32767,-32768}', '{2147483647,NULL,-2147483648}', '{"",NULL,"ü🌍"}', ARRAY['{"a":1}'::json, NULL], '{NaN,Infinity,-Infinity,NULL}',
  '{NaN,Infinity,-Infinity,-0}', '{a,NULL,bc}', '{"",x}', '{infinity,-infinity,NULL,2000-01-01}',
  '{infinity,-infinity,NULL}', '{infinity,-infinity,NULL}', '{NaN,Infinity,-Infinity,NULL,0.001}',
  '{00000000-0000-0000-0000-000000000000,NULL}', ARRAY['{"z": []}'::jsonb, NULL]),
 (2, -32768, -2147483648, -9223372036854775808, 'Infinity', '-Infinity', false, '', '', '', '', '\\x', '""', '[]',
  'NaN', '-9999999999.99', '-9999999999999999999999999999.9999999999', '-999999999999999', '-infinity', '-infinity', '-infinity',
  '00000000-0000-0000-0000-000000000000', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}'),
 (3, 0, 0, 0, '-Infinity', '-0', NULL, repeat('long é value ', 20000), repeat('v', 70000), NULL, NULL, decode(repeat('00ff', 40000), 'hex'),
  NULL, ('{"big": "' || repeat('j', 90000) || '"}')::jsonb, 'Infinity', '0.01', '0.0000000001', '0', '4713-01-01 BC', '4713-01-01 00:00:00 BC',
  '294276-12-31 23:59:59.999999+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', NULL, NULL, NULL, NULL, NULL, NULL,
  ARRAY[repeat('x', 70000), ''], NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, NULL, NULL, NULL, 1e-45, 5e-324, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  '-Infinity', NULL, NULL, NULL, '5874897-12-31', '1999-12-31 23:59:59.999999', '2000-01-01 00:00:00+00', NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (5, 1, 1, 1, 3.4028235e38, 1.7976931348623157e308, true, 'x', 'y', 'zzzz', 'n', '\\x01', '1', 'null',
  ('0.' || repeat('0', 300) || '1')::numeric, '0', '0', '1', '1970-01-01', '1970-01-01 00:00:00', '1969-12-31 23:59:59.999999+00',
  '12345678-9abc-def0-1234-56789abcdef0', '{t}', '{"\\\\x01"}', '{n}', '{1}', '{1}', '{1}', '{t}', '{"1"}', '{1.5}', '{1.5}', '{x}', '{y}',
  '{1970-01-01}', '{"1970-01-01 00:00:00"}', '{"1970-01-01 00:00:00+00"}', ARRAY[('1' || repeat('0', 500))::numeric],
  '{12345678-9abc-def0-1234-56789abcdef0}', '{"{}"}');
-- Many ordinary rows: every block, batch and chunk boundary falls somewhere inside them.
INSERT INTO every_type
SELECT 100 + g,
  CASE WHEN g % 11 = 0 THEN NULL ELSE (g % 65535 - 32767)::int2 END, g * 7919 - 1000000, CASE WHEN g % 13 = 0 THEN NULL ELSE g::int8 * 1000000007 END,
  g / 7.0, CASE WHEN g % 17 = 0 THEN NULL ELSE g * 1.000001 END, CASE WHEN g % 3 = 0 THEN NULL ELSE g % 2 = 0 END,
  CASE WHEN g % 5 = 0 THEN NULL ELSE repeat(chr(945 + g % 20), g % 90) END, 'v' || g, 'b' || (g % 100), 'n' || g, int4send(g),
  ('{"g": ' || g || '}')::json, CASE WHEN g % 7 = 0 THEN NULL ELSE jsonb_build_object('g', g, 'tags', jsonb_build_array('a', g % 10)) END,
  (g * 3.14159)::numeric, CASE WHEN g % 19 = 0 THEN NULL ELSE (g * 12.34)::numeric(12,2) END, (g * 1.0000000001)::numeric(38,10),
  (g::int8 * 987654321)::numeric(15,0), DATE '2000-01-01' + (g * 37 % 40000 - 20000), TIMESTAMP '2000-01-01' + g * INTERVAL '1 hour 1 second',
  TIMESTAMPTZ '1990-06-01 00:00:00+00' + g * INTERVAL '17 minutes', md5(g::text)::uuid,
  ARRAY[g % 2 = 0, NULL], ARRAY[int4send(g)], ARRAY[('n' || g)::name], ARRAY[g::int8, -g::int8], ARRAY[(g % 1000)::int2], ARRAY[g, NULL, -g],
  CASE WHEN g % 4 = 0 THEN NULL ELSE ARRAY['s' || g, repeat('t', g % 30)] END, ARRAY[('{"g":' || g || '}')::json], ARRAY[g / 3.0::float4],
  ARRAY[g / 3.0, NULL], ARRAY['c' || (g % 10)], ARRAY['v' || g], ARRAY[DATE '2000-01-01' + g], ARRAY[TIMESTAMP '2000-01-01' + g * INTERVAL '1 minute'],
  ARRAY[TIMESTAMPTZ '2000-01-01 00:00:00+00' - g * INTERVAL '1 minute'], ARRAY[g * 0.5, NULL], ARRAY[md5(g::text)::uuid], ARRAY[jsonb_build_object('g', g)]
FROM generate_series(1, 3000) g;
`;

/** A value in a form that compares exactly: bigints and bytes as strings, floats with NaN and −0 told apart. */
function render(vector: Vector, row: number): unknown {
  if (!vector.isValid(row)) return null;
  if (DataType.isTimestamp(vector.type) || DataType.isDate(vector.type)) {
    // The stored integers (±infinity sentinels included), not apache-arrow's conversion to milliseconds.
    const data = vector.data[0]!;
    return String((data.values as ArrayLike<number | bigint>)[data.offset + row]);
  }
  const value = vector.get(row) as unknown;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : Number.isNaN(value) ? 'NaN' : value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Uint32Array) return Array.from(value).join(',');
  if (value && typeof (value as Vector).isValid === 'function') {
    const child = value as Vector;
    return Array.from({ length: child.length }, (_, i) => render(child, i));
  }
  return value;
}

/** Every buffer of a column (validity, offsets, values, children), as one hash. */
function hashData(hash: ReturnType<typeof createHash>, data: Data): void {
  hash.update(`${data.length}:${data.nullCount}|`);
  for (const buffer of [data.nullBitmap, data.valueOffsets, data.values] as (ArrayBufferView | undefined)[]) {
    if (buffer && buffer.byteLength > 0) hash.update(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
    hash.update('|');
  }
  for (const child of data.children) hashData(hash, child);
}

interface Decoder {
  push(chunk: Uint8Array): RecordBatch[];
  end(): RecordBatch[];
}

function decodeAll(decoder: Decoder, payload: Uint8Array, sizes: () => number): RecordBatch[] {
  const batches: RecordBatch[] = [];
  for (let at = 0; at < payload.length;) {
    const size = Math.min(sizes(), payload.length - at);
    batches.push(...decoder.push(payload.subarray(at, at + size)));
    at += size;
  }
  batches.push(...decoder.end());
  return batches;
}

/**
 * Batch by batch: row counts, every column's buffers (validity, offsets, values, children) by hash,
 * and unless `valuesToo` is false every column's value of every row.
 */
function expectSameBatches(actual: RecordBatch[], expected: RecordBatch[], label: string, valuesToo = true): void {
  expect({ label, rows: actual.map((b) => b.numRows) }).toEqual({ label, rows: expected.map((b) => b.numRows) });
  for (let b = 0; b < expected.length; b++) {
    const want = expected[b]!;
    const got = actual[b]!;
    expect(got.schema.fields.map(String)).toEqual(want.schema.fields.map(String));
    for (let c = 0; c < want.numCols; c++) {
      const wantColumn = want.getChildAt(c)!;
      const gotColumn = got.getChildAt(c)!;
      for (let row = 0; valuesToo && row < want.numRows; row++) {
        const expectedValue = render(wantColumn, row);
        const actualValue = render(gotColumn, row);
        if (actualValue !== expectedValue && JSON.stringify(actualValue) !== JSON.stringify(expectedValue)) {
          expect({ label, batch: b, column: want.schema.fields[c]!.name, row, value: actualValue }).toEqual({
            label,
            batch: b,
            column: want.schema.fields[c]!.name,
            row,
            value: expectedValue,
          });
        }
      }
      const hashOf = (data: Data): string => {
        const hash = createHash('sha1');
        hashData(hash, data);
        return hash.digest('hex');
      };
      expect({ label, column: c, buffers: hashOf(gotColumn.data[0]!) }).toEqual({ label, column: c, buffers: hashOf(wantColumn.data[0]!) });
    }
  }
}

describe('CopyBinaryDecoder (column at a time) against the reference decoder', () => {
  let db: TestDatabase;
  let pool: Pool;
  let client: PoolClient;

  beforeAll(async () => {
    db = await createTestDatabase('fraiseql_a_server_test');
    pool = new Pool({ connectionString: db.url, max: 2 });
    client = await pool.connect();
    await client.query("SET TIME ZONE 'UTC'");
    await client.query(TABLE);
  });

  afterAll(async () => {
    client.release();
    await pool.end();
    await db.drop();
  });

  /** The mapped columns and PostgreSQL's own COPY BINARY bytes of `sql`, read through pg-copy-streams. */
  async function copyOf(sql: string): Promise<{ columns: ColumnMapping[]; payload: Buffer }> {
    const described = await client.query(`SELECT * FROM (${sql}) q LIMIT 0`);
    const columns = described.fields.map((f) =>
      mapPostgresColumn({ name: f.name, typeOid: f.dataTypeID, typeModifier: f.dataTypeModifier }),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of client.query(copyTo(`COPY (${sql}) TO STDOUT (FORMAT binary)`))) chunks.push(chunk as Buffer);
    return { columns, payload: Buffer.concat(chunks) };
  }

  const EXTREMES = 'SELECT * FROM every_type WHERE id < 100 ORDER BY id';
  const ALL = 'SELECT * FROM every_type ORDER BY id';

  it('decodes every mapped type, with NULLs and extremes, value by value as the reference does, whatever the chunking', async () => {
    const { columns, payload } = await copyOf(EXTREMES);
    const options: CopyBinaryDecoderOptions = { batchSize: 2 };
    const expected = decodeAll(new ReferenceCopyBinaryDecoder(columns, options), payload, () => payload.length);
    expect(expected.map((b) => b.numRows)).toEqual([2, 2, 1]);
    // Row 3's long values (up to 180 KB) span many chunks of every size below.
    for (const size of [payload.length, 1, 2, 3, 7, 64, 1000, 65536]) {
      expectSameBatches(
        decodeAll(new CopyBinaryDecoder(columns, options), payload, () => size),
        expected,
        `chunks of ${size}`,
      );
    }
  });

  it('cuts the same batches as the reference (batchSize and maxBatchBytes) over 3,005 rows in random chunkings', async () => {
    const { columns, payload } = await copyOf(ALL);
    const cases: [CopyBinaryDecoderOptions, boolean][] = [
      [{ batchSize: 1000 }, true],
      [{ batchSize: 65536, maxBatchBytes: 100_000 }, false],
      [{ batchSize: 7 }, false],
    ];
    for (const [options, valuesToo] of cases) {
      const expected = decodeAll(new ReferenceCopyBinaryDecoder(columns, options), payload, () => 65536);
      expect(expected.reduce((n, b) => n + b.numRows, 0)).toBe(3005);
      let seed = 11;
      const random = (): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return 1 + (seed % 5000);
      };
      const actual = decodeAll(new CopyBinaryDecoder(columns, options), payload, random);
      expectSameBatches(actual, expected, `random chunks, ${JSON.stringify(options)}`, valuesToo);
    }
  });

  it('reads the same rows through CopyOutStream (notices interspersed in the COPY data) as through pg-copy-streams', async () => {
    await client.query(`CREATE FUNCTION noisy(i int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'row %', i; RETURN i; END $$`);
    const sql = 'SELECT noisy(id) AS noisy, * FROM every_type ORDER BY id';
    const { columns, payload } = await copyOf(sql);
    const expected = decodeAll(new ReferenceCopyBinaryDecoder(columns, { batchSize: 700 }), payload, () => 65536);
    const actual: RecordBatch[] = [];
    for await (const batch of copyQueryToArrow(client, sql, [], { batchSize: 700 })) actual.push(batch);
    expectSameBatches(actual, expected, 'copyQueryToArrow');
    const { rows } = await client.query('SELECT 1 AS still_usable');
    expect(rows).toEqual([{ still_usable: 1 }]);
  });

  it('reports an error raised in the middle of the COPY and leaves the connection usable', async () => {
    const read = async (): Promise<number> => {
      let rows = 0;
      for await (const batch of copyQueryToArrow(
        client,
        'SELECT 1000 / (500 - g) AS q, md5(g::text) AS pad FROM generate_series(1, 100000) g',
        [],
        {
          batchSize: 100,
        },
      ))
        rows += batch.numRows;
      return rows;
    };
    await expect(read()).rejects.toThrow(/division by zero/);
    const { rows } = await client.query('SELECT 2 AS still_usable');
    expect(rows).toEqual([{ still_usable: 2 }]);
  });

  it('raises the reference errors: NaN into Decimal128, a multi-dimensional array, a truncated stream', async () => {
    for (const sql of [`SELECT 'NaN'::numeric(10,2) AS price`, `SELECT ARRAY[[1,2],[3,4]]::int4[] AS grid`]) {
      const { columns, payload } = await copyOf(sql);
      const failure = (decoder: Decoder): unknown => {
        try {
          decodeAll(decoder, payload, () => 3);
          return null;
        } catch (error) {
          return { code: (error as { code?: string }).code, message: (error as Error).message };
        }
      };
      const expected = failure(new ReferenceCopyBinaryDecoder(columns, { batchSize: 10 }));
      expect(expected).not.toBeNull();
      expect(failure(new CopyBinaryDecoder(columns, { batchSize: 10 }))).toEqual(expected);
    }
    const { columns, payload } = await copyOf('SELECT 1 AS one');
    const truncated = payload.subarray(0, payload.length - 1);
    expect(() => decodeAll(new CopyBinaryDecoder(columns, { batchSize: 10 }), truncated, () => 5)).toThrow(/truncated/);
  });

  it('streams 1,000,000 rows with the same checksum of every column as the reference decoder, reusing buffers or not', async () => {
    await client.query(`
      CREATE TEMP TABLE million AS
      SELECT g AS seq, md5(g::text)::uuid AS id, CASE WHEN g % 10 = 0 THEN NULL ELSE 'status-' || (g % 7) END AS status,
        (g % 100000 * 1.25)::numeric(12,2) AS total, g::int8 * 3 AS units, TIMESTAMPTZ '2020-01-01 00:00:00+00' + g * INTERVAL '1 second' AS placed_at,
        DATE '2020-01-01' + g % 3000 AS placed_on, g % 3 = 0 AS cancelled, g / 7.0::float8 AS price,
        ARRAY['sku-' || g % 100, 'sku-' || g % 37] AS skus, jsonb_build_object('city', 'c' || g % 50, 'zip', g % 99999) AS address,
        CASE WHEN g % 4 = 0 THEN 'note ' || g END AS notes
      FROM generate_series(1, 1000000) g`);
    const sql = 'SELECT * FROM million ORDER BY seq';
    const described = await client.query(`${sql} LIMIT 0`);
    const columns = described.fields.map((f) =>
      mapPostgresColumn({ name: f.name, typeOid: f.dataTypeID, typeModifier: f.dataTypeModifier }),
    );
    const options = { batchSize: 65536, maxBatchBytes: 3 * 1024 * 1024 };
    const checksums = async (batches: AsyncIterable<RecordBatch>): Promise<{ rows: number; batches: number[]; columns: string[] }> => {
      const hashes = columns.map(() => createHash('sha1'));
      const sizes: number[] = [];
      for await (const batch of batches) {
        sizes.push(batch.numRows);
        batch.data.children.forEach((child, c) => hashData(hashes[c]!, child));
      }
      return { rows: sizes.reduce((a, b) => a + b, 0), batches: sizes, columns: hashes.map((h) => h.digest('hex')) };
    };
    const reference = async function* (): AsyncGenerator<RecordBatch> {
      const decoder = new ReferenceCopyBinaryDecoder(columns, options);
      for await (const chunk of client.query(copyTo(`COPY (${sql}) TO STDOUT (FORMAT binary)`))) yield* decoder.push(chunk as Buffer);
      yield* decoder.end();
    };
    const expected = await checksums(reference());
    expect(expected.rows).toBe(1_000_000);
    expect(await checksums(copyQueryToArrow(client, sql, [], options))).toEqual(expected);
    // Reusing column buffers (DoGet's way: each batch is done with before the next is pulled) changes nothing.
    expect(await checksums(copyQueryToArrow(client, sql, [], { ...options, reuseBuffers: true }))).toEqual(expected);
  });
});
