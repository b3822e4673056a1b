import WebSocket from 'ws';
import { waitFor } from './wait-for';

/** One message of the graphql-transport-ws protocol, as received. */
export interface GraphqlWsMessage {
  type: string;
  id?: string;
  payload?: any;
}

/**
 * A graphql-transport-ws client for tests (the protocol of the `graphql-ws` library, which the
 * gateway serves): `connection_init` → `connection_ack`, `subscribe`, then `next` / `error` /
 * `complete` per operation id. It records every message it receives so a test can assert on the
 * exact list, and never reconnects or retries — what the server does is what the test sees.
 */
export class GraphqlWsClient {
  /** Every message received, in order. */
  readonly messages: GraphqlWsMessage[] = [];
  /** The close code and reason once the socket closed (by either side). */
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.messages.push(JSON.parse(String(data)) as GraphqlWsMessage));
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
    });
  }

  /**
   * Opens the socket and sends `connection_init` with `payload` (credentials, e.g.
   * `{ authorization: 'Bearer …' }`). Resolves once the server acknowledged or closed the
   * connection — a test of refused credentials then reads `closed`.
   */
  static async connect(url: string, payload: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<GraphqlWsClient> {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    const client = new GraphqlWsClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'connection_init', payload }));
    await waitFor(() => client.closed !== undefined || client.acknowledged, timeoutMs).catch(() => {
      socket.terminate();
      throw new Error(`no connection_ack from ${url} within ${timeoutMs} ms`);
    });
    return client;
  }

  get acknowledged(): boolean {
    return this.messages.some((m) => m.type === 'connection_ack');
  }

  subscribe(id: string, query: string, variables: Record<string, unknown> = {}): void {
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  }

  /** Ends one operation from the client side. */
  complete(id: string): void {
    this.socket.send(JSON.stringify({ id, type: 'complete' }));
  }

  /** The `data` of every `next` of one operation, in order. */
  data(id: string): any[] {
    return this.messages.filter((m) => m.id === id && m.type === 'next').map((m) => m.payload.data);
  }

  /** The errors of the operation's `error` message, if it got one. */
  errorOf(id: string): any[] | undefined {
    return this.messages.find((m) => m.id === id && m.type === 'error')?.payload;
  }

  /**
   * Waits until the operation received at least `count` results; the failure names what did
   * arrive (results, errors, the close), so a test that times out says why.
   */
  async waitForData(id: string, count: number, timeoutMs = 10_000): Promise<any[]> {
    await waitFor(() => this.data(id).length >= count || this.errorOf(id) !== undefined || this.closed !== undefined, timeoutMs).catch(
      () => undefined,
    );
    const data = this.data(id);
    if (data.length >= count) return data;
    throw new Error(
      `operation ${id} received ${data.length} of ${count} results within ${timeoutMs} ms` +
        ` (results ${JSON.stringify(data)}, error ${JSON.stringify(this.errorOf(id) ?? null)}, closed ${JSON.stringify(this.closed ?? null)})`,
    );
  }

  /** Drops the connection at once (no close handshake) and resolves when the socket is closed. */
  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.terminate();
    await closed;
  }
}
