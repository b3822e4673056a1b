import { context as otelContext, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Link, type SpanContext } from '@opentelemetry/api';
import { FraiseqlError, isErrorCode, RetryableError, UnrecoverableError } from '@fraiseql/errors';
import type { EntityEvent } from '@fraiseql/events';
import { retryDelayMs, type Logger, type RetryPolicy } from '@fraiseql/service-kit';
import type { EventContext } from './start-event-consumer';

/** An event the store refused for good: it is dead-lettered with this code; the rest of its batch was written. */
export interface RejectedEvent {
  eventId: string;
  code: string;
  message: string;
}

/** Writes one batch durably, or throws (see EventBatcherOptions.isTransient for what a throw means). */
export type BatchWrite = (events: readonly EntityEvent[], signal: AbortSignal) => Promise<{ rejected: readonly RejectedEvent[] }>;

/** What each write did, for metrics: `ok` false means it threw (and the batch is retried or split). */
export interface BatchWriteReport {
  rows: number;
  bytes: number;
  seconds: number;
  ok: boolean;
  /** The failure's code when `ok` is false. */
  code?: string;
  /** Consecutive failed writes of this batch so far (0 for a first success). */
  failures: number;
}

export interface EventBatcherOptions {
  /** For logs: the consumer, e.g. `sink-clickhouse`. */
  name: string;
  /** A batch is written once it holds this many events… */
  maxRows: number;
  /** …or this many bytes of encoded events… */
  maxBytes: number;
  /** …or its first event waited this long. */
  maxDelayMs: number;
  write: BatchWrite;
  /**
   * True for a failure of the store rather than of the batch (unreachable, overloaded, timing out): the batch is
   * kept and written again after `outageRetry`'s delay, its events held (the consumer pulls nothing more meanwhile),
   * however long the outage lasts — so an outage spends no delivery attempt and dead-letters nothing. Anything
   * else is the batch's fault: it is split in halves until the events that fail alone are found and dead-lettered.
   * Default: a `RetryableError`.
   */
  isTransient?: (error: unknown) => boolean;
  /** Delay before the n-th consecutive retry of a batch during an outage (default 250 ms doubling to 30 s, ±20 %). */
  outageRetry?: RetryPolicy;
  logger: Logger;
  onWrite?: (report: BatchWriteReport) => void;
}

interface Pending {
  event: EntityEvent;
  /** The span the event was handled in (the consumer span, a child of its publish): the batch write links to it. */
  spanContext: SpanContext | undefined;
  bytes: number;
  signal: AbortSignal;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Links of one batch-write span: enough to follow a sample of its events back to their traces. */
const MAX_SPAN_LINKS = 128;

const DEFAULT_OUTAGE_RETRY: RetryPolicy = { initialIntervalMs: 250, maximumIntervalMs: 30_000, jitter: 0.2 };

/**
 * Turns the consumer kit's one-event handler into batched writes: `add` is the handler's body — it resolves once
 * the batch holding the event is durable (the kit then acks the message), and rejects with an
 * `UnrecoverableError` for an event the store refused (the kit dead-letters it). One batch is written at a time
 * per batcher; events that arrive meanwhile form the next batch, so the kit's concurrency (2 × maxRows is a good
 * value) bounds what is held in memory. Retries are timers, never a blocked handler; a drain (the kit aborts each
 * event's signal) stops a retrying batch, whose events the kit has already handed back.
 */
export class EventBatcher {
  private buffer: Pending[] = [];
  private bufferBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Batches closed and waiting for the writer, oldest first. */
  private readonly ready: Pending[][] = [];
  private writing: Promise<void> | undefined;
  private readonly isTransient: (error: unknown) => boolean;
  private readonly outageRetry: RetryPolicy;

  constructor(private readonly options: EventBatcherOptions) {
    for (const key of ['maxRows', 'maxBytes', 'maxDelayMs'] as const) {
      const value = options[key];
      if (!Number.isInteger(value) || value < (key === 'maxDelayMs' ? 0 : 1))
        throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `${options.name}: ${key} must be a positive integer, got ${value}`);
    }
    this.isTransient = options.isTransient ?? ((error) => error instanceof RetryableError);
    this.outageRetry = options.outageRetry ?? DEFAULT_OUTAGE_RETRY;
  }

  /** The consumer kit's handler: `handle: (event, context) => batcher.add(event, context)`. */
  add(event: EntityEvent, context: Pick<EventContext, 'signal' | 'sizeBytes'>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.buffer.push({
        event,
        spanContext: trace.getSpanContext(otelContext.active()),
        bytes: context.sizeBytes,
        signal: context.signal,
        resolve,
        reject,
      });
      this.bufferBytes += context.sizeBytes;
      if (this.buffer.length >= this.options.maxRows || this.bufferBytes >= this.options.maxBytes) this.close();
      else this.timer ??= setTimeout(() => this.close(), this.options.maxDelayMs);
    });
  }

  /** Events not yet written (buffered or in a batch being written). */
  pending(): number {
    return this.buffer.length + this.ready.reduce((n, batch) => n + batch.length, 0);
  }

  /** Writes what is buffered now and resolves when every batch so far is settled. */
  async flush(): Promise<void> {
    this.close();
    while (this.writing) await this.writing;
  }

  /** Closes the buffer into a batch and starts the writer if it is idle. */
  private close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    this.ready.push(this.buffer);
    this.buffer = [];
    this.bufferBytes = 0;
    this.writing ??= this.drainReady().finally(() => (this.writing = undefined));
  }

  private async drainReady(): Promise<void> {
    for (let batch = this.ready.shift(); batch; batch = this.ready.shift()) {
      await this.writeBatch(batch).catch((error: unknown) => {
        // Not expected (writeBatch settles every event itself); never leave an event unsettled.
        this.options.logger.error({ err: error, batcher: this.options.name }, 'batch writer failed unexpectedly');
        for (const item of batch) item.reject(error);
      });
    }
  }

  /** Writes a batch: retried while the store is out, split while the batch itself fails. Settles every event. */
  private async writeBatch(batch: Pending[]): Promise<void> {
    let failures = 0;
    for (;;) {
      const aborted = batch.find((item) => item.signal.aborted);
      if (aborted) {
        // A drain handed the events back to JetStream: stop here, they will be delivered again.
        for (const item of batch) item.reject(aborted.signal.reason);
        return;
      }
      const bytes = batch.reduce((n, item) => n + item.bytes, 0);
      const started = performance.now();
      let rejected: readonly RejectedEvent[];
      const span = this.startWriteSpan(batch, bytes);
      try {
        ({ rejected } = await otelContext.with(trace.setSpan(ROOT_CONTEXT, span), () =>
          this.options.write(
            batch.map((item) => item.event),
            AbortSignal.any(batch.map((item) => item.signal)),
          ),
        ));
        span.setAttribute('fraiseql.batch.rejected', rejected.length);
        span.end();
      } catch (error) {
        const failedCode = error instanceof FraiseqlError ? error.code : 'FRAISEQL_INTERNAL';
        span.setAttribute('fraiseql.error.code', failedCode);
        span.setStatus({ code: SpanStatusCode.ERROR, message: failedCode });
        span.end();
        const seconds = (performance.now() - started) / 1000;
        const code = error instanceof FraiseqlError ? error.code : 'FRAISEQL_INTERNAL';
        if (this.isTransient(error)) {
          failures++;
          this.options.onWrite?.({ rows: batch.length, bytes, seconds, ok: false, code, failures });
          const delayMs = retryDelayMs(this.outageRetry, failures, {
            retryAfterMs: error instanceof RetryableError ? error.retryAfterMs : 0,
          });
          const log = failures === 1 || failures % 10 === 0 ? 'warn' : 'debug';
          this.options.logger[log](
            { err: error, batcher: this.options.name, rows: batch.length, failures, delayMs },
            'store unavailable: the batch is held and written again later',
          );
          await this.wait(delayMs, batch);
          continue;
        }
        this.options.onWrite?.({ rows: batch.length, bytes, seconds, ok: false, code, failures: failures + 1 });
        if (batch.length === 1) {
          batch[0]!.reject(permanent(code, error instanceof Error ? error.message : String(error)));
          return;
        }
        // The batch's fault: find the events that fail alone, write the rest.
        const half = Math.ceil(batch.length / 2);
        this.options.logger.info(
          { batcher: this.options.name, rows: batch.length, code },
          'batch refused by the store: writing it in halves to find the events at fault',
        );
        await this.writeBatch(batch.slice(0, half));
        await this.writeBatch(batch.slice(half));
        return;
      }
      this.options.onWrite?.({ rows: batch.length, bytes, seconds: (performance.now() - started) / 1000, ok: true, failures });
      const refused = new Map(rejected.map((r) => [r.eventId, r]));
      for (const item of batch) {
        const reason = refused.get(item.event.event_id);
        if (reason) item.reject(permanent(reason.code, reason.message));
        else item.resolve();
      }
      return;
    }
  }

  /**
   * One span per write attempt of a batch. A batch holds events of many traces, so it is no trace's child: it starts
   * its own trace and links to the span each event was handled in (OpenTelemetry's pattern for batches), up to
   * MAX_SPAN_LINKS of them.
   */
  private startWriteSpan(batch: Pending[], bytes: number) {
    const links: Link[] = [];
    for (const item of batch) {
      if (links.length >= MAX_SPAN_LINKS) break;
      if (item.spanContext) links.push({ context: item.spanContext });
    }
    return trace.getTracer('@fraiseql/jetstream-consumer').startSpan(
      `batch write ${this.options.name}`,
      {
        kind: SpanKind.CLIENT,
        links,
        attributes: { 'fraiseql.consumer': this.options.name, 'fraiseql.batch.rows': batch.length, 'fraiseql.batch.bytes': bytes },
      },
      ROOT_CONTEXT,
    );
  }

  /** A timer, cut short when a drain aborts one of the batch's events. */
  private wait(ms: number, batch: Pending[]): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        for (const item of batch) item.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      for (const item of batch) item.signal.addEventListener('abort', done, { once: true });
    });
  }
}

function permanent(code: string, message: string): UnrecoverableError {
  return new UnrecoverableError(message, {
    code: isErrorCode(code) ? code : 'FRAISEQL_PERMANENT_FAILURE',
    ...(isErrorCode(code) ? {} : { details: { storeCode: code } }),
  });
}
