import { FraiseqlError } from '@fraiseql/errors';
import {
  FlightClient,
  flightDataToRecordBatchesViaIpcStream,
  ipcStreamToFlightData,
  protocol,
  type FlightDataFrame,
} from '@fraiseql/flight';
import { Server, ServerCredentials, type ServerWritableStream, type ServiceDefinition } from '@grpc/grpc-js';
import {
  Dictionary,
  Float64,
  Int32,
  Int64,
  RecordBatchReader,
  Table,
  Utf8,
  tableToIPC,
  vectorFromArray,
  type RecordBatch,
} from 'apache-arrow';

function servedTable(): Table {
  const part = (n: number): Table =>
    new Table({
      id: vectorFromArray([n, null, n + 2, -2147483648], new Int32()),
      big: vectorFromArray([BigInt(n) * 10_000_000_000n, 9223372036854775807n, null, -1n], new Int64()),
      amount: vectorFromArray([0.5, null, -0, Number.NaN], new Float64()),
      label: vectorFromArray([`row ${n}`, 'ü😀', null, ''], new Utf8()),
      status: vectorFromArray(['open', null, 'paid', 'open'], new Dictionary(new Utf8(), new Int32())),
    });
  return part(1).concat(part(100), part(1000));
}

/** The served FlightData; each gets an unknown field of a different size first, so that bodies arrive at every alignment. */
async function servedMessages(): Promise<Buffer[]> {
  const messages: Buffer[] = [];
  let i = 0;
  for await (const frame of ipcStreamToFlightData([tableToIPC(servedTable(), 'stream')])) {
    const writer = protocol.FlightData.encode(frame);
    writer.uint32((50 << 3) | 2).bytes(new Uint8Array(i++ % 8));
    messages.push(Buffer.from(writer.finish()));
  }
  return messages;
}

/** DoGet only, sending the bytes it is given as the messages (no protobuf encoding): a server that can misbehave. */
const RAW_DO_GET: ServiceDefinition = {
  DoGet: {
    path: '/arrow.flight.protocol.FlightService/DoGet',
    requestStream: false,
    responseStream: true,
    requestSerialize: (ticket: { ticket?: Uint8Array }) => Buffer.from(protocol.Ticket.encode(ticket).finish()),
    requestDeserialize: (bytes: Buffer) => protocol.Ticket.decode(bytes),
    responseSerialize: (message: Buffer) => message,
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};

const rowsOf = (batches: readonly RecordBatch[]): unknown[] =>
  new Table(batches)
    .toArray()
    .map((row) => JSON.stringify(row.toJSON(), (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value)));

describe('FlightClient.doGet decodes what grpc-js receives, and refuses malformed FlightData with a code', () => {
  let server: Server;
  let client: FlightClient;
  let messages: Buffer[];

  beforeAll(async () => {
    messages = await servedMessages();
    server = new Server();
    server.addService(RAW_DO_GET, {
      DoGet: (call: ServerWritableStream<{ ticket?: Uint8Array }, Buffer>) => {
        const ticket = Buffer.from(call.request.ticket ?? []).toString();
        // schema, dictionary, batch, dictionary, batch, ...: the second batch comes cut in half.
        const batch = messages[4]!;
        const sent: Record<string, Buffer[]> = {
          table: messages,
          truncated: [...messages.slice(0, 4), batch.subarray(0, batch.byteLength >> 1)],
          'garbage header': [
            messages[0]!,
            Buffer.from(protocol.FlightData.encode({ dataHeader: Buffer.alloc(64, 0x7f), dataBody: Buffer.alloc(64) }).finish()),
          ],
          'not protobuf': [messages[0]!, Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3])],
          'with progress metadata': messages.flatMap((message) => [
            message,
            Buffer.from(protocol.FlightData.encode({ appMetadata: Buffer.from('progress') }).finish()),
          ]),
        };
        for (const message of sent[ticket] ?? []) call.write(message);
        call.end();
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    client = new FlightClient(`127.0.0.1:${port}`);
  });

  afterAll(async () => {
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  it('yields the same batches as the reference decoding of the same messages, bodies at every alignment', async () => {
    const batches: RecordBatch[] = [];
    for await (const batch of client.doGet(Buffer.from('table'))) batches.push(batch);
    const reference: RecordBatch[] = [];
    const frames = (async function* (): AsyncGenerator<FlightDataFrame> {
      for (const message of messages) {
        const decoded = protocol.FlightData.decode(message);
        yield { dataHeader: decoded.dataHeader ?? new Uint8Array(0), dataBody: decoded.dataBody ?? new Uint8Array(0) };
      }
    })();
    for await (const batch of flightDataToRecordBatchesViaIpcStream(frames)) reference.push(batch);
    expect(batches.map((batch) => batch.numRows)).toEqual([4, 4, 4]);
    expect(rowsOf(batches)).toEqual(rowsOf(reference));
    expect(rowsOf(batches)).toEqual(rowsOf(servedTable().batches));
  });

  it('doGetIpcStream hands out the IPC stream of the same batches', async () => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of client.doGetIpcStream(Buffer.from('table'))) chunks.push(Uint8Array.from(chunk));
    const reader = await RecordBatchReader.from(chunks);
    expect(rowsOf(reader.readAll())).toEqual(rowsOf(servedTable().batches));
  });

  it('passes over FlightData that carry only app_metadata, in doGet and doGetIpcStream', async () => {
    const batches: RecordBatch[] = [];
    for await (const batch of client.doGet(Buffer.from('with progress metadata'))) batches.push(batch);
    expect(rowsOf(batches)).toEqual(rowsOf(servedTable().batches));
    const chunks: Uint8Array[] = [];
    for await (const chunk of client.doGetIpcStream(Buffer.from('with progress metadata'))) chunks.push(Uint8Array.from(chunk));
    expect(rowsOf((await RecordBatchReader.from(chunks)).readAll())).toEqual(rowsOf(servedTable().batches));
  });

  it.each(['truncated', 'garbage header', 'not protobuf'])(
    'a %s FlightData fails the DoGet with FRAISEQL_FLIGHT_DATA_INVALID',
    async (ticket) => {
      let rows = 0;
      const failure = await (async () => {
        for await (const batch of client.doGet(Buffer.from(ticket))) rows += batch.numRows;
      })().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(FraiseqlError);
      expect(failure).toMatchObject({ code: 'FRAISEQL_FLIGHT_DATA_INVALID' });
      expect(rows).toBe(ticket === 'truncated' ? 4 : 0);
    },
  );
});
