import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Which TCP connection (1, 2, ...) carried it. */
  connection: number;
}

export interface LocalReceiver {
  /** `http://127.0.0.1:<port>` */
  url: string;
  host: string;
  requests: ReceivedRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export type ReceiverHandler = (request: ReceivedRequest, response: ServerResponse) => void | Promise<void>;

/** A real HTTP server on 127.0.0.1 that records every request (body included) and answers with `handler`. */
export async function startLocalReceiver(handler: ReceiverHandler): Promise<LocalReceiver> {
  const requests: ReceivedRequest[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const socketId = (req.socket as unknown as { receiverId: number }).receiverId;
      const received = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks), connection: socketId };
      requests.push(received);
      void handler(received, res);
    });
  });
  server.on('connection', (socket) => {
    (socket as unknown as { receiverId: number }).receiverId = ++connections;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
