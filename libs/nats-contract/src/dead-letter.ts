import { FraiseqlError } from '@fraiseql/errors';
import { escapeSubjectToken } from './escape-subject-token';
import { SUBJECTS } from './names';

/**
 * What goes to FRAISEQL_DLQ (`fraiseql.v1.dlq.<source>.<org>.<entity>`) when a consumer gives up on a
 * message: a permanent failure, the last allowed attempt, or a message that is no valid event. One
 * envelope for every source (observer-worker, sinks, job-runner), so `fraiseql dlq` reads them all
 * and a replay sends back exactly what was received.
 */
export interface DeadLetter {
  /** Envelope version. */
  version: 1;
  /** Who gave up: `observer`, `sink-clickhouse`, `sink-search`, `jobs`. */
  source: string;
  /** Where the message came from. */
  origin: { stream: string; subject: string; streamSequence: number; consumer: string };
  /** The event, when the payload was a valid one (its event_id is the idempotency key everywhere). */
  event: Record<string, unknown> | null;
  /** The payload as received, base64, when it was not a valid event. */
  rawBase64: string | null;
  failure: {
    /** A code of docs/errors.md, or a domain code. */
    code: string;
    message: string;
    /** Why the consumer stopped trying. */
    reason: 'malformed' | 'permanent' | 'attempts_exhausted';
  };
  /** Deliveries of the message so far (JetStream's count). */
  deliveries: number;
  /** What the consumer remembers of each attempt (this replica's view; at least the last one). */
  attempts: Array<{ at: string; code: string; message: string; durationMs: number }>;
  /** RFC 3339. */
  deadLetteredAt: string;
  /** Whatever the source adds (observer-worker: the rule, the action, the rendered request with secrets redacted). */
  details?: Record<string, unknown>;
}

/**
 * Nats-Msg-Id of a dead letter: one per (source, stream message), so a consumer that dies between
 * writing the dead letter and acking the message writes it again into JetStream's duplicate window, not twice.
 */
export function deadLetterMsgId(letter: Pick<DeadLetter, 'source' | 'origin'>): string {
  return `dlq:${letter.source}:${letter.origin.stream}:${letter.origin.streamSequence}`;
}

export function encodeDeadLetter(letter: DeadLetter): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(letter));
}

/** Decodes and checks a dead letter; anything malformed is FRAISEQL_BAD_MESSAGE. */
export function decodeDeadLetter(data: Uint8Array): DeadLetter {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    throw bad('the payload is not JSON');
  }
  if (!isObject(value) || value.version !== 1) throw bad('not a version 1 dead letter');
  const { source, origin, event, rawBase64, failure, deliveries, attempts, deadLetteredAt, details } = value;
  if (typeof source !== 'string' || source === '') throw bad('"source" must be a non-empty string');
  if (
    !isObject(origin) ||
    typeof origin.stream !== 'string' ||
    typeof origin.subject !== 'string' ||
    !Number.isSafeInteger(origin.streamSequence) ||
    typeof origin.consumer !== 'string'
  ) {
    throw bad('"origin" must name the stream, subject, stream sequence and consumer');
  }
  if (event !== null && !isObject(event)) throw bad('"event" must be an object or null');
  if (rawBase64 !== null && typeof rawBase64 !== 'string') throw bad('"rawBase64" must be a string or null');
  if (
    !isObject(failure) ||
    typeof failure.code !== 'string' ||
    typeof failure.message !== 'string' ||
    !['malformed', 'permanent', 'attempts_exhausted'].includes(failure.reason as string)
  ) {
    throw bad('"failure" must have a code, a message and a reason');
  }
  if (!Number.isSafeInteger(deliveries) || (deliveries as number) < 1) throw bad('"deliveries" must be a positive integer');
  if (!Array.isArray(attempts)) throw bad('"attempts" must be a list');
  if (typeof deadLetteredAt !== 'string' || Number.isNaN(Date.parse(deadLetteredAt)))
    throw bad('"deadLetteredAt" must be an RFC 3339 time');
  if (details !== undefined && !isObject(details)) throw bad('"details" must be an object');
  return value as unknown as DeadLetter;
}

/** Subjects of one source's dead letters: `fraiseql.v1.dlq.<source>.>`. */
export function deadLetterFilter(source: string): string {
  return `${SUBJECTS.dlqPrefix}.${escapeSubjectToken(source)}.>`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function bad(reason: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Malformed dead letter: ${reason}`);
}
