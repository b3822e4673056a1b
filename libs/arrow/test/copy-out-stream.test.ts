import { EventEmitter } from 'node:events';
import type { Connection } from 'pg';
import { CopyOutStream } from '../src/copy-out-stream';

/** A backend message: type byte, int32 length (counting itself), body. */
function message(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** pg's side of the socket: one `data` listener, which records what it is handed. */
function fakeConnection(): { connection: Connection; socket: EventEmitter & { pause(): void; resume(): void }; toPg: Buffer[] } {
  const toPg: Buffer[] = [];
  const socket = Object.assign(new EventEmitter(), { pause: () => undefined, resume: () => undefined });
  socket.on('data', (chunk: Buffer) => toPg.push(chunk));
  const connection = { stream: socket, query: () => undefined } as unknown as Connection;
  return { connection, socket, toPg };
}

async function run(wire: Buffer, chunkSize: number): Promise<{ data: Buffer; toPg: Buffer; error?: Error }> {
  const { connection, socket, toPg } = fakeConnection();
  const stream = new CopyOutStream('COPY (SELECT 1) TO STDOUT (FORMAT binary)');
  stream.submit(connection);
  const parts: Buffer[] = [];
  const done = (async () => {
    for await (const part of stream) parts.push(part as Buffer);
  })();
  for (let at = 0; at < wire.length; at += chunkSize) {
    // A fresh copy per chunk, as a socket hands out its own buffers.
    socket.emit('data', Buffer.from(wire.subarray(at, at + chunkSize)));
  }
  let error: Error | undefined;
  if (toPg.some((b) => b[0] === 0x45)) stream.handleError(new Error('from pg'));
  try {
    await done;
  } catch (caught) {
    error = caught as Error;
  }
  return { data: Buffer.concat(parts), toPg: Buffer.concat(toPg), ...(error ? { error } : {}) };
}

describe('CopyOutStream (COPY OUT messages off the socket, any chunking)', () => {
  const rows = [
    Buffer.from('PGCOPY-header-and-row-1'),
    Buffer.from(''),
    Buffer.from('row 2 é'),
    Buffer.alloc(300, 7),
    Buffer.from([0xff, 0xff]),
  ];
  const after = Buffer.concat([message('C', Buffer.from('COPY 4\0')), message('Z', Buffer.from('I'))]);

  it('passes the CopyData payloads on, skips notices and parameter status, and hands pg what follows CopyDone', async () => {
    const wire = Buffer.concat([
      message('H', Buffer.from([1, 0, 0])),
      message('d', rows[0]),
      message('N', Buffer.from('Snotice\0\0')),
      message('d', rows[1]),
      message('d', rows[2]),
      message('S', Buffer.from('x\0y\0')),
      message('d', rows[3]),
      message('A', Buffer.alloc(9)),
      message('d', rows[4]),
      message('c'),
      after,
    ]);
    for (const size of [wire.length, 1, 2, 3, 4, 5, 6, 7, 64, 333]) {
      const { data, toPg, error } = await run(wire, size);
      expect({ size, error }).toEqual({ size, error: undefined });
      expect({ size, data: data.toString('hex') }).toEqual({ size, data: Buffer.concat(rows).toString('hex') });
      expect({ size, toPg: toPg.toString('hex') }).toEqual({ size, toPg: after.toString('hex') });
    }
  });

  it('hands pg a whole ErrorResponse (header split or not) and ends with the error pg reports', async () => {
    const failure = Buffer.concat([message('E', Buffer.from('SERROR\0Mdivision by zero\0\0')), message('Z', Buffer.from('I'))]);
    const wire = Buffer.concat([message('d', rows[0]), message('d', rows[2]), failure]);
    for (const size of [wire.length, 1, 3, 5, 7, 40]) {
      const { data, toPg, error } = await run(wire, size);
      expect({ size, toPg: toPg.toString('hex') }).toEqual({ size, toPg: failure.toString('hex') });
      expect(error?.message).toBe('from pg');
      // What arrived before the error may or may not have been read: never anything else.
      expect(Buffer.concat([rows[0]!, rows[2]!]).toString('hex').startsWith(data.toString('hex'))).toBe(true);
    }
  });
});
