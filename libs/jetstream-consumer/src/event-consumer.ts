import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Consumer, ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg, MsgHdrs, NatsConnection } from 'nats';
import { RetryableError, toFraiseqlError, UnrecoverableError, type ErrorCode } from '@fraiseql/errors';
import { decodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import {
  deadLetterFilter,
  deadLetterMsgId,
  dlqSubject,
  encodeDeadLetter,
  ensureConsumer,
  extractTraceContext,
  STREAMS,
  type ConsumerSpec,
  type DeadLetter,
} from '@fraiseql/nats-contract';
import { mayRetry, retryDelayMs, type Logger, type ReadinessCheck, type RetryPolicy } from '@fraiseql/service-kit';
import { ConcurrencySlots } from './concurrency-slots';
import type { ConsumerMetrics } from './consumer-metrics';

/** What a handler learns about the delivery it handles. */
export interface Delivery {
  /** 1 for the first delivery. */
  attempt: number;
  /** No retry follows a failure of this attempt: it goes to the dead-letter queue. */
  lastAttempt: boolean;
  /** Aborted when the consumer drains past its deadline: stop and throw. */
  signal: AbortSignal;
  headers: MsgHdrs | undefined;
  streamSequence: number;
  /** What the dead letter carries if this attempt's failure is final (the rule, the action, the redacted request). */
  setDeadLetterDetails(details: Record<string, unknown>): void;
}

/** Does the effect of one event and resolves once it is durable; throws to retry (RetryableError, anything) or not (UnrecoverableError). */
export type EventHandler = (event: EntityEvent, delivery: Delivery) => Promise<void>;

export interface EventConsumerOptions {
  nc: NatsConnection;
  /** The durable pull consumer (libs/nats-contract), created or updated at start. */
  consumer: ConsumerSpec;
  /** Names this consumer in dead letters and their subject: `observer`, `sink-clickhouse`. */
  source: string;
  /** Events handled at once by this replica. */
  concurrency: number;
  retryPolicy: RetryPolicy;
  handle: EventHandler;
  logger: Logger;
  metrics: ConsumerMetrics;
}

export interface EventConsumer {
  /** Consumer bound and NATS answering. */
  readiness: ReadinessCheck;
  /** Messages not yet delivered plus delivered and unacknowledged (the backlog gauge's source). */
  backlog(): Promise<number>;
  /** This source's messages in FRAISEQL_DLQ (the dlq gauge's source). */
  deadLetters(): Promise<number>;
  /** Stops pulling, waits for the events in hand up to `deadlineMs`, then naks the rest for another replica. */
  drain(deadlineMs: number): Promise<void>;
}

interface Attempt {
  at: string;
  code: string;
  message: string;
  durationMs: number;
}

const tracer = trace.getTracer('@fraiseql/jetstream-consumer');
/** Attempts remembered per message (this replica's view), for the dead letter. */
const REMEMBERED_MESSAGES = 10_000;

/**
 * The consumer discipline of the fleet (docs/adr/0100-jetstream-consumer-kit.md): every event is
 * decoded and validated, handled with bounded concurrency, acknowledged only once its handler
 * resolved (the effect is durable), retried by `nak(delay)` from the shared retry policy (never by
 * sleeping), and dead-lettered with its reason — written to FRAISEQL_DLQ before the message is
 * acknowledged — when it is malformed, fails permanently, or fails its last attempt.
 */
export async function startEventConsumer(options: EventConsumerOptions): Promise<EventConsumer> {
  const { nc, consumer: spec, logger, metrics } = options;
  const jsm: JetStreamManager = await nc.jetstreamManager();
  const js: JetStreamClient = nc.jetstream();
  await ensureConsumer(jsm, spec.stream, spec);
  const consumer: Consumer = await js.consumers.get(spec.stream, spec.durable_name);
  const ackWaitMs = Math.max(1000, Math.floor(((await consumer.info()).config.ack_wait ?? 30e9) / 1e6));
  const slots = new ConcurrencySlots(options.concurrency);
  const abort = new AbortController();
  const inHand = new Set<JsMsg>();
  const attempts = new Map<number, Attempt[]>();
  let stopping = false;

  const messages: ConsumerMessages = await consumer.consume({ max_messages: options.concurrency });

  const deadLetter = async (
    msg: JsMsg,
    letter: Omit<DeadLetter, 'version' | 'source' | 'origin' | 'deliveries' | 'deadLetteredAt'>,
    org: string | null,
    entity: string,
  ) => {
    const full: DeadLetter = {
      version: 1,
      source: options.source,
      origin: { stream: msg.info.stream, subject: msg.subject, streamSequence: msg.seq, consumer: spec.durable_name },
      deliveries: msg.info.redeliveryCount,
      deadLetteredAt: new Date().toISOString(),
      ...letter,
    };
    // Durable before the ack: a crash in between redelivers the message, and the msg id keeps the second write out.
    await js.publish(dlqSubject(options.source, org, entity), encodeDeadLetter(full), { msgID: deadLetterMsgId(full) });
    metrics.deadLettered.inc({ reason: full.failure.reason });
    logger.warn(
      { source: options.source, subject: msg.subject, streamSequence: msg.seq, code: full.failure.code, reason: full.failure.reason },
      `dead-lettered: ${full.failure.message}`,
    );
  };

  const handleMessage = async (msg: JsMsg): Promise<void> => {
    const attempt = msg.info.redeliveryCount;
    if (attempt > 1) metrics.redelivered.inc();
    let event: EntityEvent;
    try {
      event = decodeEntityEvent(msg.data);
    } catch (error) {
      const e = toFraiseqlError(error);
      metrics.failed.inc({ error_type: e.code });
      await deadLetter(
        msg,
        {
          event: null,
          rawBase64: Buffer.from(msg.data).toString('base64'),
          failure: { code: e.code, message: e.message, reason: 'malformed' },
          attempts: [],
        },
        null,
        'unknown',
      );
      await msg.ackAck();
      return;
    }

    const maxDeliver = spec.max_deliver > 0 ? spec.max_deliver : Infinity;
    let details: Record<string, unknown> | undefined;
    const delivery: Delivery = {
      attempt,
      lastAttempt: attempt >= maxDeliver || !mayRetry(options.retryPolicy, attempt),
      signal: abort.signal,
      headers: msg.headers,
      streamSequence: msg.seq,
      setDeadLetterDetails: (d) => (details = d),
    };
    // The trace the writer started (its traceparent rode in the message headers) goes on through the handler.
    const parent = extractTraceContext(msg.headers);
    const span = tracer.startSpan(
      `${options.source} ${event.entity_type}.${event.event_type}`,
      { kind: SpanKind.CONSUMER, attributes: { 'fraiseql.event_id': event.event_id, 'messaging.message.id': String(msg.seq) } },
      parent,
    );
    // The message stays ours while the handler works, however long (up to the drain deadline).
    const heartbeat = setInterval(() => msg.working(), Math.max(500, Math.floor(ackWaitMs / 2)));
    const began = Date.now();
    try {
      await context.with(trace.setSpan(parent, span), () => options.handle(event, delivery));
      clearInterval(heartbeat);
      await msg.ackAck();
      attempts.delete(msg.seq);
      metrics.processed.inc();
    } catch (error) {
      clearInterval(heartbeat);
      const e = toFraiseqlError(error);
      const code = e.code as ErrorCode;
      metrics.failed.inc({ error_type: code });
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      const history = remember(attempts, msg.seq, {
        at: new Date(began).toISOString(),
        code,
        message: e.message,
        durationMs: Date.now() - began,
      });
      const final = error instanceof UnrecoverableError || !mayRetry(options.retryPolicy, attempt, code) || attempt >= maxDeliver;
      if (stopping && abort.signal.aborted) {
        msg.nak();
      } else if (final) {
        await deadLetter(
          msg,
          {
            event: event as unknown as Record<string, unknown>,
            rawBase64: null,
            failure: {
              code,
              message: e.message,
              reason:
                error instanceof UnrecoverableError || options.retryPolicy.nonRetryable?.includes(code)
                  ? 'permanent'
                  : 'attempts_exhausted',
            },
            attempts: history,
            ...(details ? { details } : {}),
          },
          event.org_id,
          event.entity_type,
        );
        await msg.ackAck();
        attempts.delete(msg.seq);
      } else {
        const retryAfterMs = error instanceof RetryableError ? error.retryAfterMs : 0;
        msg.nak(retryDelayMs(options.retryPolicy, attempt, { retryAfterMs }));
      }
    } finally {
      span.end();
    }
  };

  const loop = (async () => {
    for await (const msg of messages) {
      if (stopping) {
        // Pulled before the stop: back to the stream at once, for another replica.
        msg.nak();
        continue;
      }
      await slots.acquire();
      if (stopping) {
        slots.release();
        msg.nak();
        continue;
      }
      inHand.add(msg);
      metrics.inFlight.inc();
      void handleMessage(msg)
        .catch((error: unknown) => {
          // Only the ack, the nak or the dead-letter write can fail here: JetStream redelivers after the ack wait.
          logger.error({ err: error, subject: msg.subject, streamSequence: msg.seq }, 'could not settle a message; it will be redelivered');
        })
        .finally(() => {
          inHand.delete(msg);
          metrics.inFlight.dec();
          slots.release();
        });
    }
  })();

  return {
    readiness: async () => {
      if (nc.isClosed()) throw new Error('the NATS connection is closed');
      await consumer.info();
    },
    backlog: async () => {
      const info = await consumer.info();
      return info.num_pending + info.num_ack_pending;
    },
    deadLetters: async () => {
      const info = await jsm.streams.info(STREAMS.dlq, { subjects_filter: deadLetterFilter(options.source) });
      return Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
    },
    drain: async (deadlineMs) => {
      stopping = true;
      // Not awaited yet: closing waits for the messages already pulled, which the loop naks once slots free up.
      const closed = messages.close().catch(() => undefined);
      const finished = slots.idle();
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([
        finished.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), deadlineMs))),
      ]);
      clearTimeout(timer);
      if (late) {
        abort.abort();
        for (const msg of inHand) msg.nak();
        logger.warn({ unfinished: inHand.size }, 'drain deadline passed: unfinished events handed back to the stream');
      }
      await closed;
      await loop.catch(() => undefined);
    },
  };
}

function remember(all: Map<number, Attempt[]>, seq: number, attempt: Attempt): Attempt[] {
  const list = all.get(seq) ?? [];
  list.push(attempt);
  if (!all.has(seq) && all.size >= REMEMBERED_MESSAGES) all.delete(all.keys().next().value as number);
  all.set(seq, list);
  return list;
}
