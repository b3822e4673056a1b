import { FraiseqlError } from '@fraiseql/errors';

/**
 * A dead letter on `fraiseql.v1.dlq.<source>.<org>.<entity>` (stream FRAISEQL_DLQ): a message that a
 * consumer gave up on, with why and how hard it tried. JSON, snake_case like EntityEvent; the writer
 * (libs/jetstream-consumer, job-runner) and every reader (replay tools, dashboards) use this module.
 * Published with `Nats-Msg-Id` = `deadLetterMsgId(...)`, so a redelivered original never makes a second one.
 */
export interface DeadLetter {
  /** Envelope format version. */
  version: 1;
  /** Who gave up, e.g. `observer-worker`, `sink-clickhouse` (also the subject's `<source>` token). */
  source: string;
  /** The original message: its subject, stream and stream sequence. */
  subject: string;
  stream: string;
  stream_seq: number;
  /** The event as JSON when the payload was a valid EntityEvent; null when it was not (see `raw_base64`). */
  event: Record<string, unknown> | null;
  /** The original payload bytes (base64) when they were not a valid event; null otherwise. */
  raw_base64: string | null;
  /** The failure that ended it: a code of docs/errors.md (or a domain code) and its message. */
  error: DeadLetterError;
  attempts: {
    /** Deliveries made (1 = dead-lettered on the first). */
    count: number;
    /** One entry per failed attempt the writer knows of, oldest first (may be fewer than `count`). */
    history: DeadLetterAttempt[];
  };
  /** RFC 3339 UTC times of the first and the last failure, and of the dead-lettering. */
  first_failure_at: string;
  last_failure_at: string;
  dead_lettered_at: string;
  /** What the writer adds for whoever replays it (observer-worker: rule, action, rendered request). */
  details?: Record<string, unknown>;
}

export interface DeadLetterError {
  code: string;
  message: string;
}

export interface DeadLetterAttempt {
  /** Delivery number, 1 = the first. */
  attempt: number;
  /** When it failed (RFC 3339 UTC). */
  at: string;
  error: DeadLetterError;
  /** How long the attempt ran before failing, in ms. */
  latency_ms: number;
  /** When the next attempt was scheduled (RFC 3339 UTC), when the writer scheduled one. */
  retry_at?: string;
}

export interface DeadLetterIdentity {
  source: string;
  /** The event's `event_id` when the payload was a valid event. */
  eventId?: string;
  /** The original's stream and sequence: identify a payload that had no valid event_id. */
  stream: string;
  streamSeq: number;
  /** Narrows the identity when one event may be dead-lettered several times (observer-worker: rule and action). */
  key?: string;
}

/** The `Nats-Msg-Id` of a dead letter: the same original (and key) always gives the same id. */
export function deadLetterMsgId(identity: DeadLetterIdentity): string {
  const original = identity.eventId ?? `${identity.stream}:${identity.streamSeq}`;
  return `dlq:${identity.source}:${original}${identity.key === undefined ? '' : `:${identity.key}`}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The JSON bytes of a dead letter, validated first. */
export function encodeDeadLetter(letter: DeadLetter): Uint8Array {
  return encoder.encode(JSON.stringify(validateDeadLetter(letter)));
}

/** Parses and validates a dead letter; anything malformed is FRAISEQL_BAD_MESSAGE. Unknown extra fields are dropped. */
export function decodeDeadLetter(payload: Uint8Array | string): DeadLetter {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof payload === 'string' ? payload : decoder.decode(payload));
  } catch (cause) {
    throw bad('the payload is not UTF-8 JSON', cause);
  }
  return validateDeadLetter(parsed);
}

function validateDeadLetter(value: unknown): DeadLetter {
  const v = object(value, 'a dead letter');
  if (v.version !== 1) throw bad(`field version must be 1, got ${JSON.stringify(v.version)}`);
  const event = v.event === null ? null : object(v.event, 'field event');
  const raw = v.raw_base64 === null ? null : text(v.raw_base64, 'raw_base64');
  if ((event === null) === (raw === null)) throw bad('exactly one of event and raw_base64 must be set');
  const attempts = object(v.attempts, 'field attempts');
  if (!Array.isArray(attempts.history)) throw bad('field attempts.history must be an array');
  const letter: DeadLetter = {
    version: 1,
    source: text(v.source, 'source'),
    subject: text(v.subject, 'subject'),
    stream: text(v.stream, 'stream'),
    stream_seq: count(v.stream_seq, 'stream_seq'),
    event,
    raw_base64: raw,
    error: failure(v.error, 'error'),
    attempts: {
      count: count(attempts.count, 'attempts.count'),
      history: attempts.history.map((entry, i) => {
        const a = object(entry, `attempts.history[${i}]`);
        return {
          attempt: count(a.attempt, `attempts.history[${i}].attempt`),
          at: time(a.at, `attempts.history[${i}].at`),
          error: failure(a.error, `attempts.history[${i}].error`),
          latency_ms: latency(a.latency_ms, `attempts.history[${i}].latency_ms`),
          ...(a.retry_at === undefined ? {} : { retry_at: time(a.retry_at, `attempts.history[${i}].retry_at`) }),
        };
      }),
    },
    first_failure_at: time(v.first_failure_at, 'first_failure_at'),
    last_failure_at: time(v.last_failure_at, 'last_failure_at'),
    dead_lettered_at: time(v.dead_lettered_at, 'dead_lettered_at'),
  };
  if (v.details !== undefined) letter.details = object(v.details, 'field details');
  return letter;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw bad(`field ${field} must be a non-empty string`);
  return value;
}

function count(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw bad(`field ${field} must be a positive integer`);
  return value;
}

function latency(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw bad(`field ${field} must be a number ≥ 0`);
  return value;
}

function time(value: unknown, field: string): string {
  const s = text(value, field);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(s) || Number.isNaN(Date.parse(s))) {
    throw bad(`field ${field} must be an RFC 3339 UTC time, got ${JSON.stringify(s)}`);
  }
  return s;
}

function failure(value: unknown, field: string): DeadLetterError {
  const e = object(value, `field ${field}`);
  if (typeof e.message !== 'string') throw bad(`field ${field}.message must be a string`);
  return { code: text(e.code, `${field}.code`), message: e.message };
}

function bad(message: string, cause?: unknown): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Malformed dead letter: ${message}`, { cause });
}
