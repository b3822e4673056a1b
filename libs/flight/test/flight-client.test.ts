import { recordBatchesToIpcStream } from '@fraiseql/arrow';
import { FraiseqlError } from '@fraiseql/errors';
import {
  FLIGHT_SERVICE,
  FlightClient,
  ERROR_CODE_TRAILER,
  flightDataToRecordBatches,
  ipcStreamToFlightData,
  type FlightData,
  type FlightDataFrame,
  type FlightDescriptor,
} from '@fraiseql/flight';
import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { Float64, Int32, Table, Utf8, vectorFromArray, type RecordBatch } from 'apache-arrow';

function servedTable(): Table {
  const part = (offset: number): Table =>
    new Table({
      id: vectorFromArray([offset + 1, null, offset + 3], new Int32()),
      label: vectorFromArray([`a${offset}`, 'ü', null], new Utf8()),
      amount: vectorFromArray([null, 0.5, -2], new Float64()),
    });
  return part(0).concat(part(100));
}

const rows = (table: Table): unknown[] => table.toArray().map((row) => row.toJSON());
const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('utf8');

/** A tiny in-memory Flight server: what it saw is recorded for the assertions. */
class InMemoryFlightServer {
  readonly server = new Server();
  readonly authorizations: string[] = [];
  readonly putTables: Table[] = [];
  putDescriptorPath: string[] = [];
  cancelled!: Promise<void>;
  private markCancelled!: () => void;
  port = 0;

  constructor() {
    this.resetCancelled();
    const seen = (metadata: Metadata): void => {
      const value = metadata.get('authorization')[0];
      if (typeof value === 'string') this.authorizations.push(value);
    };
    const implementation: UntypedServiceImplementation = {
      Handshake: (call: ServerDuplexStream<unknown, unknown>) => {
        seen(call.metadata);
        call.on('data', () => {
          const headers = new Metadata();
          headers.set('authorization', 'Bearer session-42');
          call.sendMetadata(headers);
          call.write({ payload: Buffer.from('session-42') });
        });
        call.on('end', () => call.end());
      },
      ListFlights: (call: ServerWritableStream<unknown, unknown>) => {
        seen(call.metadata);
        call.write({ flightDescriptor: { type: 1, path: ['orders'] }, totalRecords: 6 });
        call.write({ flightDescriptor: { type: 1, path: ['users'] }, totalRecords: -1 });
        call.end();
      },
      GetFlightInfo: (call: ServerUnaryCall<FlightDescriptor, unknown>, callback: sendUnaryData<unknown>) => {
        seen(call.metadata);
        const path = call.request.path ?? [];
        if (path[0] === 'secret') {
          callback({ code: status.PERMISSION_DENIED, details: 'not yours' });
          return;
        }
        if (path[0] === 'coded') {
          const trailer = new Metadata();
          trailer.set(ERROR_CODE_TRAILER, 'FRAISEQL_PAGE_TOO_LARGE');
          callback({ code: status.OUT_OF_RANGE, details: 'too many rows', metadata: trailer });
          return;
        }
        callback(null, { flightDescriptor: call.request, totalRecords: 6, endpoint: [{ ticket: { ticket: Buffer.from('table') } }] });
      },
      DoGet: (call: ServerWritableStream<{ ticket: Uint8Array }, FlightData>) => {
        seen(call.metadata);
        call.on('cancelled', () => this.markCancelled());
        void (async () => {
          if (text(call.request.ticket) === 'endless') {
            const batch = servedTable().batches[0] as RecordBatch;
            for await (const frame of ipcStreamToFlightData(
              recordBatchesToIpcStream(
                (function* () {
                  for (;;) yield batch;
                })(),
              ),
            )) {
              if (call.cancelled) return;
              if (!call.write(frame)) await new Promise((resolve) => call.once('drain', resolve));
              await new Promise((resolve) => setImmediate(resolve));
            }
          }
          for await (const frame of ipcStreamToFlightData(recordBatchesToIpcStream(servedTable().batches))) call.write(frame);
          call.end();
        })();
      },
      DoPut: (call: ServerDuplexStream<FlightData, unknown>) => {
        seen(call.metadata);
        void (async () => {
          const frames = (async function* (server: InMemoryFlightServer) {
            // A finished for-await destroys a duplex stream by default, which would drop the reply.
            for await (const message of call.iterator({ destroyOnReturn: false }) as AsyncIterable<FlightData>) {
              if (message.flightDescriptor) server.putDescriptorPath = message.flightDescriptor.path ?? [];
              yield {
                dataHeader: message.dataHeader ?? new Uint8Array(0),
                dataBody: message.dataBody ?? new Uint8Array(0),
              } satisfies FlightDataFrame;
            }
          })(this);
          const batches: RecordBatch[] = [];
          for await (const batch of flightDataToRecordBatches(frames)) batches.push(batch);
          this.putTables.push(new Table(batches));
          call.write({ appMetadata: Buffer.from(`stored ${batches.length} batches`) });
          call.end();
        })();
      },
      DoAction: (call: ServerWritableStream<{ type: string; body: Uint8Array }, unknown>) => {
        seen(call.metadata);
        call.write({ body: Buffer.from(`${call.request.type}:${text(call.request.body)}`) });
        call.write({ body: Buffer.from('done') });
        call.end();
      },
      ListActions: (call: ServerWritableStream<unknown, unknown>) => {
        call.write({ type: 'refresh', description: 'Reload the data' });
        call.end();
      },
    };
    this.server.addService(FLIGHT_SERVICE, implementation);
  }

  resetCancelled(): void {
    this.cancelled = new Promise((resolve) => (this.markCancelled = resolve));
  }

  async start(): Promise<string> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    return `127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }
}

describe('FlightClient against a real grpc-js Flight server on loopback', () => {
  let flight: InMemoryFlightServer;
  let client: FlightClient;

  beforeEach(async () => {
    flight = new InMemoryFlightServer();
    client = new FlightClient(await flight.start());
  });

  afterEach(async () => {
    client.close();
    await flight.stop();
  });

  it('hands the JWT over in Handshake and sends the session token as a bearer header afterwards', async () => {
    await expect(client.handshake('jwt-abc')).resolves.toBe('session-42');
    const infos = [];
    for await (const info of client.listFlights()) infos.push(info);
    expect(flight.authorizations).toEqual(['Bearer jwt-abc', 'Bearer session-42']);
    expect(infos.map((info) => [info.flightDescriptor?.path, info.totalRecords])).toEqual([
      [['orders'], 6],
      [['users'], -1],
    ]);
  });

  it('sends a per-call authorization header instead of the session token', async () => {
    await client.getFlightInfo({ type: 1, path: ['orders'] }, { authorization: 'Bearer other' });
    expect(flight.authorizations).toEqual(['Bearer other']);
  });

  it('returns FlightInfo with its endpoint ticket', async () => {
    const info = await client.getFlightInfo({ type: 1, path: ['orders'] });
    expect(info.totalRecords).toBe(6);
    expect(text(info.endpoint?.[0]?.ticket?.ticket)).toBe('table');
  });

  it('doGet returns the served table, values and nulls identical', async () => {
    const table = await client.doGetTable(Buffer.from('table'));
    expect(table.batches).toHaveLength(2);
    expect(table.schema.fields.map((field) => String(field.type))).toEqual(['Int32', 'Utf8', 'Float64']);
    expect(rows(table)).toEqual(rows(servedTable()));
  });

  it('doPut uploads batches the server decodes identically, with the descriptor', async () => {
    const sent = servedTable();
    const results = await client.doPut({ type: 1, path: ['uploads', 'orders'] }, sent);
    expect(results.map((result) => text(result.appMetadata))).toEqual(['stored 2 batches']);
    expect(flight.putDescriptorPath).toEqual(['uploads', 'orders']);
    expect(rows(flight.putTables[0] as Table)).toEqual(rows(sent));
  });

  it('doAction and listActions return what the server answered', async () => {
    const results = await client.doAction('refresh', Buffer.from('orders'));
    expect(results.map((result) => text(result.body))).toEqual(['refresh:orders', 'done']);
    expect((await client.listActions()).map((action) => [action.type, action.description])).toEqual([['refresh', 'Reload the data']]);
  });

  it("maps an error status to a FraiseqlError, using the server's code trailer when given", async () => {
    const denied = await client.getFlightInfo({ type: 1, path: ['secret'] }).catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(FraiseqlError);
    expect(denied).toMatchObject({ code: 'FRAISEQL_FORBIDDEN', message: 'not yours', details: { grpcStatus: status.PERMISSION_DENIED } });
    const coded = await client.getFlightInfo({ type: 1, path: ['coded'] }).catch((error: unknown) => error);
    expect(coded).toMatchObject({ code: 'FRAISEQL_PAGE_TOO_LARGE', details: { grpcStatus: status.OUT_OF_RANGE } });
  });

  it('aborting mid-stream cancels the gRPC call and the server sees it cancelled', async () => {
    const controller = new AbortController();
    let received = 0;
    const reading = (async () => {
      for await (const batch of client.doGet(Buffer.from('endless'), { signal: controller.signal })) {
        received += batch.numRows;
        if (received >= 9) controller.abort(new Error('enough'));
      }
    })();
    await expect(reading).rejects.toThrow('enough');
    await flight.cancelled;
    expect(received).toBe(9);
  });
});
