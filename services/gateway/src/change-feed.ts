import { DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JsMsg } from 'nats';

export interface ChangeFeedOptions<T> {
  js: JetStreamClient;
  /** FRAISEQL_EVENTS for entity changes, FRAISEQL_JOBS for job lifecycle events. */
  stream: string;
  /** `eventFilterSubject({ orgId, entityType })`, `jobFilterSubject({ orgId })`: the org comes from the verified auth context. */
  subject: string;
  /** The message's value (`decodeEntityEvent`, `decodeJobLifecycleEvent`); a throw counts it as malformed. */
  decode: (data: Uint8Array) => T;
  /** Events waiting for the socket beyond this many: the subscriber is too slow. */
  maxQueue: number;
  /** Operations and `where` of the subscription (the job id of jobChanged). */
  accepts: (event: T) => boolean;
  /** The value of the subscription's field. */
  project: (event: T) => unknown;
  /** Counts what the feed does with each event. */
  onEvent: (outcome: 'delivered' | 'filtered' | 'malformed', error?: unknown) => void;
  /** Called once when the queue overflows; the feed has already stopped its consumer and dropped its queue. */
  onOverflow: () => void;
  /** Called once when the feed ends for any reason (unsubscribe, disconnect, overflow, shutdown). */
  onEnd: () => void;
}

/**
 * One subscription's events: a JetStream ordered consumer (ephemeral, deliver new, subject
 * filter holding the caller's org) feeding a bounded queue that mercurius drains as fast as the
 * WebSocket takes the messages (it awaits each send). A queue at its bound means the socket does
 * not keep up: the feed stops, and the subscriber is told why (docs/adr/0083-subscriptions.md).
 */
export class ChangeFeed<T = unknown> implements AsyncIterableIterator<unknown> {
  private readonly queue: unknown[] = [];
  private waiting: ((result: IteratorResult<unknown>) => void) | undefined;
  private ended = false;
  private messages: ConsumerMessages | undefined;
  private deleteConsumer: (() => Promise<unknown>) | undefined;

  private constructor(private readonly options: ChangeFeedOptions<T>) {}

  /** Resolves once the consumer exists on the server: events published from then on are delivered. */
  static async open<T>(options: ChangeFeedOptions<T>): Promise<ChangeFeed<T>> {
    const feed = new ChangeFeed(options);
    const consumer = await options.js.consumers.get(options.stream, {
      filterSubjects: options.subject,
      deliver_policy: DeliverPolicy.New,
      // A gateway that dies leaves its consumers behind; the server removes them after this.
      inactive_threshold: 60_000,
    });
    feed.deleteConsumer = () => consumer.delete();
    feed.messages = await consumer.consume({ max_messages: 256, callback: (msg) => feed.receive(msg) });
    return feed;
  }

  /** Events queued for the socket now. */
  get queued(): number {
    return this.queue.length;
  }

  private receive(msg: JsMsg): void {
    if (this.ended) return;
    let event: T;
    try {
      event = this.options.decode(msg.data);
    } catch (error) {
      this.options.onEvent('malformed', error);
      return;
    }
    if (!this.options.accepts(event)) {
      this.options.onEvent('filtered');
      return;
    }
    const value = this.options.project(event);
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      this.options.onEvent('delivered');
      resolve({ value, done: false });
      return;
    }
    if (this.queue.length >= this.options.maxQueue) {
      this.end();
      this.options.onOverflow();
      return;
    }
    this.options.onEvent('delivered');
    this.queue.push(value);
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift(), done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** The client unsubscribed or disconnected: stop and delete the consumer. */
  return(): Promise<IteratorResult<unknown>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<unknown>> {
    this.end();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this;
  }

  /** Ends the feed: frees the queue and the consumer; a pending next() completes. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.messages?.stop();
    void this.deleteConsumer?.().catch(() => undefined);
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
    this.options.onEnd();
  }
}
