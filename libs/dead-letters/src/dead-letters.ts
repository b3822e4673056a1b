import { decodeEntityEvent, encodeEntityEvent } from '@fraiseql/events';
import { FraiseqlError } from '@fraiseql/errors';
import {
  decodeDeadLetter,
  escapeSubjectToken,
  HEADERS,
  injectTraceContext,
  orgFromToken,
  orgToken,
  replaySubject,
  STREAMS,
  SUBJECTS,
  unescapeSubjectToken,
  type DeadLetter,
} from '@fraiseql/nats-contract';
import { headers as natsHeaders, type JetStreamManager, type NatsConnection, type OrderedConsumerOptions } from 'nats';

/** Which dead letters: every member narrows (source, org and entity by subject; the rest by content). */
export interface DeadLetterFilter {
  /** Who gave up: `observer-worker`, `sink-clickhouse`, … */
  source?: string;
  /** An org id, or null for letters without an org. */
  org?: string | null;
  entity?: string;
  /** observer-worker: the rule's name (`details.rule`). */
  rule?: string;
  /** Dead-lettered at or after / at or before. */
  since?: Date;
  until?: Date;
  /** At most this many, newest first (default 100, at most MAX_DEAD_LETTER_LIMIT). */
  limit?: number;
}

/** Only the letters of one org (null: letters without an org); a letter of another org is "not found". */
export interface DeadLetterScope {
  org?: string | null;
}

export interface StoredDeadLetter {
  /** The letter's FRAISEQL_DLQ sequence: how it is named to show, replay or purge it. */
  seq: number;
  /** `fraiseql.v1.dlq.<source>.<org>.<entity>`. */
  subject: string;
  letter: DeadLetter;
}

export interface ReplayResult {
  replayed: { seq: number; subject: string; duplicate: boolean }[];
  skipped: { seq: number; reason: string }[];
}

export const DEFAULT_DEAD_LETTER_LIMIT = 100;
export const MAX_DEAD_LETTER_LIMIT = 100_000;

/** The dead letters matching `filter`, newest first. */
export async function listDeadLetters(nc: NatsConnection, filter: DeadLetterFilter): Promise<StoredDeadLetter[]> {
  const limit = filter.limit ?? DEFAULT_DEAD_LETTER_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_DEAD_LETTER_LIMIT)
    throw badInput(`limit expects 1..${MAX_DEAD_LETTER_LIMIT}, got ${limit}`);
  const { since, until } = filter;
  for (const [name, at] of Object.entries({ since, until }))
    if (at !== undefined && !(at instanceof Date && Number.isFinite(at.getTime()))) throw badInput(`${name} is not a valid time`);
  if (since && until && since.getTime() > until.getTime()) throw badInput('since is after until: no dead letter can match');
  const subject = `${SUBJECTS.dlqPrefix}.${filter.source === undefined ? '*' : escapeSubjectToken(filter.source)}.${
    filter.org === undefined ? '*' : orgToken(filter.org)
  }.${filter.entity === undefined ? '*' : escapeSubjectToken(filter.entity)}`;
  const jsm = await nc.jetstreamManager();
  const last = (await jsm.streams.info(STREAMS.dlq)).state.last_seq;
  const options: Partial<OrderedConsumerOptions> = { filterSubjects: subject };
  // A letter is stored after it was dead-lettered: skipping what was stored before `since` loses none.
  if (since) options.opt_start_time = since.toISOString();
  const consumer = await nc.jetstream().consumers.get(STREAMS.dlq, options);
  const found: StoredDeadLetter[] = [];
  // Read to the stream's end as it was when we started (an ordered consumer: nothing left on the server).
  for (;;) {
    const msg = await consumer.next({ expires: 1000 });
    if (!msg) break;
    try {
      const letter = decodeDeadLetter(msg.data);
      const at = Date.parse(letter.dead_lettered_at);
      const inTime = (!since || at >= since.getTime()) && (!until || at <= until.getTime());
      if (inTime && (filter.rule === undefined || deadLetterRule(letter) === filter.rule)) {
        found.push({ seq: msg.seq, subject: msg.subject, letter });
      }
    } catch {
      // Not a dead letter (someone else published here): not ours to list.
    }
    if (msg.seq >= last || msg.info.pending === 0) break;
  }
  return found.reverse().slice(0, limit);
}

/** One dead letter by its FRAISEQL_DLQ sequence; FRAISEQL_DEAD_LETTER_NOT_FOUND when there is none (in the scope). */
export async function getDeadLetter(nc: NatsConnection, seq: number, scope: DeadLetterScope = {}): Promise<StoredDeadLetter> {
  const jsm = await nc.jetstreamManager();
  return read(jsm, checkDeadLetterSeq(seq), scope);
}

/** Several dead letters, all or none: FRAISEQL_DEAD_LETTER_NOT_FOUND names every sequence missing (in the scope). */
export async function getDeadLetters(
  nc: NatsConnection,
  seqs: readonly number[],
  scope: DeadLetterScope = {},
): Promise<StoredDeadLetter[]> {
  const jsm = await nc.jetstreamManager();
  const found: StoredDeadLetter[] = [];
  const missing: number[] = [];
  for (const seq of seqs.map(checkDeadLetterSeq)) {
    try {
      found.push(await read(jsm, seq, scope));
    } catch (error) {
      if (!(error instanceof FraiseqlError) || error.code !== 'FRAISEQL_DEAD_LETTER_NOT_FOUND') throw error;
      missing.push(seq);
    }
  }
  if (missing.length > 0) throw notFound(missing);
  return found;
}

/**
 * Sends dead letters back to the consumer that gave up on them (docs/adr/0103-observer-worker.md): the event
 * to `fraiseql.v1.replay.<source>.<org>.<entity>` (stream FRAISEQL_REPLAY), naming the letter (`Fraiseql-Replay-Of`)
 * and its part (`Fraiseql-Replay-Key`), with msg id `replay:<seq>` (a second replay within two minutes is dropped).
 * The consumer runs it through its normal path and dedup. `remove` deletes each letter once its replay is stored;
 * `org` skips (as missing) every letter of another org.
 */
export async function replayDeadLetters(
  nc: NatsConnection,
  seqs: readonly number[],
  options: { remove?: boolean } & DeadLetterScope = {},
): Promise<ReplayResult> {
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const result: ReplayResult = { replayed: [], skipped: [] };
  for (const seq of seqs.map(checkDeadLetterSeq)) {
    let stored: StoredDeadLetter;
    try {
      stored = await read(jsm, seq, options);
    } catch (error) {
      result.skipped.push({ seq, reason: (error as Error).message });
      continue;
    }
    const { letter } = stored;
    const job = deadLetterJob(letter);
    if (job) {
      // A dead job is redriven by the job-runner (job API `retry`), never republished as an event.
      result.skipped.push({
        seq,
        reason: `a job-runner letter (job ${job.jobId}) is redriven through the job API: fraiseql dlq replay ${seq} or fraiseql jobs retry ${job.jobId}`,
      });
      continue;
    }
    if (!letter.event) {
      result.skipped.push({ seq, reason: 'the original payload was not a valid event (raw_base64): nothing to replay' });
      continue;
    }
    let payload: Uint8Array;
    let subject: string;
    try {
      const event = decodeEntityEvent(JSON.stringify(letter.event));
      payload = encodeEntityEvent(event);
      subject = replaySubject(letter.source, event.org_id, event.entity_type);
    } catch (error) {
      result.skipped.push({ seq, reason: `the letter's event does not validate: ${(error as Error).message}` });
      continue;
    }
    const headers = natsHeaders();
    headers.set(HEADERS.replayOf, String(seq));
    const key = (letter.details as { key?: unknown } | undefined)?.key;
    if (typeof key === 'string') headers.set(HEADERS.replayKey, key);
    injectTraceContext(headers);
    const ack = await js.publish(subject, payload, { msgID: `replay:${seq}`, headers, expect: { streamName: STREAMS.replay } });
    if (options.remove) await jsm.streams.deleteMessage(STREAMS.dlq, seq);
    result.replayed.push({ seq, subject, duplicate: ack.duplicate });
  }
  return result;
}

/** Deletes dead letters by sequence (with `org`, only that org's); returns how many were there. */
export async function purgeDeadLetters(nc: NatsConnection, seqs: readonly number[], scope: DeadLetterScope = {}): Promise<number> {
  const jsm = await nc.jetstreamManager();
  let removed = 0;
  for (const seq of seqs.map(checkDeadLetterSeq)) {
    try {
      if (scope.org !== undefined) await read(jsm, seq, scope);
      if (await jsm.streams.deleteMessage(STREAMS.dlq, seq)) removed++;
    } catch {
      // Already gone, or another org's.
    }
  }
  return removed;
}

/** Removes every dead letter. */
export async function purgeAllDeadLetters(nc: NatsConnection): Promise<number> {
  const jsm = await nc.jetstreamManager();
  return (await jsm.streams.purge(STREAMS.dlq)).purged;
}

/** Who gave up, the org (null: none) and the entity of a dead letter, from its subject `fraiseql.v1.dlq.<source>.<org>.<entity>`. */
export function parseDeadLetterSubject(subject: string): { source: string; orgId: string | null; entityType: string } {
  const tokens = subject.slice(SUBJECTS.dlqPrefix.length + 1).split('.');
  if (!subject.startsWith(`${SUBJECTS.dlqPrefix}.`) || tokens.length !== 3)
    throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Not a dead-letter subject: ${JSON.stringify(subject)}`, { details: { subject } });
  return { source: unescapeSubjectToken(tokens[0]!), orgId: orgFromToken(tokens[1]!), entityType: unescapeSubjectToken(tokens[2]!) };
}

/** observer-worker letters: the rule that gave up (`details.rule`). */
export function deadLetterRule(letter: DeadLetter): string | undefined {
  const rule = (letter.details as { rule?: unknown } | undefined)?.rule;
  return typeof rule === 'string' ? rule : undefined;
}

/** The source of the job-runner's dead letters (`fraiseql.v1.dlq.job-runner.<org>.<job type>`). */
export const JOB_RUNNER_SOURCE = 'job-runner';

/**
 * A job-runner letter's job: `details.job_id` (and `details.job_type`, `details.org_id`); undefined for any other
 * letter, or one without a job id.
 */
export function deadLetterJob(letter: DeadLetter): { jobId: string; jobType: string | null; orgId: string | null } | undefined {
  if (letter.source !== JOB_RUNNER_SOURCE) return undefined;
  const details = (letter.details ?? {}) as { job_id?: unknown; job_type?: unknown; org_id?: unknown };
  if (typeof details.job_id !== 'string' || details.job_id === '') return undefined;
  return {
    jobId: details.job_id,
    jobType: typeof details.job_type === 'string' ? details.job_type : null,
    orgId: typeof details.org_id === 'string' ? details.org_id : null,
  };
}

/** A dead letter is named by its stream sequence, a positive integer; anything else is BAD_USER_INPUT. */
export function checkDeadLetterSeq(seq: number): number {
  if (!Number.isSafeInteger(seq) || seq < 1) throw badInput(`a dead letter is named by its sequence (a positive integer), got ${seq}`);
  return seq;
}

async function read(jsm: JetStreamManager, seq: number, scope: DeadLetterScope): Promise<StoredDeadLetter> {
  let message;
  try {
    message = await jsm.streams.getMessage(STREAMS.dlq, { seq });
  } catch {
    throw notFound([seq]);
  }
  // Another org's letter is indistinguishable from a missing one.
  if (scope.org !== undefined && parseDeadLetterSubject(message.subject).orgId !== scope.org) throw notFound([seq]);
  return { seq, subject: message.subject, letter: decodeDeadLetter(message.data) };
}

function notFound(seqs: number[]): FraiseqlError {
  const named = seqs.map((s) => `#${s}`).join(', ');
  return new FraiseqlError('FRAISEQL_DEAD_LETTER_NOT_FOUND', `no dead letter ${named} in ${STREAMS.dlq}`, { details: { seqs } });
}

function badInput(message: string): FraiseqlError {
  return new FraiseqlError('BAD_USER_INPUT', message);
}
