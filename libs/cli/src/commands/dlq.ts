import {
  checkDeadLetterSeq,
  deadLetterJob,
  getDeadLetter,
  listDeadLetters as listStoredDeadLetters,
  purgeAllDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
  type DeadLetterFilter,
  type StoredDeadLetter,
} from '@fraiseql/dead-letters';
import { FraiseqlError } from '@fraiseql/errors';
import { STREAMS } from '@fraiseql/nats-contract';
import type { Command } from 'commander';
import type { NatsConnection } from 'nats';
import type { CommandOutput } from '../command-output';
import { connectNats } from '../connect-nats';
import { redriveJobLetters } from '../jobs/redrive-job-letters';
import { parseTimeFlag } from '../time-flag';
import { DEFAULT_NATS_URL } from './schema-push';

/** The dead-letter filter as the command line spells it (libs/dead-letters takes it typed). */
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

/** The dead letters matching the flags' filter, newest first. */
export async function listDeadLetters(nc: NatsConnection, flags: DlqFilter): Promise<StoredDeadLetter[]> {
  const filter: DeadLetterFilter = {
    source: flags.source,
    entity: flags.entity,
    rule: flags.rule,
    limit: flags.limit,
  };
  if (flags.org !== undefined) filter.org = flags.org === '_' ? null : flags.org;
  if (flags.since !== undefined) filter.since = parseTimeFlag(flags.since, '--since');
  if (flags.until !== undefined) filter.until = parseTimeFlag(flags.until, '--until');
  return listStoredDeadLetters(nc, filter);
}

/**
 * One line per letter: seq, time, source, org, entity, part, code, attempts, event id; for a job-runner letter
 * the job instead of the event: `job=<id>`, `type=<job type>`, its org.
 */
export function formatDeadLetter({ seq, letter }: StoredDeadLetter): string {
  const job = deadLetterJob(letter);
  const message = letter.error.message.length > 100 ? `${letter.error.message.slice(0, 99)}…` : letter.error.message;
  if (job) {
    return [
      `#${seq}`,
      letter.dead_lettered_at,
      letter.source,
      `org=${job.orgId ?? '_'}`,
      `type=${job.jobType ?? '?'}`,
      `job=${job.jobId}`,
      letter.error.code,
      `attempts=${letter.attempts.count}`,
      message,
    ].join('  ');
  }
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
    message,
  ].join('  ');
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

/** The letters named, in order; one that cannot be read has no `letter` (its replay reports why). */
async function readLetters(nc: NatsConnection, seqs: readonly number[]): Promise<Array<Partial<StoredDeadLetter> & { seq: number }>> {
  const letters: Array<Partial<StoredDeadLetter> & { seq: number }> = [];
  for (const seq of seqs) letters.push(await getDeadLetter(nc, seq).catch(() => ({ seq })));
  return letters;
}

const seqArgs = (values: string[]): number[] => values.map((v) => checkDeadLetterSeq(Number(v.replace(/^#/, ''))));

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
        const job = deadLetterJob(stored.letter);
        if (job) {
          output.error(
            `a dead job: ${job.jobId} (type ${job.jobType ?? '?'}, org ${job.orgId ?? '_'}); ` +
              `\`fraiseql dlq replay ${stored.seq}\` retries it through the job API, \`fraiseql jobs show ${job.jobId} --org ${job.orgId ?? '_'}\` shows it`,
          );
        }
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
      const remove = flags.remove ?? false;
      // Oldest first; job-runner letters go back through the job API (retry), the others to FRAISEQL_REPLAY.
      const letters = seqs.length > 0 ? await readLetters(nc, seqArgs(seqs)) : (await listDeadLetters(nc, flags)).reverse();
      const jobLetters = letters.filter((s): s is StoredDeadLetter => s.letter !== undefined && deadLetterJob(s.letter) !== undefined);
      // Letters that could not be read go along: replayDeadLetters reports why each is skipped.
      const events = letters.filter((s) => s.letter === undefined || deadLetterJob(s.letter) === undefined).map((s) => s.seq);
      const result = events.length > 0 ? await replayDeadLetters(nc, events, { remove }) : { replayed: [], skipped: [] };
      const jobs = await redriveJobLetters(nc, jobLetters, { remove });
      for (const r of result.replayed)
        output.info(`#${r.seq} → ${r.subject}${r.duplicate ? ' (already replayed in the last 2 minutes: dropped)' : ''}`);
      for (const r of jobs.redriven) output.info(`#${r.seq} → job ${r.jobId} retried through the job API (now ${r.state})`);
      for (const s of result.skipped) output.error(`#${s.seq} skipped: ${s.reason}`);
      for (const s of jobs.skipped) output.error(`#${s.seq} skipped: job ${s.jobId}: ${s.code}: ${s.reason}`);
      const skipped = result.skipped.length + jobs.skipped.length;
      output.error(
        `${result.replayed.length + jobs.redriven.length} replayed (${jobs.redriven.length} job(s) retried), ${skipped} skipped`,
      );
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
