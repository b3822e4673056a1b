import { userInfo } from 'node:os';
import { dlqSubject, encodeDeadLetter, provisionJetStream, STREAMS, type DeadLetter } from '@fraiseql/nats-contract';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { connect, type NatsConnection } from 'nats';
import { runCli } from '../src';
import { jobView, startJobApiStandIn } from './job-api-stand-in';

const ORG_A = 'a0000000-0000-4000-8000-00000000000a';
const ORG_B = 'b0000000-0000-4000-8000-00000000000b';
const OPERATOR = `cli:${userInfo().username}`;

describe('fraiseql jobs (real NATS; job API stand-in)', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  let standIn: Awaited<ReturnType<typeof startJobApiStandIn>>;
  let lines: string[];
  const output = { info: (m: string) => lines.push(m), error: (m: string) => lines.push(`ERR ${m}`) };
  const cli = async (...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> => {
    lines = [];
    // runCli answers process.exitCode when set: another suite of this jest worker may have left one.
    process.exitCode = undefined;
    const code = await runCli([...args, '--nats-url', server.url], output);
    return { code, out: lines.filter((l) => !l.startsWith('ERR ')), err: lines.filter((l) => l.startsWith('ERR ')).map((l) => l.slice(4)) };
  };

  beforeEach(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    standIn = await startJobApiStandIn(nc, [
      jobView('exp-1', ORG_A, { createdAt: '2026-12-05T10:00:00.000Z', state: 'succeeded', attempts: 1, result: { rows: 10 } }),
      jobView('exp-2', ORG_A, {
        createdAt: '2026-12-05T11:00:00.000Z',
        state: 'dead',
        attempts: 3,
        error: { code: 'FRAISEQL_JOB_TIMEOUT', message: 'attempt ran past 60 s' },
      }),
      jobView('mail-1', ORG_A, { type: 'email-batch', createdAt: '2026-12-05T12:00:00.000Z', state: 'queued' }),
      jobView('exp-b', ORG_B, { createdAt: '2026-12-05T12:30:00.000Z', state: 'dead' }),
    ]);
  });
  afterEach(async () => {
    await standIn.stop();
    await nc.close();
    await server.dispose();
  });

  it('lists the jobs of --org newest first as a table, as the operator with the role admin (job API stand-in)', async () => {
    const run = await cli('jobs', 'list', '--org', ORG_A);
    expect(run.code).toBe(0);
    expect(run.out[0]).toMatch(/^ID\s+TYPE\s+STATE\s+ATTEMPTS\s+CREATED\s+ORG\s+ERROR$/);
    expect(run.out.slice(1).map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
      ['mail-1', 'email-batch', 'queued', '0/3'],
      ['exp-2', 'order-export', 'dead', '3/3'],
      ['exp-1', 'order-export', 'succeeded', '1/3'],
    ]);
    expect(run.out[2]).toContain('FRAISEQL_JOB_TIMEOUT: attempt ran past 60 s');
    expect(run.err).toEqual(['3 job(s)']);
    expect(standIn.calls[0]!.caller).toEqual({ subject: OPERATOR, orgId: ORG_A, roles: ['admin'] });
  });

  it('passes --state, --type, --since and --limit to the job API, paging past 100, and prints JSON lines (job API stand-in)', async () => {
    for (let i = 0; i < 130; i++)
      standIn.jobs.set(`bulk-${i}`, jobView(`bulk-${i}`, ORG_A, { createdAt: `2026-12-06T00:${String(i % 60).padStart(2, '0')}:00.000Z` }));
    let run = await cli('jobs', 'list', '--org', ORG_A, '--state', 'queued,dead', '--type', 'order-export', '--limit', '120', '--json');
    expect(run.code).toBe(0);
    const listed = run.out.map((l) => JSON.parse(l) as { id: string; state: string });
    expect(listed).toHaveLength(120);
    expect(listed.every((j) => j.state === 'queued' || j.state === 'dead')).toBe(true);
    expect(standIn.calls.map((c) => c.request)).toEqual([
      { where: { state: ['queued', 'dead'], type: 'order-export' }, first: 100 },
      { where: { state: ['queued', 'dead'], type: 'order-export' }, first: 20, after: '100' },
    ]);
    standIn.calls.length = 0;
    run = await cli('jobs', 'list', '--org', ORG_A, '--since', '2026-12-05T11:30:00Z', '-n', '5');
    expect(standIn.calls[0]!.request).toEqual({ where: { createdAfter: '2026-12-05T11:30:00.000Z' }, first: 5 });
    expect(run.err).toEqual(['5 job(s) (more: raise --limit)']);
  });

  it('shows, retries and cancels one job, and says what it did (job API stand-in)', async () => {
    let run = await cli('jobs', 'show', 'exp-1', '--org', ORG_A);
    expect(run.out).toEqual(
      expect.arrayContaining(['id:          exp-1', 'state:       succeeded', 'attempts:    1 of 3', 'result:      {"rows":10}']),
    );
    run = await cli('jobs', 'retry', 'exp-2', '--org', ORG_A);
    expect(run).toMatchObject({ code: 0, out: ['job exp-2 (order-export) retried: now queued'] });
    expect(standIn.jobs.get('exp-2')!.state).toBe('queued');
    run = await cli('jobs', 'cancel', 'mail-1', '--org', ORG_A, '--json');
    expect(JSON.parse(run.out[0]!)).toMatchObject({ id: 'mail-1', state: 'cancelled' });
  });

  it('fails with the code: a job of another org or none is not found, a job in the wrong state conflicts (job API stand-in)', async () => {
    let run = await cli('jobs', 'show', 'exp-b', '--org', ORG_A);
    expect(run).toMatchObject({ code: 1, err: [`error FRAISEQL_JOB_NOT_FOUND: no job "exp-b" in org ${ORG_A}`] });
    run = await cli('jobs', 'retry', 'mail-1', '--org', ORG_A);
    expect(run.code).toBe(1);
    expect(run.err[0]).toMatch(/^error FRAISEQL_JOB_STATE_CONFLICT: job mail-1 is queued/);
    run = await cli('jobs', 'cancel', 'exp-1', '--org', ORG_B);
    expect(run.err[0]).toMatch(/^error FRAISEQL_JOB_NOT_FOUND/);
  });

  it('lists dead jobs and purges them only with --yes (job API stand-in)', async () => {
    let run = await cli('jobs', 'dead', '--org', ORG_B);
    expect(run.out.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['exp-b']);
    run = await cli('jobs', 'purge', 'exp-b', '--org', ORG_B);
    expect(run).toMatchObject({ code: 1, err: ['error FRAISEQL_BAD_REQUEST: purge removes dead jobs for good: add --yes'] });
    expect(standIn.jobs.has('exp-b')).toBe(true);
    run = await cli('jobs', 'purge', 'exp-b', '--org', ORG_B, '--yes');
    expect(run).toMatchObject({ code: 0, out: ['1 dead job(s) purged'] });
    expect(standIn.jobs.has('exp-b')).toBe(false);
  });

  it('refuses bad flags before any request, naming the flag', async () => {
    for (const [args, message] of [
      [['--state', 'gone'], /--state expects states among queued, active, retrying, succeeded, dead, cancelled/],
      [['--limit', '0'], /--limit expects 1\.\.10000/],
      [['--since', 'yesterday'], /--since expects an ISO time or a duration/],
      [['--org', 'acme'], /--org expects an org id \(a UUID\) or _/],
    ] as const) {
      const run = await cli('jobs', 'list', ...args);
      expect(run.code).toBe(1);
      expect(run.err[0]).toMatch(/^error FRAISEQL_BAD_REQUEST: /);
      expect(run.err[0]).toMatch(message);
    }
    expect(standIn.calls).toEqual([]);
  });

  it('says FRAISEQL_JOB_RUNNER_UNAVAILABLE when no job-runner answers', async () => {
    await standIn.stop();
    const run = await cli('jobs', 'list', '--org', ORG_A);
    expect(run).toMatchObject({ code: 1, err: ['error FRAISEQL_JOB_RUNNER_UNAVAILABLE: No job-runner is running'] });
  });
});

describe('fraiseql dlq with job-runner letters (real NATS JetStream; job API stand-in)', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  let standIn: Awaited<ReturnType<typeof startJobApiStandIn>>;
  let lines: string[];
  const output = { info: (m: string) => lines.push(m), error: (m: string) => lines.push(`ERR ${m}`) };
  const cli = async (...args: string[]): Promise<{ code: number; text: string }> => {
    lines = [];
    // runCli answers process.exitCode when set: another suite of this jest worker may have left one.
    process.exitCode = undefined;
    const code = await runCli([...args, '--nats-url', server.url], output);
    return { code, text: lines.join('\n') };
  };

  /** A dead job as the job-runner writes it: no event, the job in details. */
  const jobLetter = (jobId: string, org: string): DeadLetter => {
    const at = '2026-12-05T12:00:00.000Z';
    const error = { code: 'FRAISEQL_JOB_TIMEOUT', message: 'attempt 3 ran past 60 s' };
    return {
      version: 1,
      source: 'job-runner',
      subject: `fraiseql.v1.jobs.dead.${org}.order-export`,
      stream: 'FRAISEQL_JOBS',
      stream_seq: 7,
      event: null,
      raw_base64: Buffer.from('{"order":"o-1"}').toString('base64'),
      error,
      attempts: { count: 3, history: [{ attempt: 3, at, error, latency_ms: 60000 }] },
      first_failure_at: at,
      last_failure_at: at,
      dead_lettered_at: at,
      details: { job_id: jobId, job_type: 'order-export', org_id: org },
    };
  };
  const observerLetter = (): DeadLetter => {
    const at = '2026-12-05T12:00:00.000Z';
    const error = { code: 'FRAISEQL_ACTION_REJECTED', message: 'HTTP 410' };
    const event = {
      event_id: '018f3c1e-7b2a-7c00-8a1b-000000000001',
      seq: 1,
      event_type: 'UPDATE',
      entity_type: 'Order',
      entity_id: 'o1',
      org_id: ORG_A,
      user_id: null,
      timestamp: '2026-12-05T09:00:00.000000Z',
      data: { id: 'o1' },
      before: null,
      changed_fields: ['status'],
      schema_version: null,
    };
    return {
      version: 1,
      source: 'observer-worker',
      subject: `fraiseql.v1.events.${ORG_A}.Order.UPDATE`,
      stream: STREAMS.events,
      stream_seq: 1,
      event,
      raw_base64: null,
      error,
      attempts: { count: 1, history: [{ attempt: 1, at, error, latency_ms: 3 }] },
      first_failure_at: at,
      last_failure_at: at,
      dead_lettered_at: at,
      details: { key: 'admin:shipped/0', rule: 'shipped', action_type: 'webhook' },
    };
  };

  beforeEach(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    await provisionJetStream(nc);
    standIn = await startJobApiStandIn(nc, [
      jobView('exp-dead', ORG_A, { state: 'dead', attempts: 3 }),
      jobView('exp-gone-b', ORG_B, { state: 'queued' }),
    ]);
    const js = nc.jetstream();
    await js.publish(dlqSubject('job-runner', ORG_A, 'order-export'), encodeDeadLetter(jobLetter('exp-dead', ORG_A))); // seq 1
    await js.publish(dlqSubject('observer-worker', ORG_A, 'Order'), encodeDeadLetter(observerLetter())); // seq 2
    await js.publish(dlqSubject('job-runner', ORG_B, 'order-export'), encodeDeadLetter(jobLetter('exp-gone-b', ORG_B))); // seq 3
  });
  afterEach(async () => {
    await standIn.stop();
    await nc.close();
    await server.dispose();
  });

  it('lists and shows a job-runner letter by its job: id, type and org (not an event)', async () => {
    let run = await cli('dlq', 'list', '--source', 'job-runner');
    expect(lines[0]).toBe(
      `#3  2026-12-05T12:00:00.000Z  job-runner  org=${ORG_B}  type=order-export  job=exp-gone-b  FRAISEQL_JOB_TIMEOUT  attempts=3  attempt 3 ran past 60 s`,
    );
    expect(lines[1]).toMatch(/^#1 .* job=exp-dead /);
    run = await cli('dlq', 'show', '1');
    expect(run.code).toBe(0);
    expect(JSON.parse(lines[0]!)).toMatchObject({ seq: 1, source: 'job-runner', details: { job_id: 'exp-dead' } });
    expect(lines[1]).toBe(
      `ERR a dead job: exp-dead (type order-export, org ${ORG_A}); \`fraiseql dlq replay 1\` retries it through the job API, \`fraiseql jobs show exp-dead --org ${ORG_A}\` shows it`,
    );
  });

  it("replays a job-runner letter through the job API's retry in the letter's org, an observer letter through FRAISEQL_REPLAY (job API stand-in)", async () => {
    const run = await cli('dlq', 'replay', '1', '2', '3', '--remove');
    expect(run.code).toBe(0);
    expect(lines).toEqual([
      `#2 → fraiseql.v1.replay.observer-worker.${ORG_A}.Order`,
      '#1 → job exp-dead retried through the job API (now queued)',
      expect.stringMatching(/^ERR #3 skipped: job exp-gone-b: FRAISEQL_JOB_STATE_CONFLICT: job exp-gone-b is queued/),
      'ERR 2 replayed (1 job(s) retried), 1 skipped',
    ]);
    expect(standIn.calls.filter((c) => c.op === 'retry')).toEqual([
      { op: 'retry', request: { id: 'exp-dead' }, caller: { subject: OPERATOR, orgId: ORG_A, roles: ['admin'] } },
      { op: 'retry', request: { id: 'exp-gone-b' }, caller: { subject: OPERATOR, orgId: ORG_B, roles: ['admin'] } },
    ]);
    expect(standIn.jobs.get('exp-dead')!.state).toBe('queued');
    // --remove deleted the letters that went back (1 and 2), kept the skipped one (3); nothing of the job went to FRAISEQL_REPLAY.
    const jsm = await nc.jetstreamManager();
    expect((await jsm.streams.info(STREAMS.dlq)).state.messages).toBe(1);
    await expect(jsm.streams.getMessage(STREAMS.dlq, { seq: 3 })).resolves.toBeDefined();
    expect((await jsm.streams.info(STREAMS.replay)).state.messages).toBe(1);
  });

  it('reports a job-runner letter as skipped with FRAISEQL_JOB_RUNNER_UNAVAILABLE when no job-runner answers, keeping it', async () => {
    await standIn.stop();
    const run = await cli('dlq', 'replay', '--source', 'job-runner', '--org', ORG_A, '--remove');
    expect(run.text).toContain('ERR #1 skipped: job exp-dead: FRAISEQL_JOB_RUNNER_UNAVAILABLE: No job-runner is running');
    const jsm = await nc.jetstreamManager();
    expect((await jsm.streams.info(STREAMS.dlq)).state.messages).toBe(3);
  });
});
