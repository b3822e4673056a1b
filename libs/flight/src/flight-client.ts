import {
  Client,
  credentials,
  Metadata,
  status,
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientReadableStream,
  type ClientDuplexStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { recordBatchesToIpcStream } from '@fraiseql/arrow';
import { ERROR_CODES, FraiseqlError, isErrorCode, type ErrorCode } from '@fraiseql/errors';
import { Table, type RecordBatch } from 'apache-arrow';
import { flightDataToIpcStreamAsync, flightDataToRecordBatches, ipcStreamToFlightData, type FlightDataFrame } from './flight-data-framing';
import { readFlightData, type FlightDataMessage, type ReadFlightDataOptions } from './flight-data-reader';
import {
  FLIGHT_SERVICE,
  type ActionType,
  type FlightData,
  type FlightDescriptor,
  type FlightInfo,
  type FlightResult,
  type PollInfo,
  type PutResult,
  type SchemaResult,
} from './flight-service';

export interface FlightClientOptions {
  /** Bearer token sent as `authorization` on every call (replaced by `handshake`). */
  token?: string;
  /** Defaults to an insecure channel (loopback, or TLS terminated in front), or to `tls` when given. */
  credentials?: ChannelCredentials;
  /** TLS to the server (a `grpc+tls://` location): the CA to trust, and a client certificate for mTLS. */
  tls?: FlightClientTlsOptions;
  /** Extra metadata sent on every call (for example the x-fraiseql-dev-* headers of a development server). */
  headers?: Readonly<Record<string, string>>;
  /**
   * grpc-js channel options. By default received messages are unlimited in size (one FlightData
   * carries a whole record batch, often more than grpc's 4 MiB default).
   */
  channelOptions?: ChannelOptions;
}

/** PEM contents; Buffers or strings. */
export interface FlightClientTlsOptions {
  /** The CA bundle the server's certificate must chain to; unset: the system's roots. */
  ca?: Buffer | string;
  /** A client certificate chain and its key, for a server that requires client certificates (mTLS). Both or neither. */
  cert?: Buffer | string;
  key?: Buffer | string;
  /** The name the server's certificate is checked against when it differs from the address's host. */
  serverName?: string;
}

export interface FlightCallOptions {
  signal?: AbortSignal;
  /** Overrides the client's `authorization` header for this call. */
  authorization?: string;
  deadline?: Date | number;
}

/** Trailer a FraiseQL Flight server may set to name the exact error code. */
export const ERROR_CODE_TRAILER = 'fraiseql-error-code';

/**
 * Channel defaults for bulk Arrow: any message size (one FlightData is a whole batch), and a 16 MiB
 * HTTP/2 receive window, so the server is not stalled waiting for window updates every 64 KiB.
 */
export const FLIGHT_CHANNEL_DEFAULTS: ChannelOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc-node.flow_control_window': 16 * 1024 * 1024,
};

/** A Node client for any Arrow Flight server. */
export class FlightClient {
  private readonly grpc: Client;
  private token: string | undefined;
  private readonly headers: Readonly<Record<string, string>>;

  constructor(address: string, options: FlightClientOptions = {}) {
    this.grpc = new Client(address, options.credentials ?? channelCredentials(options.tls), {
      ...FLIGHT_CHANNEL_DEFAULTS,
      ...(options.tls?.serverName
        ? { 'grpc.ssl_target_name_override': options.tls.serverName, 'grpc.default_authority': options.tls.serverName }
        : {}),
      ...options.channelOptions,
    });
    this.token = options.token;
    this.headers = options.headers ?? {};
  }

  /**
   * Sends the bearer credential (a JWT or an API key) as the Handshake payload; the session token the server answers
   * with is used on later calls. Without one, the client's own headers (development headers, say) name the caller.
   */
  async handshake(bearer?: string, options: FlightCallOptions = {}): Promise<string> {
    const m = FLIGHT_SERVICE.Handshake;
    const credential = bearer === undefined || bearer === '' ? undefined : bearer;
    const call = this.grpc.makeBidiStreamRequest(
      m.path,
      m.requestSerialize,
      m.responseDeserialize,
      this.metadata(credential === undefined ? options : { ...options, authorization: `Bearer ${credential}` }),
      this.callOptions(options),
    );
    let headerToken: string | undefined;
    call.on('metadata', (md: Metadata) => {
      const value = md.get('authorization')[0];
      if (typeof value === 'string' && value.startsWith('Bearer ')) headerToken = value.slice('Bearer '.length);
    });
    call.write({ payload: Buffer.from(credential ?? '', 'utf8') });
    call.end();
    let payloadToken: string | undefined;
    for await (const response of this.read(call, options)) {
      if (response.payload && response.payload.byteLength > 0) payloadToken = Buffer.from(response.payload).toString('utf8');
    }
    const token = headerToken ?? payloadToken ?? credential;
    if (token === undefined) throw new FraiseqlError('FRAISEQL_UNAUTHENTICATED', 'The Handshake returned no session token');
    this.token = token;
    return token;
  }

  async *listFlights(
    expression: Uint8Array = new Uint8Array(0),
    options: FlightCallOptions = {},
  ): AsyncGenerator<FlightInfo, void, undefined> {
    const m = FLIGHT_SERVICE.ListFlights;
    yield* this.read(
      this.grpc.makeServerStreamRequest(
        m.path,
        m.requestSerialize,
        m.responseDeserialize,
        { expression },
        this.metadata(options),
        this.callOptions(options),
      ),
      options,
    );
  }

  getFlightInfo(descriptor: FlightDescriptor, options: FlightCallOptions = {}): Promise<FlightInfo> {
    return this.unary(FLIGHT_SERVICE.GetFlightInfo, descriptor, options);
  }

  /** Long-running queries: the server answers with what is known; `info` is complete when no `flightDescriptor` comes back. */
  pollFlightInfo(descriptor: FlightDescriptor, options: FlightCallOptions = {}): Promise<PollInfo> {
    return this.unary(FLIGHT_SERVICE.PollFlightInfo, descriptor, options);
  }

  getSchema(descriptor: FlightDescriptor, options: FlightCallOptions = {}): Promise<SchemaResult> {
    return this.unary(FLIGHT_SERVICE.GetSchema, descriptor, options);
  }

  /** The RecordBatches of a ticket, decoded as they arrive. Stop iterating (or abort) to cancel. */
  async *doGet(ticket: Uint8Array, options: FlightCallOptions = {}): AsyncGenerator<RecordBatch, void, undefined> {
    const call = this.doGetCall(ticket, options, readReceivedFlightData);
    try {
      yield* flightDataToRecordBatches(this.frames(this.read(call, options)));
    } finally {
      call.cancel();
    }
  }

  /**
   * The ticket's data as Arrow IPC stream bytes, framed exactly as the server sent them (schema,
   * batches, end-of-stream): pipe them to an `.arrows` file or any IPC reader. Stop iterating to cancel.
   */
  async *doGetIpcStream(ticket: Uint8Array, options: FlightCallOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const call = this.doGetCall(ticket, options, readReceivedFlightDataAsIs);
    try {
      yield* flightDataToIpcStreamAsync(this.frames(this.read(call, options)));
    } finally {
      call.cancel();
    }
  }

  async doGetTable(ticket: Uint8Array, options: FlightCallOptions = {}): Promise<Table> {
    const batches: RecordBatch[] = [];
    for await (const batch of this.doGet(ticket, options)) batches.push(batch);
    return new Table(batches);
  }

  /** Uploads a table's batches (descriptor on the first message) and returns the server's PutResults. */
  async doPut(descriptor: FlightDescriptor, table: Table, options: FlightCallOptions = {}): Promise<PutResult[]> {
    const m = FLIGHT_SERVICE.DoPut;
    const call = this.grpc.makeBidiStreamRequest(
      m.path,
      m.requestSerialize,
      m.responseDeserialize,
      this.metadata(options),
      this.callOptions(options),
    );
    const results = this.collect(this.read(call, options));
    try {
      let first = true;
      for await (const frame of ipcStreamToFlightData(recordBatchesToIpcStream(table.batches))) {
        const message: FlightData = first ? { flightDescriptor: descriptor, ...frame } : frame;
        first = false;
        if (!call.write(message)) await new Promise((resolve) => call.once('drain', resolve));
      }
      call.end();
    } catch (error) {
      call.cancel();
      await results.catch(() => undefined);
      throw error;
    }
    return results;
  }

  doAction(type: string, body: Uint8Array = new Uint8Array(0), options: FlightCallOptions = {}): Promise<FlightResult[]> {
    const m = FLIGHT_SERVICE.DoAction;
    return this.collect(
      this.read(
        this.grpc.makeServerStreamRequest(
          m.path,
          m.requestSerialize,
          m.responseDeserialize,
          { type, body },
          this.metadata(options),
          this.callOptions(options),
        ),
        options,
      ),
    );
  }

  listActions(options: FlightCallOptions = {}): Promise<ActionType[]> {
    const m = FLIGHT_SERVICE.ListActions;
    return this.collect(
      this.read(
        this.grpc.makeServerStreamRequest(
          m.path,
          m.requestSerialize,
          m.responseDeserialize,
          {},
          this.metadata(options),
          this.callOptions(options),
        ),
        options,
      ),
    );
  }

  close(): void {
    this.grpc.close();
  }

  private unary<Req, Res>(
    m: { path: string; requestSerialize: (value: Req) => Buffer; responseDeserialize: (bytes: Buffer) => Res },
    request: Req,
    options: FlightCallOptions,
  ): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      const call = this.grpc.makeUnaryRequest(
        m.path,
        m.requestSerialize,
        m.responseDeserialize,
        request,
        this.metadata(options),
        this.callOptions(options),
        (error, response) => {
          options.signal?.removeEventListener('abort', abort);
          if (error) reject(options.signal?.aborted ? options.signal.reason : flightStatusToError(error));
          else resolve(response as Res);
        },
      );
      const abort = (): void => call.cancel();
      if (options.signal?.aborted) call.cancel();
      else options.signal?.addEventListener('abort', abort, { once: true });
    });
  }

  /** A call's messages; cancels the call on abort or when the consumer stops early. */
  private async *read<T>(
    call: ClientReadableStream<T> | ClientDuplexStream<unknown, T>,
    options: FlightCallOptions,
  ): AsyncGenerator<T, void, undefined> {
    const abort = (): void => call.cancel();
    if (options.signal?.aborted) call.cancel();
    else options.signal?.addEventListener('abort', abort, { once: true });
    try {
      for await (const message of call) yield message as T;
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw flightStatusToError(error as ServiceError);
    } finally {
      options.signal?.removeEventListener('abort', abort);
      call.cancel();
    }
  }

  /**
   * DoGet with the client's own FlightData reader in place of protobufjs: the fields are views of the
   * received message (ADR 0144); a message that does not parse reaches the reader as its error.
   */
  private doGetCall(
    ticket: Uint8Array,
    options: FlightCallOptions,
    deserialize: (bytes: Buffer) => FlightDataMessage | FraiseqlError,
  ): ClientReadableStream<FlightDataMessage | FraiseqlError> {
    const m = FLIGHT_SERVICE.DoGet;
    return this.grpc.makeServerStreamRequest(
      m.path,
      m.requestSerialize,
      deserialize,
      { ticket },
      this.metadata(options),
      this.callOptions(options),
    );
  }

  private async *frames(messages: AsyncIterable<FlightDataMessage | FraiseqlError>): AsyncGenerator<FlightDataFrame, void, undefined> {
    for await (const message of messages) {
      if (message instanceof FraiseqlError) throw message;
      yield message;
    }
  }

  private async collect<T>(messages: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const message of messages) out.push(message);
    return out;
  }

  private metadata(options: FlightCallOptions): Metadata {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(this.headers)) metadata.set(key, value);
    const authorization = options.authorization ?? (this.token === undefined ? undefined : `Bearer ${this.token}`);
    if (authorization !== undefined) metadata.set('authorization', authorization);
    return metadata;
  }

  private callOptions(options: FlightCallOptions): CallOptions {
    return options.deadline === undefined ? {} : { deadline: options.deadline };
  }
}

/**
 * The code of a status without the trailer (another server, or grpc-js itself: a refused TLS handshake is
 * UNAVAILABLE): the general code of that status, so that codes added to the table later never change the answer.
 */
const STATUS_CODES: Partial<Record<status, ErrorCode>> = {
  [status.INVALID_ARGUMENT]: 'FRAISEQL_BAD_REQUEST',
  [status.UNAUTHENTICATED]: 'FRAISEQL_UNAUTHENTICATED',
  [status.PERMISSION_DENIED]: 'FRAISEQL_FORBIDDEN',
  [status.DEADLINE_EXCEEDED]: 'FRAISEQL_TIMEOUT',
  [status.RESOURCE_EXHAUSTED]: 'FRAISEQL_OVERLOADED',
  [status.CANCELLED]: 'FRAISEQL_STREAM_CANCELLED',
  [status.NOT_FOUND]: 'FRAISEQL_DATASET_NOT_FOUND',
  [status.UNAVAILABLE]: 'FRAISEQL_EXECUTOR_UNAVAILABLE',
  [status.INTERNAL]: 'FRAISEQL_INTERNAL',
};

/** A gRPC failure as a FraiseqlError: the server's code trailer when valid, else the general code of that gRPC status. */
export function flightStatusToError(error: ServiceError): FraiseqlError {
  const named = error.metadata?.get(ERROR_CODE_TRAILER)[0];
  const code: ErrorCode =
    typeof named === 'string' && isErrorCode(named)
      ? named
      : (STATUS_CODES[error.code] ??
        (Object.keys(ERROR_CODES) as ErrorCode[]).find((candidate) => ERROR_CODES[candidate].grpc === error.code) ??
        'FRAISEQL_INTERNAL');
  return new FraiseqlError(code, error.details || error.message, {
    cause: error,
    details: { grpcStatus: error.code, grpcStatusName: status[error.code] },
  });
}

function channelCredentials(tls: FlightClientTlsOptions | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', 'Flight client TLS: give both a client certificate and its key, or neither');
  }
  const pem = (value: Buffer | string | undefined): Buffer | null => (value === undefined ? null : Buffer.from(value));
  return credentials.createSsl(pem(tls.ca), pem(tls.key), pem(tls.cert));
}

/**
 * DoGet messages as the client reads them. grpc-js hands each received message over as a fresh Buffer
 * that nothing else reads, so a misaligned body may be moved in place (not for doGetIpcStream, whose
 * bytes are handed out as they came). A parse error is returned, not thrown, so that it reaches the
 * caller with its code (grpc-js would turn a throw into INTERNAL).
 */
function receivedFlightDataReader(options: ReadFlightDataOptions): (bytes: Buffer) => FlightDataMessage | FraiseqlError {
  return (bytes) => {
    try {
      return readFlightData(bytes, options);
    } catch (error) {
      return error instanceof FraiseqlError ? error : new FraiseqlError('FRAISEQL_FLIGHT_DATA_INVALID', String(error), { cause: error });
    }
  };
}

const readReceivedFlightData = receivedFlightDataReader({ alignBodyInPlace: true });
const readReceivedFlightDataAsIs = receivedFlightDataReader({});
