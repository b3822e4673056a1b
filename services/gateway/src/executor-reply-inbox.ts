import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from 'nats';
import { isHeartbeat } from '@fraiseql/nats-contract';

export interface ExecutorReplyInboxOptions {
  /**
   * A request fails with `executor-lost` when nothing (heartbeat or reply) arrived for this
   * many ms. 0: no liveness check, only each request's own timeout applies.
   */
  livenessMs: number;
}

/** Why a request ended without a final reply. */
export type ReplyFailureReason = 'no-responders' | 'executor-lost' | 'timeout' | 'bus-unavailable';

export class ExecutorReplyError extends Error {
  constructor(
    readonly reason: ReplyFailureReason,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'ExecutorReplyError';
  }
}

interface PendingReply {
  resolve(msg: Msg): void;
  reject(error: ExecutorReplyError): void;
  /** Epoch ms after which the request times out, heartbeats or not. */
  deadline: number;
  /** Epoch ms of the request or of its last heartbeat. */
  lastHeardAt: number;
  timer?: NodeJS.Timeout;
}

/**
 * One subscription (`_INBOX.<nuid>.*`) that collects the replies of every `fraiseql.v1.query`
 * request this gateway sends: heartbeats keep a request alive, the final reply settles it
 * with the message untouched, silence for the liveness window fails it.
 *
 * Why not `nc.requestMany`: its muxed form ends a request silently on its idle timer (so a
 * lost executor, a closed connection and a normal end look alike unless wrapped), allocates an
 * async iterator and an Error per request, and its sentinel strategy wants an empty terminal
 * message, which our final reply is not. nats.js's own `request` uses the same design as this
 * class (one wildcard inbox, a token per request), so reconnects re-subscribe it likewise.
 */
export class ExecutorReplyInbox {
  private readonly prefix: string;
  private readonly pending = new Map<string, PendingReply>();
  private readonly subscription: Subscription;
  private sequence = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: ExecutorReplyInboxOptions,
  ) {
    this.prefix = `${createInbox()}.`;
    this.subscription = nc.subscribe(`${this.prefix}*`, { callback: (error, msg) => this.receive(error, msg) });
    const closed = (): void => this.failAll(new ExecutorReplyError('bus-unavailable', 'The reply subscription closed'));
    this.subscription.closed.then(closed, closed);
  }

  /** Requests in flight. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Publishes a request with a reply subject of this inbox and resolves with its final reply.
   * Rejects with ExecutorReplyError: `no-responders` at once when nobody serves `subject`,
   * `executor-lost` after `livenessMs` of silence, `timeout` after `timeoutMs` in any case,
   * `bus-unavailable` when the connection cannot carry it.
   */
  request(subject: string, payload: string | Uint8Array, headers: MsgHdrs, timeoutMs: number): Promise<Msg> {
    if (this.subscription.isClosed()) {
      return Promise.reject(new ExecutorReplyError('bus-unavailable', 'The reply subscription is closed'));
    }
    // A counter is unique within this inbox (whose prefix is random) and cheaper than a nuid.
    const token = (this.sequence++).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      const now = Date.now();
      const entry: PendingReply = { resolve, reject, deadline: now + timeoutMs, lastHeardAt: now };
      this.pending.set(token, entry);
      try {
        this.nc.publish(subject, payload, { reply: this.prefix + token, headers });
      } catch (error) {
        this.pending.delete(token);
        reject(new ExecutorReplyError('bus-unavailable', 'Could not publish the request', { cause: error }));
        return;
      }
      // One timer per request on the hot path, as nc.request has; heartbeats only move lastHeardAt.
      const livenessMs = this.options.livenessMs;
      entry.timer = setTimeout(() => this.check(token, entry), livenessMs > 0 ? Math.min(livenessMs, timeoutMs) : timeoutMs);
    });
  }

  /** Stops collecting: requests still waiting fail with `bus-unavailable`. */
  close(): void {
    if (!this.subscription.isClosed()) this.subscription.unsubscribe();
    this.failAll(new ExecutorReplyError('bus-unavailable', 'The reply inbox closed'));
  }

  private receive(error: Error | null, msg: Msg): void {
    if (error) {
      // A subscription error (e.g. a permissions violation): no reply can reach anyone waiting.
      this.failAll(new ExecutorReplyError('bus-unavailable', 'The reply subscription failed', { cause: error }));
      return;
    }
    const token = msg.subject.slice(this.prefix.length);
    const entry = this.pending.get(token);
    // A reply for a request that has already failed (late, or a heartbeat raced its final reply).
    if (!entry) return;
    if (msg.data.length === 0) {
      if (isHeartbeat(msg)) {
        entry.lastHeardAt = Date.now();
        return;
      }
      if (msg.headers?.code === 503) {
        this.settle(token, entry, new ExecutorReplyError('no-responders', 'No query-executor is subscribed'));
        return;
      }
    }
    this.settle(token, entry, msg);
  }

  private check(token: string, entry: PendingReply, rechecked = false): void {
    if (this.pending.get(token) !== entry) return;
    const now = Date.now();
    if (now >= entry.deadline) {
      this.settle(token, entry, new ExecutorReplyError('timeout', 'No final reply before the request timeout'));
      return;
    }
    const livenessMs = this.options.livenessMs;
    if (livenessMs > 0 && now - entry.lastHeardAt >= livenessMs) {
      if (!rechecked) {
        // Timers run before I/O in an event-loop turn: after a stall of this process, heartbeats
        // may sit unread in the socket. Look once more after the I/O phase before declaring loss.
        entry.timer = undefined;
        setImmediate(() => this.check(token, entry, true));
        return;
      }
      this.settle(token, entry, new ExecutorReplyError('executor-lost', `Neither a heartbeat nor a reply arrived for ${livenessMs} ms`));
      return;
    }
    const wakeAt = livenessMs > 0 ? Math.min(entry.lastHeardAt + livenessMs, entry.deadline) : entry.deadline;
    entry.timer = setTimeout(() => this.check(token, entry), Math.max(1, wakeAt - now));
  }

  private settle(token: string, entry: PendingReply, outcome: Msg | ExecutorReplyError): void {
    this.pending.delete(token);
    if (entry.timer) clearTimeout(entry.timer);
    if (outcome instanceof ExecutorReplyError) entry.reject(outcome);
    else entry.resolve(outcome);
  }

  private failAll(error: ExecutorReplyError): void {
    for (const [token, entry] of this.pending) this.settle(token, entry, error);
  }
}
