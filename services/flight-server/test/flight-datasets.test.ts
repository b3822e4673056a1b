import { Metadata, type Client } from '@grpc/grpc-js';
import { DataType, Int32, Int64, Table, Utf8, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import { FLIGHT_SERVICE, FlightClient, TicketCodec, type FlightInfo } from '@fraiseql/flight';
import { waitFor } from '@fraiseql/testkit';
import { ORG_A, ORG_B, startFlightStack, TICKET_SECRET, type FlightStack } from './fixtures/flight-stack';
import { NUMBERS_ROWS, prepareTypedDatasets, typedDatasetsSchema } from './fixtures/typed-datasets';

const cmd = (value: unknown) => ({ type: 2, cmd: Buffer.from(JSON.stringify(value)) });
const path = (...parts: string[]) => ({ type: 1, path: parts });
const tickets = (info: FlightInfo): Uint8Array[] => (info.endpoint ?? []).map((e) => e.ticket!.ticket!);

/** Rows as comparable JSON: bigints and decimals as strings, bytes as hex, nested vectors as arrays. */
function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Uint32Array) return Array.from(value).join(',');
  // A list cell is a Vector: iterate it (get() honours validity; toArray() would turn nulls into zeros).
  if (typeof value === 'object' && value !== null && 'toArray' in value && Symbol.iterator in value)
    return Array.from(value as Iterable<unknown>, plain);
  return value;
}
const rowsOf = (table: Table): unknown[][] =>
  table.toArray().map((row) => table.schema.fields.map((f) => plain((row as Record<string, unknown>)[f.name])));

async function expectCode(promise: Promise<unknown>, code: string, grpcStatusName: string): Promise<FraiseqlError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FraiseqlError);
  expect((error as FraiseqlError).code).toBe(code);
  expect((error as FraiseqlError).details?.grpcStatusName).toBe(grpcStatusName);
  return error as FraiseqlError;
}

async function drain(iterable: AsyncIterable<RecordBatch>): Promise<number> {
  let rows = 0;
  for await (const batch of iterable) rows += batch.numRows;
  return rows;
}

describe('flight-server over typed datasets (real PostgreSQL as fraiseql_flight, real gRPC)', () => {
  let stack: FlightStack;
  let client: FlightClient;

  beforeAll(async () => {
    stack = await startFlightStack({
      compiled: typedDatasetsSchema(),
      prepare: prepareTypedDatasets,
      maxConcurrentStreams: 2,
      settings: { batchSize: 50_000, partitionRows: 300_000 },
    });
    client = await stack.client();
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('lists the declared datasets, and GetFlightInfo/GetSchema give their declared columns in order', async () => {
    const listed: string[] = [];
    for await (const info of client.listFlights()) listed.push((info.flightDescriptor?.path ?? []).join('/'));
    expect(listed).toEqual([
      'ta_all_types',
      'ta_all_types_copy',
      'va_numbers',
      'va_endless',
      'query/widgets',
      // Listed even with no analytics source answering (docs/flight.md).
      'analytics/events_hourly',
      'analytics/entities_daily',
      'analytics/events',
      'analytics/entity_state',
    ]);

    const info = await client.getFlightInfo(path('ta_all_types'));
    const schema = (await client.doGetTable(tickets(info)[0]!)).schema;
    expect(schema.fields.map((f) => f.name)).toEqual([
      'id',
      'org_id',
      'i2',
      'i4',
      'i8',
      'f4',
      'f8',
      'n',
      'n_free',
      't',
      'vc',
      'b',
      'd',
      'ts',
      'tstz',
      'u',
      'j',
      'ints',
      'texts',
    ]);
    expect(schema.fields.map((f) => String(f.type))).toEqual([
      'Int64',
      'FixedSizeBinary[16]',
      'Int16',
      'Int32',
      'Int64',
      'Float32',
      'Float64',
      'Decimal[12e+3]',
      'Utf8',
      'Utf8',
      'Utf8',
      'Bool',
      'Date32<DAY>',
      'Timestamp<MICROSECOND>',
      'Timestamp<MICROSECOND, UTC>',
      'FixedSizeBinary[16]',
      'Utf8',
      'List<Int32>',
      'List<Utf8>',
    ]);
    expect(schema.fields[0]!.nullable).toBe(false);
    expect(schema.fields[2]!.nullable).toBe(true);
    expect(schema.fields[1]!.metadata.get('ARROW:extension:name')).toBe('arrow.uuid');
    const fromGetSchema = await client.getSchema(path('ta_all_types'));
    expect(Buffer.from(fromGetSchema.schema!).equals(Buffer.from(info.schema!))).toBe(true);
    // Planned at once: the first poll is complete (no descriptor to poll again) and carries the same schema.
    const polled = await client.pollFlightInfo(path('ta_all_types'));
    expect(polled.flightDescriptor ?? null).toBeNull();
    expect(polled.progress).toBe(1);
    expect(Buffer.from(polled.info!.schema!).equals(Buffer.from(info.schema!))).toBe(true);
    expect(tickets(polled.info!)).toHaveLength(1);
  });

  it("streams every type with nulls exactly as PostgreSQL holds them, scoped to the caller's org", async () => {
    const info = await client.getFlightInfo(
      cmd({
        kind: 'view',
        view: 'ta_all_types',
        columns: ['id', 'i8', 't', 'b', 'ints', 'texts', 'j'],
        orderBy: [{ column: 'id', direction: 'asc' }],
      }),
    );
    const table = await client.doGetTable(tickets(info)[0]!);
    expect(table.numRows).toBe(4); // org B's row is not there
    const rows = rowsOf(table);
    expect(rows[0]).toEqual(['1n', '9007199254740993n', 'héllo', true, [1, null, 3], ['x', null, 'z'], '{"a": [1, 2], "b": "ü"}']);
    expect(rows[1]).toEqual(['2n', null, null, null, null, null, null]);
    expect(rows[2]).toEqual(['3n', '-9223372036854775808n', '', false, [], [], '[]']);
  });

  it('DoPut loads the streamed table into a ta_* table in one transaction; DoGet returns identical data', async () => {
    const source = await client.doGetTable(tickets(await client.getFlightInfo(path('ta_all_types')))[0]!);
    const results = await client.doPut(path('ta_all_types_copy'), source);
    const last = JSON.parse(Buffer.from(results.at(-1)!.appMetadata!).toString('utf8'));
    expect(last).toEqual({ committed: true, table: 'ta_all_types_copy', rows: 4, batches: 1 });
    const { rows: diff } = await stack.admin.query(
      `SELECT count(*)::int AS n FROM ((SELECT * FROM ta_all_types WHERE org_id = $1 EXCEPT SELECT * FROM ta_all_types_copy) UNION ALL (SELECT * FROM ta_all_types_copy EXCEPT SELECT * FROM ta_all_types WHERE org_id = $1)) d`,
      [ORG_A],
    );
    expect(diff[0].n).toBe(0);
    const copy = await client.doGetTable(tickets(await client.getFlightInfo(path('ta_all_types_copy')))[0]!);
    const byId = (t: Table) => rowsOf(t).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(byId(copy)).toEqual(byId(source));
    await stack.admin.query('TRUNCATE ta_all_types_copy');
  });

  it('DoPut refuses rows of another org and uploads that do not fit, writing nothing', async () => {
    const foreign = new Table({
      id: vectorFromArray([100n, 101n], new Int64()),
      org_id: vectorFromArray([ORG_A, ORG_B], new Utf8()),
    });
    await expectCode(client.doPut(path('ta_all_types_copy'), foreign), 'FRAISEQL_FORBIDDEN', 'PERMISSION_DENIED');
    const unknownColumn = new Table({ id: vectorFromArray([1n], new Int64()), colour: vectorFromArray(['red'], new Utf8()) });
    await expectCode(client.doPut(path('ta_all_types_copy'), unknownColumn), 'FRAISEQL_PUT_SCHEMA_MISMATCH', 'INVALID_ARGUMENT');
    const wrongType = new Table({ id: vectorFromArray([1n], new Int64()), b: vectorFromArray([1], new Int32()) });
    await expectCode(client.doPut(path('ta_all_types_copy'), wrongType), 'FRAISEQL_PUT_SCHEMA_MISMATCH', 'INVALID_ARGUMENT');
    const overflow = new Table({ id: vectorFromArray([1n], new Int64()), i2: vectorFromArray([40_000], new Int32()) });
    const tooBig = await expectCode(client.doPut(path('ta_all_types_copy'), overflow), 'BAD_USER_INPUT', 'INVALID_ARGUMENT');
    expect(tooBig.message).toContain('40000 does not fit column "i2" (int2)');
    // Two batches: the first is fine, the second collides on the primary key → the whole upload rolls back.
    const good = new Table({ id: vectorFromArray([200n, 201n], new Int64()) });
    const duplicate = new Table({ id: vectorFromArray([202n, 200n], new Int64()) });
    await expectCode(client.doPut(path('ta_all_types_copy'), good.concat(duplicate)), 'FRAISEQL_DB_CONSTRAINT_VIOLATION', 'ALREADY_EXISTS');
    await expectCode(client.doPut(path('va_numbers'), good), 'FRAISEQL_FORBIDDEN', 'PERMISSION_DENIED');
    // Bytes that are no Arrow IPC message: the caller's error, not the server's.
    const raw = (client as unknown as { grpc: Client }).grpc;
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${await stack.jwt('analyst-a', ORG_A)}`);
    const put = raw.makeBidiStreamRequest(
      FLIGHT_SERVICE.DoPut.path,
      FLIGHT_SERVICE.DoPut.requestSerialize,
      FLIGHT_SERVICE.DoPut.responseDeserialize,
      metadata,
    );
    const failed = new Promise<{ code: number; metadata: Metadata }>((resolve) => put.on('error', resolve));
    put.on('data', () => undefined);
    put.write({
      flightDescriptor: path('ta_all_types_copy'),
      dataHeader: Buffer.from('this is not a flatbuffer at all'),
      dataBody: Buffer.alloc(16),
    });
    put.end();
    const failure = await failed;
    expect(failure.code).toBe(3); // INVALID_ARGUMENT
    expect(failure.metadata.get('fraiseql-error-code')).toEqual(['BAD_USER_INPUT']);
    const { rows } = await stack.admin.query('SELECT count(*)::int AS n FROM ta_all_types_copy');
    expect(rows[0].n).toBe(0);
  });

  it('streams one million rows in bounded batches, with the same count and sums as PostgreSQL', async () => {
    const info = await client.getFlightInfo(cmd({ kind: 'view', view: 'va_numbers', columns: ['n', 'half', 'label', 'even'] }));
    let rows = 0;
    let sumN = 0n;
    let evens = 0;
    let nullLabels = 0;
    let largestBatch = 0;
    for await (const batch of client.doGet(tickets(info)[0]!)) {
      rows += batch.numRows;
      largestBatch = Math.max(largestBatch, batch.numRows);
      const n = batch.getChild('n')!;
      const even = batch.getChild('even')!;
      const label = batch.getChild('label')!;
      for (let i = 0; i < batch.numRows; i++) {
        sumN += n.get(i) as bigint;
        if (even.get(i)) evens += 1;
      }
      nullLabels += label.nullCount;
    }
    const { rows: expected } = await stack.admin.query(
      'SELECT count(*)::int AS rows, sum(n)::text AS sum_n, count(*) FILTER (WHERE even)::int AS evens, count(*) FILTER (WHERE label IS NULL)::int AS nulls FROM va_numbers',
    );
    expect(rows).toBe(NUMBERS_ROWS);
    expect(sumN.toString()).toBe(expected[0].sum_n);
    expect(evens).toBe(expected[0].evens);
    expect(nullLabels).toBe(expected[0].nulls);
    expect(largestBatch).toBe(50_000);
  }, 120_000);

  it('splits a large export into hash partitions that together hold every row once', async () => {
    const info = await client.getFlightInfo(path('va_numbers'));
    const parts = tickets(info);
    expect(parts.length).toBeGreaterThan(1);
    expect(Number(info.totalRecords)).toBeGreaterThan(0);
    let rows = 0;
    let sum = 0n;
    for (const ticket of parts) {
      for await (const batch of client.doGet(ticket)) {
        rows += batch.numRows;
        const n = batch.getChild('n')!;
        for (let i = 0; i < batch.numRows; i++) sum += n.get(i) as bigint;
      }
    }
    expect(rows).toBe(NUMBERS_ROWS);
    expect(sum).toBe((BigInt(NUMBERS_ROWS) * BigInt(NUMBERS_ROWS + 1)) / 2n);
  }, 120_000);

  it("refuses forged, expired and other principals' tickets with the right status", async () => {
    const ticket = tickets(await client.getFlightInfo(cmd({ kind: 'view', view: 'ta_all_types', columns: ['id'] })))[0]!;
    const forged = Buffer.from(ticket);
    forged[10] = forged[10]! ^ 0x01;
    await expectCode(drain(client.doGet(forged)), 'FRAISEQL_TICKET_FORGED', 'UNAUTHENTICATED');
    const codec = new TicketCodec({ secret: TICKET_SECRET });
    const expired = codec.issue(
      { kind: 'view', view: 'ta_all_types', columns: ['id'] },
      { subject: 'analyst-a', orgId: ORG_A, roles: [] },
      { ttlMs: 1000, now: Date.now() - 60_000 },
    );
    await expectCode(drain(client.doGet(expired)), 'FRAISEQL_TICKET_EXPIRED', 'UNAUTHENTICATED');
    const otherOrg = await stack.client('analyst-a', ORG_B);
    await expectCode(drain(otherOrg.doGet(ticket)), 'FRAISEQL_TICKET_WRONG_PRINCIPAL', 'PERMISSION_DENIED');
    const otherSubject = await stack.client('analyst-b', ORG_A);
    await expectCode(drain(otherSubject.doGet(ticket)), 'FRAISEQL_TICKET_WRONG_PRINCIPAL', 'PERMISSION_DENIED');
    await expectCode(drain(client.doGet(Buffer.from('not a ticket'))), 'FRAISEQL_TICKET_INVALID', 'INVALID_ARGUMENT');
  });

  it('refuses bad descriptors and callers without credentials', async () => {
    await expectCode(client.getFlightInfo(path('va_missing')), 'FRAISEQL_DATASET_NOT_FOUND', 'NOT_FOUND');
    await expectCode(
      client.getFlightInfo(cmd({ kind: 'view', view: 'ta_all_types', columns: ['id; DROP TABLE x'] })),
      'BAD_USER_INPUT',
      'INVALID_ARGUMENT',
    );
    await expectCode(
      client.getFlightInfo(cmd({ kind: 'view', view: 'ta_all_types', columns: ['nope'] })),
      'BAD_USER_INPUT',
      'INVALID_ARGUMENT',
    );
    await expectCode(client.getFlightInfo({ type: 2, cmd: Buffer.from('{not json') }), 'BAD_USER_INPUT', 'INVALID_ARGUMENT');
    const anonymous = new FlightClient(stack.server.address);
    await expectCode(anonymous.getFlightInfo(path('ta_all_types')), 'FRAISEQL_UNAUTHENTICATED', 'UNAUTHENTICATED');
    await expectCode(
      anonymous.getFlightInfo(path('ta_all_types'), { authorization: 'Bearer a.b.c' }),
      'FRAISEQL_UNAUTHENTICATED',
      'UNAUTHENTICATED',
    );
    anonymous.close();
  });

  it('Handshake turns a JWT into a session token accepted on later calls', async () => {
    const session = new FlightClient(stack.server.address);
    const token = await session.handshake(await stack.jwt('analyst-a', ORG_A));
    expect(token.split('.')).toHaveLength(3);
    const info = await session.getFlightInfo(cmd({ kind: 'view', view: 'ta_all_types', columns: ['id'] }));
    expect((await session.doGetTable(tickets(info)[0]!)).numRows).toBe(4);
    await expectCode(session.handshake('not-a-jwt'), 'FRAISEQL_UNAUTHENTICATED', 'UNAUTHENTICATED');
    session.close();
  });

  it('a client cancelling mid-stream cancels the PostgreSQL query and returns its connection', async () => {
    const activeCopies = async (): Promise<number> => {
      const { rows } = await stack.admin.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND usename = 'fraiseql_flight' AND state = 'active' AND query LIKE 'COPY%'`,
      );
      return rows[0].n;
    };
    const ticket = tickets(await client.getFlightInfo(cmd({ kind: 'view', view: 'va_endless', columns: ['n', 'pad'] })))[0]!;
    const controller = new AbortController();
    let received = 0;
    const reading = (async () => {
      for await (const batch of client.doGet(ticket, { signal: controller.signal })) {
        received += batch.numRows;
        if (received >= 100_000) controller.abort(new Error('enough'));
      }
    })();
    await expect(reading).rejects.toThrow('enough');
    expect(received).toBeGreaterThanOrEqual(100_000);
    await waitFor(async () => (await activeCopies()) === 0, 10_000);
    // The connection went back to the pool (idle), not left mid-COPY or discarded.
    await waitFor(async () => stack.server.pool.idleCount === stack.server.pool.totalCount, 10_000);
    const { rows } = await stack.admin.query(
      `SELECT state FROM pg_stat_activity WHERE datname = current_database() AND usename = 'fraiseql_flight' AND query LIKE 'COPY%'`,
    );
    expect(rows.every((r: { state: string }) => r.state !== 'active')).toBe(true);
  }, 60_000);

  it('holds a stream slot until each stream ends and refuses one more with RESOURCE_EXHAUSTED', async () => {
    const ticket = tickets(await client.getFlightInfo(cmd({ kind: 'view', view: 'va_endless', columns: ['n'] })))[0]!;
    const controllers = [new AbortController(), new AbortController()];
    const firstBatches = controllers.map((controller) => {
      const iterator = client.doGet(ticket, { signal: controller.signal })[Symbol.asyncIterator]();
      return iterator.next().then(() => iterator);
    });
    const open = await Promise.all(firstBatches);
    await expectCode(drain(client.doGet(ticket)), 'FRAISEQL_OVERLOADED', 'RESOURCE_EXHAUSTED');
    controllers[0]!.abort(new Error('done'));
    await open[0]!.next().catch(() => undefined);
    await waitFor(async () => {
      try {
        const small = tickets(await client.getFlightInfo(cmd({ kind: 'view', view: 'ta_all_types', columns: ['id'] })))[0]!;
        return (await client.doGetTable(small)).numRows === 4;
      } catch {
        return false;
      }
    }, 10_000);
    controllers[1]!.abort(new Error('done'));
    await open[1]!.next().catch(() => undefined);
  }, 60_000);

  it('the cancel action stops another stream of the same caller; ListActions names every action', async () => {
    const actions = (await client.listActions()).map((a) => a.type);
    expect(actions).toEqual(['refresh', 'cancel', 'schema-versions', 'list-datasets']);
    const ticket = tickets(await client.getFlightInfo(cmd({ kind: 'view', view: 'va_endless', columns: ['n'] })))[0]!;
    // The stream id arrives in the response headers: read it with a raw call.
    const grpc = (client as unknown as { grpc: Client }).grpc;
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${await stack.jwt('analyst-a', ORG_A)}`);
    const m = FLIGHT_SERVICE.DoGet;
    const call = grpc.makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, { ticket }, metadata);
    const streamId = await new Promise<string>((resolve) =>
      call.on('metadata', (md: Metadata) => resolve(String(md.get('x-fraiseql-stream-id')[0]))),
    );
    const ended = new Promise<{ code: number; details: string }>((resolve) =>
      call.on('error', (e: { code: number; details: string }) => resolve(e)),
    );
    call.on('data', () => undefined);
    const other = await stack.client('analyst-b', ORG_A);
    const refused = await other.doAction('cancel', Buffer.from(JSON.stringify({ streamId })));
    expect(JSON.parse(Buffer.from(refused[0]!.body!).toString())).toEqual({ cancelled: false });
    const result = await client.doAction('cancel', Buffer.from(JSON.stringify({ streamId })));
    expect(JSON.parse(Buffer.from(result[0]!.body!).toString())).toEqual({ cancelled: true });
    const status = await ended;
    expect(status.code).toBe(1); // CANCELLED
    const datasets = JSON.parse(Buffer.from((await client.doAction('list-datasets'))[0]!.body!).toString());
    expect(datasets.map((d: { name: string }) => d.name)).toContain('va_numbers');
    await expectCode(client.doAction('explode'), 'FRAISEQL_OPERATION_NOT_SUPPORTED', 'UNIMPLEMENTED');
  }, 60_000);

  it("DoPut of Arrow types other than the table's own converts them exactly", async () => {
    const upload = new Table({
      id: vectorFromArray([300n], new Int64()),
      i4: vectorFromArray([7], new Int32()),
      n_free: vectorFromArray(['-12.5000'], new Utf8()),
      u: vectorFromArray(['F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6'], new Utf8()),
    });
    expect(DataType.isUtf8(upload.schema.fields[3]!.type)).toBe(true);
    await client.doPut(path('ta_all_types_copy'), upload);
    const { rows } = await stack.admin.query('SELECT i4, n_free::text, u::text, org_id::text FROM ta_all_types_copy WHERE id = 300');
    expect(rows).toEqual([{ i4: 7, n_free: '-12.5000', u: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6', org_id: ORG_A }]);
    await stack.admin.query('TRUNCATE ta_all_types_copy');
  });
});
