import { createInbox, headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from 'nats';

/** How one publish ended: `error` set when it failed (refused, no stream, timed out, connection closed). */
export type PublishSettled = (error: Error | undefined, duplicate: boolean) => void;

export interface StreamPublisherOptions {
  nc: NatsConnection;
  /** The stream every message must land in (sent as Nats-Expected-Stream, checked in the ack). */
  stream: string;
  /** A publish not acknowledged within this fails. */
  timeoutMs: number;
}

interface Pending {
  settled: PublishSettled;
  deadline: number;
}

const MSG_ID = 'Nats-Msg-Id';
const EXPECTED_STREAM = 'Nats-Expected-Stream';

/**
 * Asynchronous JetStream publishing with the same wire exchange as `js.publish()` (one HPUB with
 * Nats-Msg-Id and Nats-Expected-Stream, one PubAck reply), for a caller that publishes thousands of
 * messages and only needs each one's outcome.
 *
 * `js.publish()` pays per message for a request with its own timer, an Error captured for its stack,
 * a generator-based async function and a promise chain: in the relay's CPU profile that was a third
 * of its Node time (docs/adr/0147-relay-at-raw-publish-speed.md). Here the replies come to one
 * subscription (`<inbox>.<n>`), each settles a plain callback synchronously, and one timer sweeps
 * expired publishes (oldest first, since ids and deadlines grow together).
 */
export class StreamPublisher {
  private readonly nc: NatsConnection;
  private readonly stream: string;
  private readonly timeoutMs: number;
  private readonly inbox: string;
  private readonly subscription: Subscription;
  private readonly pending = new Map<number, Pending>();
  /** Reused for every message without trace context: nats.js encodes headers when publish() is called. */
  private readonly sharedHeaders: MsgHdrs;
  private readonly sweeper: NodeJS.Timeout;
  private nextId = 0;
  private closed = false;

  constructor(options: StreamPublisherOptions) {
    this.nc = options.nc;
    this.stream = options.stream;
    this.timeoutMs = options.timeoutMs;
    this.inbox = `${createInbox()}.`;
    this.sharedHeaders = natsHeaders();
    this.sharedHeaders.set(EXPECTED_STREAM, this.stream);
    this.subscription = this.nc.subscribe(`${this.inbox}*`, {
      callback: (error, msg) => {
        // An error here is about the subscription (e.g. a permissions violation), not one message:
        // the publishes it concerns time out and their batches are retried.
        if (!error) this.onReply(msg);
      },
    });
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(1000, Math.floor(this.timeoutMs / 10))));
    this.sweeper.unref();
  }

  /** Publishes unacknowledged messages awaiting their ack. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Sends one message; `settled` is called exactly once, later (never from inside this call).
   * `headers`, when given, are this message's own (e.g. its trace context) and get the JetStream
   * headers added. Throws synchronously when the connection is closed (nothing was sent).
   */
  publish(subject: string, payload: Uint8Array, msgId: string, headers: MsgHdrs | undefined, settled: PublishSettled): void {
    if (this.closed) throw new Error('the relay publisher is closed');
    const own = headers ?? this.sharedHeaders;
    own.set(MSG_ID, msgId);
    if (headers) headers.set(EXPECTED_STREAM, this.stream);
    const id = this.nextId++;
    this.nc.publish(subject, payload, { reply: this.inbox + id, headers: own });
    this.pending.set(id, { settled, deadline: Date.now() + this.timeoutMs });
  }

  /** Fails every pending publish and stops listening for acks. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
    this.failAll(new Error('the relay publisher closed before JetStream acknowledged the message'));
  }

  private onReply(msg: Msg): void {
    const id = Number(msg.subject.slice(this.inbox.length));
    const entry = this.pending.get(id);
    // A reply to a publish that already timed out: its batch failed and will be sent again.
    if (entry === undefined) return;
    this.pending.delete(id);
    const [error, duplicate] = this.readAck(msg);
    entry.settled(error, duplicate);
  }

  /** A PubAck `{"stream":…,"seq":…,"duplicate":true}`, an API error `{"error":{…}}`, or a status (503 no responders). */
  private readAck(msg: Msg): [Error | undefined, boolean] {
    if (msg.headers?.hasError) {
      const code = msg.headers.code;
      return [
        new Error(
          code === 503
            ? `no JetStream stream answered (503): is ${this.stream} there?`
            : `JetStream replied ${code} ${msg.headers.description}`,
        ),
        false,
      ];
    }
    let ack: { stream?: string; duplicate?: boolean; error?: { code?: number; err_code?: number; description?: string } };
    try {
      ack = JSON.parse(msg.string()) as typeof ack;
    } catch (parseError) {
      return [new Error('JetStream sent an unreadable publish acknowledgement', { cause: parseError }), false];
    }
    if (ack.error)
      return [
        new Error(`JetStream refused the message: ${ack.error.description ?? 'unknown error'} (${ack.error.err_code ?? ack.error.code})`),
        false,
      ];
    if (ack.stream !== this.stream) return [new Error(`JetStream stored the message in ${String(ack.stream)}, not ${this.stream}`), false];
    return [undefined, ack.duplicate === true];
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.pending) {
      // Insertion order is id order, and deadlines grow with ids: the first live one ends the sweep.
      if (entry.deadline > now) return;
      this.pending.delete(id);
      entry.settled(new Error(`JetStream did not acknowledge within ${this.timeoutMs} ms`), false);
    }
  }

  private failAll(error: Error): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) entry.settled(error, false);
  }
}
