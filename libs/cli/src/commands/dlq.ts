import { decodeEntityEvent, encodeEntityEvent } from '@fraiseql/events';
import { FraiseqlError } from '@fraiseql/errors';
import {
  decodeDeadLetter,
  HEADERS,
  injectTraceContext,
  orgToken,
  replaySubject,
  STREAMS,
  SUBJECTS,
  escapeSubjectToken,
  type DeadLetter,
} from '@fraiseql/nats-contract';
import type { Command } from 'commander';
import { headers as natsHeaders, type JetStreamManager, type NatsConnection, type OrderedConsumerOptions } from 'nats';
import type { CommandOutput } from '../command-output';
import { connectNats } from '../connect-nats';
import { DEFAULT_NATS_URL } from './schema-push';

/** Which dead letters: every member narrows (source, org and entity by subject; the rest by content). */
export interface DlqFilter {
  /** Who gave up: `observer-worker`, `sink-clickhouse`, … */
  source?: string;
  /** An org id, or `_` for letters without an org. */
  org?: string;
  entity?: string;
  /** observer-worker: the rule's name (`details.rule`). */
  rule?: string;
  /** Dead-lettered at or after / at or before (ISO time or a duration back: 30m, 2h, 7d). */
  since?: string;
  until?: string;
  /** At most this many, newest first (default 100). */
  limit?: number;
}

export interface StoredDeadLetter {
  seq: number;
  subject: string;
  letter: DeadLetter;
}

const UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The dead letters matching `filter`, newest first. */
export async function listDeadLetters(nc: NatsConnection, filter: DlqFilter): Promise<StoredDeadLetter[]> {
  const limit = filter.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000) throw usage(`--limit expects 1..100000, got ${limit}`);
  const since = filter.since === undefined ? undefined : parseTime(filter.since, '--since');
  const until = filter.until === undefined ? undefined : parseTime(filter.until, '--until');
  const subject = `${SUBJECTS.dlqPrefix}.${filter.source === undefined ? '*' : escapeSubjectToken(filter.source)}.${
    filter.org === undefined ? '*' : orgToken(filter.org === '_' ? null : filter.org)
  }.${filter.entity === undefined ? '*' : escapeSubjectToken(filter.entity)}`;
  const jsm = await nc.jetstreamManager();
  const last = (await jsm.streams.info(STREAMS.dlq)).state.last_seq;
  const options: Partial<OrderedConsumerOptions> = { filterSubjects: subject };
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
      const rule = (letter.details as { rule?: unknown } | undefined)?.rule;
      if ((!until || at <= until.getTime()) && (filter.rule === undefined || rule === filter.rule)) {
        found.push({ seq: msg.seq, subject: msg.subject, letter });
      }
    } catch {
      // Not a dead letter (someone else published here): not ours to list.
    }
    if (msg.seq >= last || msg.info.pending === 0) break;
  }
  return found.reverse().slice(0, limit);
}

/** One dead letter by its FRAISEQL_DLQ sequence. */
export async function getDeadLetter(nc: NatsConnection, seq: number): Promise<StoredDeadLetter> {
  const jsm = await nc.jetstreamManager();
  return read(jsm, checkSeq(seq));
}

export interface ReplayResult {
  replayed: { seq: number; subject: string; duplicate: boolean }[];
  skipped: { seq: number; reason: string }[];
}

/**
 * Sends dead letters back to the consumer that gave up on them (docs/adr/0103-observer-worker.md): the event
 * to `fraiseql.v1.replay.<source>.<org>.<entity>` (stream FRAISEQL_REPLAY), naming the letter (`Fraiseql-Replay-Of`)
 * and its part (`Fraiseql-Replay-Key`), with msg id `replay:<seq>` (a second replay within two minutes is dropped).
 * The consumer runs it through its normal path and dedup. `remove` deletes each letter once its replay is stored.
 */
export async function replayDeadLetters(
  nc: NatsConnection,
  seqs: readonly number[],
  options: { remove?: boolean } = {},
): Promise<ReplayResult> {
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const result: ReplayResult = { replayed: [], skipped: [] };
  for (const seq of seqs.map(checkSeq)) {
    let stored: StoredDeadLetter;
    try {
      stored = await read(jsm, seq);
    } catch (error) {
      result.skipped.push({ seq, reason: (error as Error).message });
      continue;
    }
    const { letter } = stored;
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

/** Deletes dead letters by sequence; returns how many were there. */
export async function purgeDeadLetters(nc: NatsConnection, seqs: readonly number[]): Promise<number> {
  const jsm = await nc.jetstreamManager();
  let removed = 0;
  for (const seq of seqs.map(checkSeq)) {
    try {
      if (await jsm.streams.deleteMessage(STREAMS.dlq, seq)) removed++;
    } catch {
      // Already gone.
    }
  }
  return removed;
}

/** Removes every dead letter. */
export async function purgeAllDeadLetters(nc: NatsConnection): Promise<number> {
  const jsm = await nc.jetstreamManager();
  return (await jsm.streams.purge(STREAMS.dlq)).purged;
}

/** One line per letter: seq, time, source, org, entity, part, code, attempts, event id. */
export function formatDeadLetter({ seq, letter }: StoredDeadLetter): string {
  const event = letter.event as { event_id?: string; org_id?: string | null; entity_type?: string } | null;
  const details = letter.details as { key?: string } | undefined;
  return [
    `#${seq}`,
    letter.dead_lettered_at,
    letter.source,
    `org=${event?.org_id ?? '_'}`,
    event?.entity_type ?? '?',
    details?.key ?? '(event)',
    letter.error.code,
    `attempts=${letter.attempts.count}`,
    event?.event_id ?? '(raw payload)',
    letter.error.message.length > 100 ? `${letter.error.message.slice(0, 99)}…` : letter.error.message,
  ].join('  ');
}

async function read(jsm: JetStreamManager, seq: number): Promise<StoredDeadLetter> {
  let message;
  try {
    message = await jsm.streams.getMessage(STREAMS.dlq, { seq });
  } catch {
    throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `no dead letter #${seq} in ${STREAMS.dlq}`);
  }
  return { seq, subject: message.subject, letter: decodeDeadLetter(message.data) };
}

function checkSeq(seq: number): number {
  if (!Number.isSafeInteger(seq) || seq < 1) throw usage(`a dead letter is named by its sequence (a positive integer), got ${seq}`);
  return seq;
}

function parseTime(value: string, flag: string): Date {
  const duration = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$/.exec(value);
  if (duration) return new Date(Date.now() - Math.round(Number(duration[1]) * UNITS_MS[duration[2]!]!));
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw usage(`${flag} expects an ISO time or a duration back (30m, 2h, 7d), got ${JSON.stringify(value)}`);
  return new Date(at);
}

function usage(message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_REQUEST', message);
}

interface CommonFlags extends DlqFilter {
  natsUrl?: string;
  json?: boolean;
}

async function withNats<T>(flags: { natsUrl?: string }, run: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connectNats(flags.natsUrl ?? process.env.FRAISEQL_NATS_URL ?? DEFAULT_NATS_URL, 'fraiseql-cli dlq');
  try {
    return await run(nc);
  } finally {
    await nc.close();
  }
}

const hasFilter = (f: DlqFilter): boolean => [f.source, f.org, f.entity, f.rule, f.since, f.until].some((v) => v !== undefined);

function filterOptions(command: Command): Command {
  return command
    .option('--source <name>', 'who gave up: observer-worker, sink-clickhouse, …')
    .option('--org <id>', 'only this org ("_" for letters without one)')
    .option('--entity <type>', 'only this entity type')
    .option('--rule <name>', 'only this observer rule')
    .option('--since <time>', 'dead-lettered at or after (ISO time, or 30m, 2h, 7d back)')
    .option('--until <time>', 'dead-lettered at or before (ISO time, or a duration back)')
    .option('-n, --limit <count>', 'at most this many, newest first (default 100)', (v) => Number(v))
    .option('--nats-url <url>', `NATS server (default $FRAISEQL_NATS_URL or ${DEFAULT_NATS_URL})`);
}

const seqArgs = (values: string[]): number[] =>
  values.map((v) => {
    const n = Number(v.replace(/^#/, ''));
    return checkSeq(n);
  });

export function registerDlqCommand(program: Command, output: CommandOutput): void {
  const dlq = program.command('dlq').description(`Dead letters (JetStream stream ${STREAMS.dlq}): list, show, replay, purge`);
  filterOptions(dlq.command('list').description('List dead letters, newest first').option('--json', 'one JSON object per line')).action(
    async (flags: CommonFlags) =>
      withNats(flags, async (nc) => {
        const letters = await listDeadLetters(nc, flags);
        for (const stored of letters)
          output.info(
            flags.json ? JSON.stringify({ seq: stored.seq, dlq_subject: stored.subject, ...stored.letter }) : formatDeadLetter(stored),
          );
        if (!flags.json) output.error(`${letters.length} dead letter(s)`);
      }),
  );
  dlq
    .command('show <seq>')
    .description('Print one dead letter: event, error, every attempt, and what was sent (secrets redacted)')
    .option('--nats-url <url>', `NATS server (default $FRAISEQL_NATS_URL or ${DEFAULT_NATS_URL})`)
    .action(async (seq: string, flags: { natsUrl?: string }) =>
      withNats(flags, async (nc) => {
        const stored = await getDeadLetter(nc, seqArgs([seq])[0]!);
        output.info(JSON.stringify({ seq: stored.seq, dlq_subject: stored.subject, ...stored.letter }, null, 2));
      }),
    );
  filterOptions(
    dlq
      .command('replay [seqs...]')
      .description('Send dead letters back through their consumer (deduplicated like any delivery); by sequence or by filter')
      .option('--remove', 'delete each letter once its replay is stored'),
  ).action(async (seqs: string[], flags: CommonFlags & { remove?: boolean }) =>
    withNats(flags, async (nc) => {
      if (seqs.length === 0 && !hasFilter(flags))
        throw usage('name dead letters by sequence, or filter them (--source, --org, --rule, --since, …)');
      const targets = seqs.length > 0 ? seqArgs(seqs) : (await listDeadLetters(nc, flags)).map((s) => s.seq).reverse();
      const result = await replayDeadLetters(nc, targets, { remove: flags.remove ?? false });
      for (const r of result.replayed)
        output.info(`#${r.seq} → ${r.subject}${r.duplicate ? ' (already replayed in the last 2 minutes: dropped)' : ''}`);
      for (const s of result.skipped) output.error(`#${s.seq} skipped: ${s.reason}`);
      output.error(`${result.replayed.length} replayed, ${result.skipped.length} skipped`);
    }),
  );
  filterOptions(
    dlq
      .command('purge [seqs...]')
      .description('Delete dead letters by sequence, by filter, or --all')
      .option('--all', 'every dead letter of every source')
      .option('--yes', 'confirm (purging is not undoable)'),
  ).action(async (seqs: string[], flags: CommonFlags & { all?: boolean; yes?: boolean }) =>
    withNats(flags, async (nc) => {
      if (!flags.yes) throw usage('purge deletes dead letters for good: add --yes');
      if (flags.all && (seqs.length > 0 || hasFilter(flags))) throw usage('--all cannot be combined with sequences or filters');
      let removed: number;
      if (flags.all) removed = await purgeAllDeadLetters(nc);
      else {
        if (seqs.length === 0 && !hasFilter(flags)) throw usage('name dead letters by sequence, filter them, or say --all');
        const targets =
          seqs.length > 0 ? seqArgs(seqs) : (await listDeadLetters(nc, { ...flags, limit: flags.limit ?? 100_000 })).map((s) => s.seq);
        removed = await purgeDeadLetters(nc, targets);
      }
      output.info(`${removed} dead letter(s) removed`);
    }),
  );
}
