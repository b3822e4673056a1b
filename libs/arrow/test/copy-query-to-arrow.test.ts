import { Pool, type PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { RecordBatchReader, type RecordBatch, type Vector } from 'apache-arrow';
import { createTestDatabase, type TestDatabase } from '@fraiseql/testkit';
import { CopyBinaryDecoder, copyQueryToArrow, mapPostgresColumn, recordBatchesToIpcStream } from '@fraiseql/arrow';

const TABLE = `
CREATE TABLE sample (
  id int PRIMARY KEY, c_int2 int2, c_int4 int4, c_int8 int8, c_float4 float4, c_float8 float8,
  c_bool bool, c_text text, c_varchar varchar(20), c_bpchar char(3), c_date date, c_ts timestamp,
  c_tstz timestamptz, c_uuid uuid, c_json json, c_jsonb jsonb, c_num numeric, c_num122 numeric(12,2),
  c_num3010 numeric(30,10), c_int4_arr int4[], c_text_arr text[], c_num_arr numeric[], c_date_arr date[]
);
INSERT INTO sample VALUES
 (1, 32767, 2147483647, 9223372036854775807, 3.14, 'NaN', true, 'héllo 🌍 ünïcode', '', 'ab', '1969-12-31',
  '1960-02-29 12:34:56.123456', '2040-01-01 00:00:00.000001+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '{"a": [1, 2, {"b": null}]}', '{"nested": {"deep": [1, "x", {"z": true}]}, "k": "é"}',
  '-123456789012345678901234567890.000000000000000000001', '-9999999999.99', '12345678901234567890.0123456789',
  '{1,NULL,-3}', '{"a","",NULL,"ü"}', '{1.5,NULL,-0.001,NaN}', '{1900-01-01,2100-12-31}'),
 (2, -32768, -2147483648, -9223372036854775808, '-Infinity', 'Infinity', false, '', 'x', 'xyz', '2100-06-15',
  '1899-12-31 23:59:59.999999', '1901-12-13 20:45:52.5+02', '00000000-0000-0000-0000-000000000000',
  '[]', '[]', '0', '0', '-0.0000000001', '{}', '{}', '{}', '{}'),
 (3, 0, 0, 0, 1e-30, 2.2250738585072014e-308, NULL, 'line
break', 'quote''s', 'a', '2038-01-20', '2262-04-11 23:47:16.854775', '1970-01-01 00:00:00+00',
  'ffffffff-ffff-ffff-ffff-ffffffffffff', '"str"', 'null', 'NaN', '0.01', '1', NULL, NULL, NULL, NULL),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
`;

const arr = (col: string): string =>
  `CASE WHEN ${col} IS NULL THEN NULL ELSE '[' || array_to_string(array(SELECT coalesce(x::text, 'null') FROM unnest(${col}) WITH ORDINALITY AS u(x, n) ORDER BY n), ',') || ']' END`;
const epochMicros = (col: string): string => `(extract(epoch FROM ${col}) * 1000000)::bigint::text`;

/** How PostgreSQL renders each column, and how the Arrow value is rendered the same way. */
const EXPECTED_SQL: Record<string, string> = {
  c_int2: 'c_int2::text',
  c_int4: 'c_int4::text',
  c_int8: 'c_int8::text',
  c_float4: 'c_float4::text',
  c_float8: 'c_float8::text',
  c_bool: 'c_bool::text',
  c_text: 'c_text',
  c_varchar: 'c_varchar',
  c_bpchar: "CASE WHEN c_bpchar IS NOT NULL THEN format('%s', c_bpchar) END",
  c_date: `to_char(c_date, 'YYYY-MM-DD')`,
  c_ts: epochMicros('c_ts'),
  c_tstz: epochMicros('c_tstz'),
  c_uuid: 'c_uuid::text',
  c_json: 'c_json::text',
  c_jsonb: 'c_jsonb::text',
  c_num: 'c_num::text',
  c_num122: 'c_num122::text',
  c_num3010: 'c_num3010::text',
  c_int4_arr: arr('c_int4_arr'),
  c_text_arr: arr('c_text_arr'),
  c_num_arr: arr('c_num_arr'),
  c_date_arr: arr('c_date_arr'),
};

function renderArrow(vector: Vector, row: number): string | null {
  if (!vector.isValid(row)) return null;
  const type = vector.type;
  const value = vector.get(row);
  switch (type.toString().replace(/[<[].*$/, '')) {
    case 'Float32':
    case 'Float64':
      return String(value);
    case 'Date32':
    case 'Date64':
    case 'DateDay':
      return new Date(Number(value)).toISOString().slice(0, 10);
    case 'Timestamp': {
      const data = vector.data[0]!;
      return String((data.values as BigInt64Array)[row]);
    }
    case 'FixedSizeBinary': {
      const hex = Buffer.from(value as Uint8Array).toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    case 'Decimal':
      return renderDecimal(value as Uint32Array, (type as unknown as { scale: number }).scale);
    case 'List': {
      const child = value as Vector;
      const parts: string[] = [];
      for (let i = 0; i < child.length; i++) parts.push(renderArrow(child, i) ?? 'null');
      return `[${parts.join(',')}]`;
    }
    default:
      return String(value);
  }
}

function renderDecimal(words: Uint32Array, scale: number): string {
  let big = 0n;
  for (let k = 3; k >= 0; k--) big = (big << 32n) | BigInt(words[k]!);
  big = BigInt.asIntN(128, big);
  const negative = big < 0n;
  const digits = (negative ? -big : big).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}

/** PostgreSQL float text and the JS rendering differ in exponent style; compare the numbers. */
function sameFloat(expected: string | null, actual: string | null, single: boolean): boolean {
  if (expected === null || actual === null) return expected === actual;
  const e = single ? Math.fround(Number(expected)) : Number(expected);
  return Object.is(e, Number(actual));
}

describe('copyQueryToArrow', () => {
  let db: TestDatabase;
  let pool: Pool;
  let client: PoolClient;

  beforeAll(async () => {
    db = await createTestDatabase('fraiseql_arrow');
    pool = new Pool({ connectionString: db.url, max: 2 });
    client = await pool.connect();
    await client.query("SET TIME ZONE 'UTC'; SET DateStyle = 'ISO'");
    await client.query(TABLE);
  });

  afterAll(async () => {
    client.release();
    await pool.end();
    await db.drop();
  });

  async function collect(sql: string, params: unknown[] = [], batchSize = 1000): Promise<RecordBatch[]> {
    const out: RecordBatch[] = [];
    for await (const batch of copyQueryToArrow(client, sql, params as never, { batchSize })) out.push(batch);
    return out;
  }

  it('maps every supported PostgreSQL type, with NULLs and edge values, to the values PostgreSQL returns', async () => {
    const columns = Object.keys(EXPECTED_SQL);
    const [batch] = await collect(`SELECT ${columns.join(', ')} FROM sample ORDER BY id`);
    const expected = await client.query(`SELECT ${columns.map((c) => `${EXPECTED_SQL[c]} AS ${c}`).join(', ')} FROM sample ORDER BY id`);
    expect(batch!.numRows).toBe(4);
    expect(batch!.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'c_int2:Int16',
      'c_int4:Int32',
      'c_int8:Int64',
      'c_float4:Float32',
      'c_float8:Float64',
      'c_bool:Bool',
      'c_text:Utf8',
      'c_varchar:Utf8',
      'c_bpchar:Utf8',
      'c_date:Date32<DAY>',
      'c_ts:Timestamp<MICROSECOND>',
      'c_tstz:Timestamp<MICROSECOND, UTC>',
      'c_uuid:FixedSizeBinary[16]',
      'c_json:Utf8',
      'c_jsonb:Utf8',
      'c_num:Utf8',
      'c_num122:Decimal[12e+2]',
      'c_num3010:Decimal[30e+10]',
      'c_int4_arr:List<Int32>',
      'c_text_arr:List<Utf8>',
      'c_num_arr:List<Utf8>',
      'c_date_arr:List<Date32<DAY>>',
    ]);
    for (const column of columns) {
      const vector = batch!.getChild(column)!;
      for (let row = 0; row < 4; row++) {
        const want = expected.rows[row][column] as string | null;
        const got = renderArrow(vector, row);
        if (column === 'c_float4' || column === 'c_float8') {
          expect({ column, row, same: sameFloat(want, got, column === 'c_float4') }).toEqual({ column, row, same: true });
        } else {
          expect({ column, row, value: got }).toEqual({ column, row, value: want });
        }
      }
    }
    expect(batch!.schema.fields.find((f) => f.name === 'c_uuid')!.metadata.get('ARROW:extension:name')).toBe('arrow.uuid');
  });

  it('refuses a numeric(p,s) NaN and an unmapped type with an error naming the column', async () => {
    await expect(collect(`SELECT 'NaN'::numeric(10,2) AS price`)).rejects.toMatchObject({ code: 'FRAISEQL_DB_INVALID_INPUT' });
    expect(() => mapPostgresColumn({ name: 'shape', typeOid: 600, typeModifier: -1 })).toThrow(/Column "shape".*OID 600/);
  });

  it('inlines $n parameters as quoted literals and never lets them change the query', async () => {
    const [batch] = await collect(`SELECT id, $2 AS label, '$1' AS literal FROM sample WHERE id = $1 OR c_text = $2`, [2, "x' OR true --"]);
    expect(batch!.numRows).toBe(1);
    expect(batch!.getChild('id')!.get(0)).toBe(2);
    expect(batch!.getChild('label')!.get(0)).toBe("x' OR true --");
    expect(batch!.getChild('literal')!.get(0)).toBe('$1');
  });

  it('decodes the same batches whatever the chunking of the COPY stream (1-byte and random chunks)', async () => {
    const sql = 'SELECT c_int8, c_text, c_num, c_num122, c_uuid, c_jsonb, c_text_arr, c_tstz FROM sample ORDER BY id';
    const described = await client.query(`${sql} LIMIT 0`);
    const columns = described.fields.map((f) =>
      mapPostgresColumn({ name: f.name, typeOid: f.dataTypeID, typeModifier: f.dataTypeModifier }),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of client.query(copyTo(`COPY (${sql}) TO STDOUT (FORMAT binary)`))) chunks.push(chunk as Buffer);
    const payload = Buffer.concat(chunks);
    const decodeWith = (sizes: () => number): string => {
      const decoder = new CopyBinaryDecoder(columns, { batchSize: 3 });
      const batches: RecordBatch[] = [];
      for (let at = 0; at < payload.length;) {
        const size = Math.min(sizes(), payload.length - at);
        batches.push(...decoder.push(payload.subarray(at, at + size)));
        at += size;
      }
      batches.push(...decoder.end());
      return JSON.stringify(
        batches.map((b) => b.toArray().map((r) => r.toJSON())),
        (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v),
      );
    };
    const whole = decodeWith(() => payload.length);
    expect(JSON.parse(whole)).toHaveLength(2);
    expect(decodeWith(() => 1)).toBe(whole);
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return 1 + (seed % 40);
    };
    for (let round = 0; round < 5; round++) expect(decodeWith(random)).toBe(whole);
  });

  it('emits a batch every batchSize rows and the rest at the end (10,001 rows, batchSize 1000 → 11 batches)', async () => {
    const batches = await collect('SELECT g AS n FROM generate_series(1, 10001) g', [], 1000);
    expect(batches.map((b) => b.numRows)).toEqual([...Array(10).fill(1000), 1]);
    expect(batches[10]!.getChild('n')!.get(0)).toBe(10001);
  });

  it('ends a batch early once its values reach maxBatchBytes (wide rows make smaller batches, no row is split)', async () => {
    const batches: RecordBatch[] = [];
    // 1000-byte text values: a 10,000-byte bound holds ten rows (the row reaching the bound closes the batch).
    for await (const batch of copyQueryToArrow(client, "SELECT g AS n, repeat('x', 1000) AS pad FROM generate_series(1, 95) g", [], {
      batchSize: 1000,
      maxBatchBytes: 10_000,
    }))
      batches.push(batch);
    expect(batches.map((b) => b.numRows)).toEqual([...Array(9).fill(10), 5]);
    expect(batches.flatMap((b) => [...b.getChild('n')!]).map(Number)).toEqual(Array.from({ length: 95 }, (_, i) => i + 1));
  });

  it('round-trips through an Arrow IPC stream', async () => {
    const ipc: Uint8Array[] = [];
    for await (const bytes of recordBatchesToIpcStream(
      copyQueryToArrow(client, 'SELECT id, c_text, c_num122, c_int4_arr FROM sample ORDER BY id', [], { batchSize: 3 }),
    ))
      ipc.push(bytes);
    const reader = RecordBatchReader.from(Buffer.concat(ipc));
    const rows = [...reader].flatMap((b) => b.toArray().map((r) => r.toJSON()));
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3, 4]);
    expect(rows.map((r) => r.c_text)).toEqual(['héllo 🌍 ünïcode', '', 'line\nbreak', null]);
    expect(rows.map((r) => (r.c_int4_arr ? [...r.c_int4_arr] : null))).toEqual([[1, null, -3], [], null, null]);
  });

  it('yields one empty batch carrying the schema for an empty result', async () => {
    const batches = await collect('SELECT id, c_text FROM sample WHERE false');
    expect(batches).toHaveLength(1);
    expect(batches[0]!.numRows).toBe(0);
    expect(batches[0]!.schema.fields.map((f) => f.name)).toEqual(['id', 'c_text']);
  });

  it('streams 1,000,000 rows batch by batch with the count and checksum PostgreSQL computes', async () => {
    const sql = 'SELECT g::int8 AS n, (g % 1000)::int4 AS m, md5(g::text) AS s FROM generate_series(1, 1000000) g';
    const expected = await client.query(
      `SELECT count(*)::text AS rows, sum(n)::text AS total, sum(m)::text AS msum, sum(length(s))::text AS chars FROM (${sql}) q`,
    );
    let rows = 0;
    let total = 0n;
    let msum = 0;
    let chars = 0;
    for await (const batch of copyQueryToArrow(client, sql, [], { batchSize: 65536 })) {
      rows += batch.numRows;
      const n = batch.getChild('n')!.data[0]!.values as BigInt64Array;
      for (let i = 0; i < batch.numRows; i++) total += n[i]!;
      const m = batch.getChild('m')!.data[0]!.values as Int32Array;
      for (let i = 0; i < batch.numRows; i++) msum += m[i]!;
      const s = batch.getChild('s')!.data[0]!;
      chars += s.valueOffsets[batch.numRows]! - s.valueOffsets[0]!;
    }
    expect({ rows: String(rows), total: String(total), msum: String(msum), chars: String(chars) }).toEqual(expected.rows[0]);
  });
});
