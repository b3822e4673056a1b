import { FraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import { JOB_VIEW_STATES, JobApiClient, MAX_JOBS_PAGE, type JobApiRequest, type JobView, type JobViewState } from '@fraiseql/jobs';
import type { Command } from 'commander';
import type { NatsConnection } from 'nats';
import type { CommandOutput } from '../command-output';
import { connectNats } from '../connect-nats';
import { operatorCaller } from '../jobs/operator-caller';
import { parseTimeFlag } from '../time-flag';
import { DEFAULT_NATS_URL } from './schema-push';

interface JobsFlags {
  natsUrl?: string;
  org?: string;
  json?: boolean;
}

interface ListFlags extends JobsFlags {
  state?: string;
  type?: string;
  since?: string;
  limit?: number;
}

const DEFAULT_LIST_LIMIT = 50;
const MAX_LIST_LIMIT = 10_000;

function usage(message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_REQUEST', message);
}

/** `--state queued,dead` → the states, each checked. */
export function parseStates(value: string): JobViewState[] {
  const states = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const state of states) {
    if (!(JOB_VIEW_STATES as readonly string[]).includes(state))
      throw usage(`--state expects states among ${JOB_VIEW_STATES.join(', ')} (comma-separated), got ${JSON.stringify(state)}`);
  }
  if (states.length === 0) throw usage(`--state expects one or more of ${JOB_VIEW_STATES.join(', ')}`);
  return [...new Set(states)] as JobViewState[];
}

function parseLimit(limit: number | undefined): number {
  const value = limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_LIST_LIMIT)
    throw usage(`--limit expects 1..${MAX_LIST_LIMIT}, got ${limit}`);
  return value;
}

/** Reads pages of `list` or `dead-list` until `limit` jobs or the end. */
async function collectPages(
  page: (
    first: number,
    after: string | undefined,
  ) => Promise<{ jobs: JobView[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } }>,
  limit: number,
): Promise<{ jobs: JobView[]; more: boolean }> {
  const jobs: JobView[] = [];
  let after: string | undefined;
  for (;;) {
    const result = await page(Math.min(MAX_JOBS_PAGE, limit - jobs.length), after);
    jobs.push(...result.jobs);
    const more = result.pageInfo.hasNextPage && result.pageInfo.endCursor !== null;
    if (!more || jobs.length >= limit) return { jobs: jobs.slice(0, limit), more };
    after = result.pageInfo.endCursor!;
  }
}

/** The table of `jobs list` / `jobs dead`: one aligned row per job, a header first. */
export function formatJobTable(jobs: readonly JobView[]): string[] {
  const rows = jobs.map((job) => [
    job.id,
    job.type,
    job.state,
    `${job.attempts}/${job.maxAttempts}`,
    job.createdAt,
    job.orgId ?? '_',
    job.error ? `${job.error.code}: ${job.error.message.length > 80 ? `${job.error.message.slice(0, 79)}…` : job.error.message}` : '',
  ]);
  const header = ['ID', 'TYPE', 'STATE', 'ATTEMPTS', 'CREATED', 'ORG', 'ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** `jobs show`: one member a line; progress, result and error as JSON. */
export function formatJob(job: JobView): string[] {
  const json = (v: unknown): string => (v === null ? '-' : JSON.stringify(v));
  return [
    `id:          ${job.id}`,
    `type:        ${job.type}`,
    `state:       ${job.state}`,
    `org:         ${job.orgId ?? '_'}`,
    `attempts:    ${job.attempts} of ${job.maxAttempts}`,
    `created:     ${job.createdAt}${job.createdBy ? ` by ${job.createdBy}` : ''}`,
    `started:     ${job.startedAt ?? '-'}`,
    `finished:    ${job.finishedAt ?? '-'}`,
    `next retry:  ${job.retryAt ?? '-'}`,
    `progress:    ${json(job.progress)}`,
    `result:      ${json(job.result)}`,
    `error:       ${job.error ? `${job.error.code}: ${job.error.message}` : '-'}`,
  ];
}

async function withJobApi<T>(flags: JobsFlags, run: (jobs: JobApiClient, caller: Caller, nc: NatsConnection) => Promise<T>): Promise<T> {
  const caller = operatorCaller(flags.org ?? process.env.FRAISEQL_ORG_ID);
  const nc = await connectNats(flags.natsUrl ?? process.env.FRAISEQL_NATS_URL ?? DEFAULT_NATS_URL, 'fraiseql-cli jobs');
  try {
    return await run(new JobApiClient(nc), caller, nc);
  } finally {
    await nc.close();
  }
}

function commonOptions(command: Command): Command {
  return command
    .option('--org <id>', 'the org whose jobs these are ("_" for jobs without one; default $FRAISEQL_ORG_ID, else _)')
    .option('--nats-url <url>', `NATS server (default $FRAISEQL_NATS_URL or ${DEFAULT_NATS_URL})`)
    .option('--json', 'machine-readable output (one JSON object per line)');
}

/**
 * `fraiseql jobs …`: the job-runner's jobs through the job API (`fraiseql.v1.jobs.api.*`, `JobApiClient`), as the
 * operator `cli:<os user>` with the role admin, in the org of `--org`. No job-runner answering is
 * FRAISEQL_JOB_RUNNER_UNAVAILABLE; every refusal prints its code.
 */
export function registerJobsCommand(program: Command, output: CommandOutput): void {
  const jobs = program.command('jobs').description('Jobs of the job-runner (job API over NATS): list, show, retry, cancel, dead, purge');
  const print = (flags: JobsFlags, job: JobView, line: string): void => output.info(flags.json ? JSON.stringify(job) : line);
  const printList = (flags: JobsFlags, found: { jobs: JobView[]; more: boolean }, what: string): void => {
    if (flags.json) for (const job of found.jobs) output.info(JSON.stringify(job));
    else {
      if (found.jobs.length > 0) for (const line of formatJobTable(found.jobs)) output.info(line);
      output.error(`${found.jobs.length} ${what}${found.more ? ' (more: raise --limit)' : ''}`);
    }
  };

  commonOptions(
    jobs
      .command('list')
      .description('List jobs, newest first')
      .option('--state <states>', `only these states, comma-separated (${JOB_VIEW_STATES.join(', ')})`)
      .option('--type <type>', 'only this job type')
      .option('--since <time>', 'created at or after (ISO time, or 30m, 2h, 7d back)')
      .option('-n, --limit <count>', `at most this many (default ${DEFAULT_LIST_LIMIT})`, (v) => Number(v)),
  ).action(async (flags: ListFlags) => {
    const limit = parseLimit(flags.limit);
    const where: NonNullable<JobApiRequest<'list'>['where']> = {};
    if (flags.state !== undefined) where.state = parseStates(flags.state);
    if (flags.type !== undefined) where.type = flags.type;
    if (flags.since !== undefined) where.createdAfter = parseTimeFlag(flags.since, '--since').toISOString();
    await withJobApi(flags, async (client, caller) => {
      const found = await collectPages(
        (first, after) =>
          client.call(
            'list',
            { ...(Object.keys(where).length > 0 ? { where } : {}), first, ...(after === undefined ? {} : { after }) },
            caller,
          ),
        limit,
      );
      printList(flags, found, 'job(s)');
    });
  });

  commonOptions(jobs.command('show <id>').description('Print one job: state, attempts, progress, result, last error')).action(
    async (id: string, flags: JobsFlags) =>
      withJobApi(flags, async (client, caller) => {
        const { job } = await client.call('get', { id }, caller);
        if (!job) {
          throw new FraiseqlError(
            'FRAISEQL_JOB_NOT_FOUND',
            `no job ${JSON.stringify(id)} in ${caller.orgId ? `org ${caller.orgId}` : 'no org (--org _)'}`,
            {
              details: { id },
            },
          );
        }
        if (flags.json) output.info(JSON.stringify(job));
        else for (const line of formatJob(job)) output.info(line);
      }),
  );

  commonOptions(
    jobs.command('retry <id>').description('Run a dead, cancelled or succeeded job again, with a fresh count of attempts'),
  ).action(async (id: string, flags: JobsFlags) =>
    withJobApi(flags, async (client, caller) => {
      const { job } = await client.call('retry', { id }, caller);
      print(flags, job, `job ${job.id} (${job.type}) retried: now ${job.state}`);
    }),
  );

  commonOptions(jobs.command('cancel <id>').description('Cancel a queued, retrying or running job (a running attempt is aborted)')).action(
    async (id: string, flags: JobsFlags) =>
      withJobApi(flags, async (client, caller) => {
        const { job } = await client.call('cancel', { id }, caller);
        print(flags, job, `job ${job.id} (${job.type}) cancelled: now ${job.state}`);
      }),
  );

  commonOptions(
    jobs
      .command('dead')
      .description('List dead jobs (attempts exhausted or failed for good), newest first')
      .option('-n, --limit <count>', `at most this many (default ${DEFAULT_LIST_LIMIT})`, (v) => Number(v)),
  ).action(async (flags: ListFlags) => {
    const limit = parseLimit(flags.limit);
    await withJobApi(flags, async (client, caller) => {
      const found = await collectPages(
        (first, after) => client.call('dead-list', { first, ...(after === undefined ? {} : { after }) }, caller),
        limit,
      );
      printList(flags, found, 'dead job(s)');
    });
  });

  commonOptions(
    jobs
      .command('purge <ids...>')
      .description('Remove dead jobs for good (all or nothing: an unknown id purges none)')
      .option('--yes', 'confirm (purging is not undoable)'),
  ).action(async (ids: string[], flags: JobsFlags & { yes?: boolean }) => {
    if (!flags.yes) throw usage('purge removes dead jobs for good: add --yes');
    await withJobApi(flags, async (client, caller) => {
      const { purged } = await client.call('dead-purge', { ids }, caller);
      output.info(flags.json ? JSON.stringify({ purged }) : `${purged} dead job(s) purged`);
    });
  });
}
