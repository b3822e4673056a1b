import { FraiseqlError, RetryableError, UnrecoverableError } from '@fraiseql/errors';
import { decodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import {
  deadLetterMsgId,
  dlqSubject,
  encodeDeadLetter,
  ensureConsumer,
  escapeSubjectToken,
  extractTraceContext,
  injectTraceContext,
  parseEventSubject,
  STREAMS,
  SUBJECTS,
  type ConsumerSpec,
  type DeadLetter,
  type DeadLetterAttempt,
  type DeadLetterError,
} from '@fraiseql/nats-contract';
import { mayRetry, retryDelayMs, type Logger, type ReadinessCheck, type RetryPolicy } from '@fraiseql/service-kit';
import { context as otelContext, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { Redis } from 'ioredis';
import { headers as natsHeaders, millis, type Consumer, type ConsumerMessages, type JsMsg, type MsgHdrs, type NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import { memoryAttemptJournal, redisAttemptJournal, type AttemptJournal } from './attempt-journal';
import { consumerMetrics } from './consumer-metrics';
import { DISABLED_DEDUP, RedisDedupStore, type DedupOptions, type DedupStore } from './dedup-store';
import { errorCodeOf, errorMessageOf } from './error-code-of';
import { RedisOutage } from './redis-outage';

/** What a handler gets besides the event. */
export interface EventContext {
  /** Delivery number of this message (1 = the first attempt), from JetStream's delivery count. */
  attempt: number;
  /** Whether a failure now dead-letters the event (policy `maximumAttempts` or the consumer's `max_deliver`). */
  isLastAttempt: boolean;
  subject: string;
  streamSequence: number;
  /** Bytes of the encoded event (what a batching writer counts toward its byte bound). */
  sizeBytes: number;
  headers: MsgHdrs | undefined;
  /** Aborted when a drain's deadline passes while the handler still runs: the message is nak'ed for another replica. */
  signal: AbortSignal;
  /** Tells JetStream the work goes on (the consumer already does so on a timer derived from the ack wait). */
  working(): void;
  /** Effect deduplication (Redis); disabled, answering "not done", when the consumer has no Redis. */
  dedup: DedupStore;
  /** The trace context of this message's span (continued from its `traceparent`); it is also the active context. */
  traceContext: Context;
  /**
   * For work that splits an event into parts that succeed or fail on their own (observer-worker: one part per
   * rule action): each part keeps its own attempt history across deliveries and gets its own dead letter.
   */
  parts: EventParts;
}

/** Per-part attempt history and dead letters of one event (`key` names the part, e.g. `schema:orderShipped/0`). */
export interface EventParts {
  /** Remembers a failed attempt of the part (Redis when the consumer has it, else this process). */
  recordFailure(key: string, attempt: DeadLetterAttempt): Promise<void>;
  /** The part's failed attempts so far, oldest first. */
  history(key: string): Promise<DeadLetterAttempt[]>;
  /**
   * Writes the part's dead letter (`details.key` = key) and waits for JetStream to store it; the same event
   * and key always give the same `Nats-Msg-Id`, so a repeated call stores one letter. Throws when it could not be written.
   */
  deadLetter(key: string, failure: PartFailure): Promise<void>;
}

/** Why a part gave up: its last error, every failed attempt, and what the writer adds for whoever replays it. */
export interface PartFailure {
  error: DeadLetterError;
  history: DeadLetterAttempt[];
  details?: Record<string, unknown>;
}

/**
 * Resolving means the effect is durable: the message is acked. Throwing schedules a retry (`nak` with the
 * policy's delay; `RetryableError.retryAfterMs` is a floor) or, for an `UnrecoverableError`, a code in
 * `nonRetryable`, or the last attempt, dead-letters it. A thrown FraiseqlError's `details` go into the dead letter.
 */
export type EventHandler = (event: EntityEvent, context: EventContext) => Promise<void>;

export interface EventConsumerOptions {
  nc: NatsConnection;
  /** The durable pull consumer (libs/nats-contract); created or updated at start. */
  consumer: ConsumerSpec;
  /** Who gives up, in dead-letter subjects and metric labels: `observer-worker`, `sink-clickhouse`. */
  source: string;
  /** Messages handled at once by this replica (`max_ack_pending` bounds the whole fleet). */
  concurrency: number;
  retryPolicy: RetryPolicy;
  handle: EventHandler;
  logger: Logger;
  registry: Registry;
  /** Metric name prefix, e.g. `fraiseql_observer` → `fraiseql_observer_events_processed_total`. */
  metricsPrefix: string;
  /** Enables dedup (`context.dedup`) and attempt history shared by every replica. */
  redis?: Redis;
  dedup?: DedupOptions;
  /** How long one pull waits for messages (≥ 1000 ms); a drain waits for the pull in progress. Default 2000. */
  pullExpiresMs?: number;
  /** `working()` interval; default a third of the delivery's ack wait. */
  heartbeatIntervalMs?: number;
  /** Called after a dead letter was stored, before the original is acked. */
  onDeadLetter?: (letter: DeadLetter) => void | Promise<void>;
}

export interface DrainResult {
  /** Messages still unfinished at the deadline, nak'ed so that another replica takes them. */
  unfinished: number;
}

export interface EventConsumer {
  /** For /readyz: the consumer is bound (it exists, NATS answers a round trip) and not draining. */
  readiness: ReadinessCheck;
  /** Messages being handled now. */
  inFlight(): number;
  /**
   * Stops pulling, waits for in-flight handlers up to `deadlineMs`, then aborts and naks what is still
   * unfinished (redelivered once this replica's last pull request has expired, about pullExpiresMs later).
   * Safe on SIGTERM; later calls return the same promise.
   */
  drain(deadlineMs: number): Promise<DrainResult>;
}

interface Delivery {
  msg: JsMsg;
  /** Acked, nak'ed or dead-lettered: nothing else may answer JetStream for it. */
  settled: boolean;
  abort: AbortController;
}

interface Failure {
  error: DeadLetterError;
  details?: Record<string, unknown>;
  history: DeadLetterAttempt[];
}

const tracer = trace.getTracer('@fraiseql/jetstream-consumer');
const DAY_MS = 86_400_000;
/** The most messages one pull request asks for (a consumer with more free slots pulls again at once). */
const MAX_PULL_MESSAGES = 2000;

/**
 * Binds to a durable pull consumer and handles `EntityEvent`s with the fleet's consumer discipline
 * (docs/adr/0100-jetstream-consumer-kit.md): bounded concurrency, ack after the effect, retries as
 * `nak(delay)`, dead letters written before the ack, `working()` heartbeats, graceful drain.
 */
export async function startEventConsumer(options: EventConsumerOptions): Promise<EventConsumer> {
  const { nc, consumer: spec, source, retryPolicy: policy, handle } = options;
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `concurrency must be an integer ≥ 1, got ${options.concurrency}`);
  }
  const pullExpiresMs = Math.max(1000, options.pullExpiresMs ?? 2000);
  // What a draining replica hands back is redelivered once its own pull request has expired on the server
  // (stopping it client-side does not withdraw it): delivered into it, a message would wait out the ack wait.
  const handBackDelayMs = pullExpiresMs + 250;
  const minPull = Math.max(1, Math.floor(options.concurrency / 4));
  const logger = options.logger.child({ component: 'event-consumer', consumer: spec.durable_name, source });
  const metrics = consumerMetrics(options.registry, options.metricsPrefix);
  const labels = { source };

  const jsm = await nc.jetstreamManager();
  await ensureConsumer(jsm, spec.stream, spec);
  const js = nc.jetstream();
  const consumer: Consumer = await js.consumers.get(spec.stream, spec.durable_name);
  const ackWaitNanos = (await consumer.info(true)).config.ack_wait;

  const keyPrefix = options.dedup?.keyPrefix ?? `fraiseql:${source}:`;
  const ttlMs = options.dedup?.ttlMs ?? DAY_MS;
  const commandTimeoutMs = options.dedup?.commandTimeoutMs ?? 500;
  const outage = new RedisOutage(logger);
  const dedup: DedupStore = options.redis
    ? new RedisDedupStore({
        redis: options.redis,
        keyPrefix,
        ttlMs,
        commandTimeoutMs,
        outage,
        detected: metrics.dedupDetected.labels(labels),
        unavailable: metrics.dedupUnavailable.labels(labels),
      })
    : DISABLED_DEDUP;
  const journal: AttemptJournal = options.redis
    ? redisAttemptJournal({ redis: options.redis, keyPrefix, ttlMs, commandTimeoutMs, outage })
    : memoryAttemptJournal();

  // The attempt after which a failure dead-letters: the policy's bound or JetStream's, whichever comes first.
  const lastAttempt = Math.min(
    policy.maximumAttempts ? policy.maximumAttempts : Infinity,
    spec.max_deliver > 0 ? spec.max_deliver : Infinity,
  );
  const ackWaitMs = (attempt: number): number => {
    // With a backoff list, delivery n waits backoff[n − 1] (the last value beyond its end) for its ack.
    const backoff = spec.backoff.length > 0 ? spec.backoff[Math.min(attempt, spec.backoff.length) - 1] : undefined;
    return millis(backoff ?? ackWaitNanos ?? 30_000_000_000);
  };

  const removeProbe = metrics.addProbe(source, {
    backlog: async () => {
      const info = await consumer.info(false);
      return info.num_pending + info.num_ack_pending;
    },
    dlqItems: async () => {
      const info = await jsm.streams.info(STREAMS.dlq, { subjects_filter: `${SUBJECTS.dlqPrefix}.${escapeSubjectToken(source)}.>` });
      return Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
    },
  });

  const deliveries = new Set<Delivery>();
  let stopping = false;
  /** The pull in progress: a drain ends it, or what the drain hands back would be redelivered into it. */
  let pulling: ConsumerMessages | undefined;
  let wake: (() => void) | undefined;
  let idleWaiters: (() => void)[] = [];
  const wakeUp = (): void => {
    wake?.();
    wake = undefined;
  };

  const ack = async (delivery: Delivery, event: EntityEvent | undefined): Promise<boolean> => {
    delivery.settled = true;
    try {
      if (await delivery.msg.ackAck()) return true;
      logger.warn({ eventId: event?.event_id }, 'JetStream did not confirm an ack; the event will be delivered again (dedup absorbs it)');
    } catch (error) {
      logger.warn({ err: error, eventId: event?.event_id }, 'ack failed; the event will be delivered again (dedup absorbs it)');
    }
    return false;
  };

  const nak = (delivery: Delivery, delayMs?: number): void => {
    delivery.settled = true;
    try {
      delivery.msg.nak(delayMs);
    } catch (error) {
      logger.warn({ err: error }, 'nak failed; JetStream redelivers after the ack wait');
    }
  };

  /**
   * Publishes a dead letter of the delivery (or of one part of it, with `key`) and waits for JetStream's ack;
   * a letter already written (same msg id) is not written again. Throws when it could not be written.
   */
  const writeDeadLetter = async (msg: JsMsg, event: EntityEvent | null, failure: Failure, key?: string): Promise<DeadLetter> => {
    const now = new Date().toISOString();
    const details = key === undefined ? failure.details : { ...failure.details, key };
    const letter: DeadLetter = {
      version: 1,
      source,
      subject: msg.subject,
      stream: msg.info.stream,
      stream_seq: msg.info.streamSequence,
      event: event ? { ...event } : null,
      raw_base64: event ? null : Buffer.from(msg.data).toString('base64'),
      error: failure.error,
      attempts: { count: msg.info.deliveryCount, history: failure.history },
      first_failure_at: failure.history[0]?.at ?? now,
      last_failure_at: failure.history.at(-1)?.at ?? now,
      dead_lettered_at: now,
      ...(details ? { details } : {}),
    };
    // A replayed event (FRAISEQL_REPLAY) that fails again is a new letter, not the one it came from (which the
    // operator may have removed): its id follows the replay message, not the event.
    const replayed = msg.info.stream === STREAMS.replay;
    const msgId = deadLetterMsgId({
      source,
      eventId: replayed ? undefined : event?.event_id,
      stream: msg.info.stream,
      streamSeq: msg.info.streamSequence,
      ...(key === undefined ? {} : { key }),
    });
    const { orgId, entityType } = originOf(msg.subject, event);
    // A redelivery after a crash between this write and the ack: JetStream drops the duplicate within
    // its window; the Redis mark covers a redelivery later than that.
    if (!(await dedup.alreadyDone(msgId))) {
      const headers = natsHeaders();
      injectTraceContext(headers);
      const ackOfDlq = await js.publish(dlqSubject(source, orgId, entityType), encodeDeadLetter(letter), {
        msgID: msgId,
        headers,
        expect: { streamName: STREAMS.dlq },
      });
      if (!ackOfDlq.duplicate) metrics.deadLettered.inc(labels);
      await dedup.markDone(msgId);
    }
    try {
      await options.onDeadLetter?.(letter);
    } catch (error) {
      logger.warn({ err: error }, 'onDeadLetter hook failed');
    }
    return letter;
  };

  /** Writes the dead letter (awaiting JetStream's ack), then acks the original. */
  const giveUp = async (delivery: Delivery, event: EntityEvent | null, failure: Failure): Promise<void> => {
    const { msg } = delivery;
    const attempt = msg.info.deliveryCount;
    try {
      await writeDeadLetter(msg, event, failure);
    } catch (error) {
      const retryInMs = retryDelayMs(policy, attempt);
      logger.error(
        { err: error, code: 'FRAISEQL_DEAD_LETTER_FAILED', eventId: event?.event_id, attempt, retryInMs },
        attempt >= (spec.max_deliver > 0 ? spec.max_deliver : Infinity)
          ? 'dead letter not written on the consumer’s last delivery: JetStream will not deliver the event again'
          : 'dead letter not written; the event is delivered again later',
      );
      nak(delivery, retryInMs);
      return;
    }
    logger.warn(
      { eventId: event?.event_id, code: failure.error.code, attempts: attempt, subject: msg.subject, streamSeq: msg.info.streamSequence },
      `dead-lettered: ${failure.error.message}`,
    );
    await ack(delivery, event ?? undefined);
    if (attempt > 1) await journal.forget(journalId(msg));
  };

  const onFailure = async (delivery: Delivery, event: EntityEvent, error: unknown, latencyMs: number): Promise<void> => {
    const { msg } = delivery;
    const attempt = msg.info.deliveryCount;
    const code = errorCodeOf(error);
    metrics.failed.inc({ ...labels, error_type: code });
    const failure: DeadLetterError = { code, message: errorMessageOf(error) };
    const record: DeadLetterAttempt = {
      attempt,
      at: new Date().toISOString(),
      error: failure,
      latency_ms: Math.round(latencyMs * 1000) / 1000,
    };
    const permanent = error instanceof UnrecoverableError || !mayRetry(policy, attempt, code);
    if (permanent || attempt >= lastAttempt) {
      const history = [...(attempt > 1 ? await journal.history(journalId(msg)) : []), record];
      const details = error instanceof FraiseqlError ? error.details : undefined;
      await giveUp(delivery, event, { error: failure, history, ...(details ? { details } : {}) });
      return;
    }
    await journal.record(journalId(msg), record);
    const retryAfterMs = error instanceof RetryableError ? error.retryAfterMs : undefined;
    const delayMs = retryDelayMs(policy, attempt, retryAfterMs === undefined ? {} : { retryAfterMs });
    if (code === 'FRAISEQL_INTERNAL')
      logger.warn({ err: error, eventId: event.event_id, attempt, delayMs }, 'handler failed; retry scheduled');
    else logger.info({ code, eventId: event.event_id, attempt, delayMs }, `handler failed (${failure.message}); retry scheduled`);
    nak(delivery, delayMs);
  };

  const handleDelivery = async (delivery: Delivery, span: Span, traceContext: Context): Promise<void> => {
    const { msg } = delivery;
    const attempt = msg.info.deliveryCount;
    let event: EntityEvent;
    try {
      event = decodeEntityEvent(msg.data);
    } catch (error) {
      const code = errorCodeOf(error);
      metrics.failed.inc({ ...labels, error_type: code });
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      const at = new Date().toISOString();
      const failure = { code, message: errorMessageOf(error) };
      await giveUp(delivery, null, { error: failure, history: [{ attempt, at, error: failure, latency_ms: 0 }] });
      return;
    }
    span.setAttribute('fraiseql.event_id', event.event_id);
    if (attempt > lastAttempt) {
      // An earlier delivery gave up but its dead letter or its ack did not land: finish that, do not run again.
      const history = await journal.history(journalId(msg));
      const last = history.at(-1)?.error ?? { code: 'FRAISEQL_INTERNAL', message: `no attempt left after ${attempt - 1} deliveries` };
      await giveUp(delivery, event, { error: last, history });
      return;
    }
    const heartbeatMs = options.heartbeatIntervalMs ?? Math.max(50, Math.floor(ackWaitMs(attempt) / 3));
    const working = (): void => {
      if (!delivery.settled) msg.working();
    };
    const heartbeat = setInterval(working, heartbeatMs);
    const started = performance.now();
    try {
      await handle(event, {
        attempt,
        isLastAttempt: attempt >= lastAttempt,
        subject: msg.subject,
        streamSequence: msg.info.streamSequence,
        sizeBytes: msg.data.length,
        headers: msg.headers,
        signal: delivery.abort.signal,
        working,
        dedup,
        traceContext,
        parts: {
          recordFailure: (key, record) => journal.record(partJournalId(msg, key), record),
          history: (key) => journal.history(partJournalId(msg, key)),
          deadLetter: async (key, failure) => {
            await writeDeadLetter(msg, event, failure, key);
            logger.warn(
              { eventId: event.event_id, part: key, code: failure.error.code, attempts: failure.history.length },
              `part dead-lettered: ${failure.error.message}`,
            );
            await journal.forget(partJournalId(msg, key));
          },
        },
      });
    } catch (error) {
      clearInterval(heartbeat);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorCodeOf(error) });
      if (!delivery.settled) await onFailure(delivery, event, error, performance.now() - started);
      return;
    }
    clearInterval(heartbeat);
    // Nak'ed at a drain deadline while it ran: another replica has it now.
    if (delivery.settled) return;
    if (await ack(delivery, event)) metrics.processed.inc(labels);
    if (attempt > 1) await journal.forget(journalId(msg));
  };

  const start = (msg: JsMsg): void => {
    const delivery: Delivery = { msg, settled: false, abort: new AbortController() };
    deliveries.add(delivery);
    metrics.inFlight.inc(labels);
    if (msg.info.deliveryCount > 1) metrics.redelivered.inc(labels);
    const parent = extractTraceContext(msg.headers);
    const span = tracer.startSpan(
      `fraiseql.consume ${spec.durable_name}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.destination.name': msg.subject,
          'fraiseql.delivery_attempt': msg.info.deliveryCount,
        },
      },
      parent,
    );
    const traceContext = trace.setSpan(parent, span);
    void otelContext
      .with(traceContext, () => handleDelivery(delivery, span, traceContext))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'unexpected failure while handling a message');
        if (!delivery.settled) nak(delivery, retryDelayMs(policy, msg.info.deliveryCount));
      })
      .finally(() => {
        span.end();
        deliveries.delete(delivery);
        metrics.inFlight.dec(labels);
        wakeUp();
        if (deliveries.size === 0) {
          for (const resolve of idleWaiters) resolve();
          idleWaiters = [];
        }
      });
  };

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const pullLoop = async (): Promise<void> => {
    while (!stopping) {
      const free = options.concurrency - deliveries.size;
      // Pull in batches: with work in hand, wait until a quarter of the slots are free rather than asking
      // JetStream for one message each time one finishes (a pull request per message costs more than the message).
      if (free <= 0 || (deliveries.size > 0 && free < minPull)) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      let batch: ConsumerMessages;
      try {
        // Only as many as there are free slots: a message is never pulled before it can be handled. At most
        // MAX_PULL_MESSAGES at once: a pull of tens of thousands of messages could outlast its expiry while still in
        // transit, and what arrives after the client gave up on the pull waits out the ack wait (bench:sink lost
        // 1,019 of 60,000 that way for a minute).
        batch = await consumer.fetch({ max_messages: Math.min(free, MAX_PULL_MESSAGES), expires: pullExpiresMs });
        pulling = batch;
      } catch (error) {
        logger.warn({ err: error }, 'pull failed; trying again in 1 s');
        await pause(1000);
        continue;
      }
      try {
        for await (const msg of batch) {
          if (stopping) nak({ msg, settled: false, abort: new AbortController() }, handBackDelayMs);
          else start(msg);
        }
      } catch (error) {
        if (!stopping) {
          logger.warn({ err: error }, 'pull interrupted; trying again in 1 s');
          await pause(1000);
        }
      } finally {
        pulling = undefined;
      }
    }
  };
  const loop = pullLoop();
  logger.info({ concurrency: options.concurrency, lastAttempt, dedup: dedup.enabled }, 'event consumer started');

  let drained: Promise<DrainResult> | undefined;
  return {
    inFlight: () => deliveries.size,
    readiness: async () => {
      if (stopping) throw new Error(`consumer ${spec.durable_name} is draining`);
      if (nc.isClosed()) throw new Error('the NATS connection is closed');
      await consumer.info(false);
    },
    drain(deadlineMs) {
      drained ??= (async () => {
        stopping = true;
        // No pull may stay open: messages nak'ed below would be delivered straight back into it (each time
        // spending a delivery attempt) instead of to another replica.
        pulling?.stop();
        wakeUp();
        let timer: NodeJS.Timeout | undefined;
        const idle = deliveries.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));
        await Promise.race([Promise.all([loop, idle]), new Promise((resolve) => (timer = setTimeout(resolve, deadlineMs)))]);
        clearTimeout(timer);
        let unfinished = 0;
        for (const delivery of deliveries) {
          if (delivery.settled) continue;
          delivery.abort.abort(new FraiseqlError('FRAISEQL_TIMEOUT', 'the consumer is shutting down'));
          nak(delivery, handBackDelayMs);
          unfinished++;
        }
        if (unfinished > 0) logger.warn({ unfinished }, 'drain deadline passed: unfinished events nak’ed for another replica');
        try {
          await nc.flush();
        } catch {
          // The connection is gone: JetStream redelivers after the ack wait instead.
        }
        removeProbe();
        logger.info('event consumer drained');
        return { unfinished };
      })();
      return drained;
    },
  };
}

function journalId(msg: JsMsg): string {
  return `${msg.info.stream}:${msg.info.streamSequence}`;
}

function partJournalId(msg: JsMsg, key: string): string {
  return `${journalId(msg)}#${key}`;
}

/** Org and entity of the dead letter's subject: from the event, else from its subject, else unknown. */
function originOf(subject: string, event: EntityEvent | null): { orgId: string | null; entityType: string } {
  if (event) return { orgId: event.org_id, entityType: event.entity_type };
  try {
    const parts = parseEventSubject(subject);
    return { orgId: parts.orgId, entityType: parts.entityType };
  } catch {
    return { orgId: null, entityType: 'unknown' };
  }
}
