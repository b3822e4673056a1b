import { Readable } from 'node:stream';
import type { Connection, Submittable } from 'pg';
import { FraiseqlError } from '@fraiseql/errors';

// Backend message types met during COPY OUT (PostgreSQL protocol, "Message Formats").
const COPY_DATA = 0x64; // d
const COPY_OUT_RESPONSE = 0x48; // H
const COPY_DONE = 0x63; // c
const ERROR_RESPONSE = 0x45; // E
const NOTICE_RESPONSE = 0x4e; // N
const PARAMETER_STATUS = 0x53; // S
const NOTIFICATION_RESPONSE = 0x41; // A
const MESSAGE_HEADER_BYTES = 5;

type DataListener = (chunk: Buffer) => void;
interface ConnectionStream {
  listeners(event: 'data'): DataListener[];
  on(event: 'data', listener: DataListener): void;
  removeListener(event: 'data', listener: DataListener): void;
  pause(): void;
  resume(): void;
}

/**
 * `COPY … TO STDOUT` for node-postgres, as a Readable of the COPY data only: while the copy runs it
 * reads the connection's socket itself, and moves the payloads of the CopyData messages of each
 * socket chunk together in place (one memmove per message, no Buffer per row), so each chunk
 * becomes one contiguous piece of the COPY stream. Notices, parameter status and notifications
 * in between are skipped. At CopyDone (or an ErrorResponse) the socket goes back to pg's own
 * parser with the bytes that follow, so pg completes the query (or reports the error) as usual.
 * Backpressure: the socket is paused while the consumer does not read.
 */
export class CopyOutStream extends Readable implements Submittable {
  rowCount = 0;
  private stream: ConnectionStream | null = null;
  private pgListener: DataListener | null = null;
  /** Bytes of a message header split by a chunk boundary (fewer than 5). */
  private header = Buffer.alloc(MESSAGE_HEADER_BYTES);
  private headerBytes = 0;
  /** Payload bytes left in the current message, and whether they are CopyData. */
  private left = 0;
  private copyData = false;
  private paused = false;
  private readonly onData: DataListener = (chunk) => this.receive(chunk);

  constructor(private readonly text: string) {
    // A few socket chunks may wait for the consumer before the socket is paused.
    super({ highWaterMark: 256 * 1024 });
  }

  submit(connection: Connection): void {
    const stream = (connection as unknown as { stream: ConnectionStream }).stream;
    const listeners = stream.listeners('data');
    if (listeners.length !== 1) {
      throw new FraiseqlError('FRAISEQL_INTERNAL', `expected pg's one socket listener, found ${listeners.length}`);
    }
    this.stream = stream;
    this.pgListener = listeners[0]!;
    stream.removeListener('data', this.pgListener);
    stream.on('data', this.onData);
    connection.query(this.text);
  }

  override _read(): void {
    if (this.paused && this.stream) {
      this.paused = false;
      this.stream.resume();
    }
  }

  private receive(chunk: Buffer): void {
    let read = 0;
    let write = 0;
    const size = chunk.length;
    while (read < size) {
      if (this.left > 0) {
        const n = Math.min(this.left, size - read);
        if (this.copyData) {
          if (write !== read) chunk.copyWithin(write, read, read + n);
          write += n;
        }
        read += n;
        this.left -= n;
        continue;
      }
      // A message header: type byte and int32 length (which counts itself).
      let type: number;
      let length: number;
      if (this.headerBytes === 0 && size - read >= MESSAGE_HEADER_BYTES) {
        type = chunk[read]!;
        length = chunk.readInt32BE(read + 1);
        if (type !== COPY_DATA && !isInterspersed(type)) return this.finish(chunk, write, chunk.subarray(read));
        read += MESSAGE_HEADER_BYTES;
      } else {
        const n = Math.min(MESSAGE_HEADER_BYTES - this.headerBytes, size - read);
        chunk.copy(this.header, this.headerBytes, read, read + n);
        const started = this.headerBytes;
        this.headerBytes += n;
        read += n;
        if (this.headerBytes < MESSAGE_HEADER_BYTES) continue;
        this.headerBytes = 0;
        type = this.header[0]!;
        length = this.header.readInt32BE(1);
        if (type !== COPY_DATA && !isInterspersed(type)) {
          // Hand pg the whole message: its header bytes from before this chunk, then the rest.
          const rest = Buffer.concat([this.header.subarray(0, started), chunk.subarray(read - n)]);
          return this.finish(chunk, write, rest);
        }
      }
      this.copyData = type === COPY_DATA;
      this.left = length - 4;
    }
    if (write > 0 && !this.push(chunk.subarray(0, write)) && this.stream && !this.paused) {
      this.paused = true;
      this.stream.pause();
    }
  }

  /** CopyDone, ErrorResponse or anything unexpected: pg takes the socket back from that message on. */
  private finish(chunk: Buffer, write: number, rest: Buffer): void {
    const stream = this.stream!;
    const pgListener = this.pgListener!;
    const error = rest[0] === ERROR_RESPONSE;
    // A CopyDone is consumed here (as pg-copy-streams did); CommandComplete and ReadyForQuery go to pg.
    const handBack = !error && rest[0] === COPY_DONE && rest.length >= MESSAGE_HEADER_BYTES ? rest.subarray(MESSAGE_HEADER_BYTES) : rest;
    stream.removeListener('data', this.onData);
    stream.on('data', pgListener);
    this.stream = null;
    if (write > 0) this.push(chunk.subarray(0, write));
    if (!error) this.push(null);
    if (handBack.length > 0) pgListener(handBack);
    if (this.paused) {
      this.paused = false;
      stream.resume();
    }
  }

  handleError(error: Error): void {
    this.destroy(error);
  }

  handleCommandComplete(message: { text?: string }): void {
    const match = /COPY (\d+)/.exec(message?.text ?? '');
    if (match) this.rowCount = Number(match[1]);
  }

  handleReadyForQuery(): void {}
}

function isInterspersed(type: number): boolean {
  return type === COPY_OUT_RESPONSE || type === NOTICE_RESPONSE || type === PARAMETER_STATUS || type === NOTIFICATION_RESPONSE;
}
