import { connect, type NatsConnection } from 'nats';
import { dlqSubject, encodeDeadLetter, provisionJetStream, STREAMS, type DeadLetter } from '@fraiseql/nats-contract';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import {
  deadLetterJob,
  getDeadLetter,
  getDeadLetters,
  JOB_RUNNER_SOURCE,
  listDeadLetters,
  parseDeadLetterSubject,
  purgeDeadLetters,
  replayDeadLetters,
} from '../src';

const ORG_A = 'a0000000-0000-4000-8000-00000000000a';
const ORG_B = 'b0000000-0000-4000-8000-00000000000b';

function letter(n: number, org: string | null, at: string): DeadLetter {
  const failure = { code: 'FRAISEQL_ACTION_REJECTED', message: 'HTTP 410' };
  return {
    version: 1,
    source: 'observer-worker',
    subject: `fraiseql.v1.events.${org ?? '_'}.Order.UPDATE`,
    stream: STREAMS.events,
    stream_seq: n,
    event: {
      event_id: `018f3c1e-7b2a-7c00-8a1b-${String(n).padStart(12, '0')}`,
      seq: n,
      event_type: 'UPDATE',
      entity_type: 'Order',
      entity_id: `o${n}`,
      org_id: org,
      user_id: null,
      timestamp: '2026-12-05T09:00:00.000000Z',
      data: { id: `o${n}` },
      before: null,
      changed_fields: ['status'],
      schema_version: null,
    },
    raw_base64: null,
    error: failure,
    attempts: { count: 1, history: [{ attempt: 1, at, error: failure, latency_ms: 3 }] },
    first_failure_at: at,
    last_failure_at: at,
    dead_lettered_at: at,
    details: { key: 'admin:shipped/0', rule: 'shipped' },
  };
}

describe('dead letters scoped to one org (real NATS JetStream)', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    await provisionJetStream(nc);
    const js = nc.jetstream();
    const put = (n: number, org: string | null, at: string) =>
      js.publish(dlqSubject('observer-worker', org, 'Order'), encodeDeadLetter(letter(n, org, at)));
    await put(1, ORG_A, '2026-12-01T10:00:00.000Z'); // seq 1
    await put(2, ORG_B, '2026-12-02T10:00:00.000Z'); // seq 2
    await put(3, null, '2026-12-03T10:00:00.000Z'); // seq 3
  });
  afterAll(async () => {
    await nc.close();
    await server.dispose();
  });

  it('reads source, org and entity from the subject', () => {
    expect(parseDeadLetterSubject(dlqSubject('observer-worker', ORG_A, 'Order'))).toEqual({
      source: 'observer-worker',
      orgId: ORG_A,
      entityType: 'Order',
    });
    expect(parseDeadLetterSubject(dlqSubject('sink.x', null, 'Order')).orgId).toBeNull();
    expect(parseDeadLetterSubject(dlqSubject('sink.x', null, 'Order')).source).toBe('sink.x');
    expect(() => parseDeadLetterSubject('fraiseql.v1.events.x.Order.UPDATE')).toThrow(/Not a dead-letter subject/);
  });

  it('lists only the org asked for, with typed times checked', async () => {
    expect((await listDeadLetters(nc, { org: ORG_A })).map((s) => s.seq)).toEqual([1]);
    expect((await listDeadLetters(nc, { org: null })).map((s) => s.seq)).toEqual([3]);
    await expect(listDeadLetters(nc, { since: new Date('2026-12-03'), until: new Date('2026-12-01') })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    await expect(listDeadLetters(nc, { since: new Date('not a time') })).rejects.toThrow('since is not a valid time');
    await expect(listDeadLetters(nc, { limit: 0 })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it("treats another org's letter as missing: not read, not replayed, not purged", async () => {
    await expect(getDeadLetter(nc, 2, { org: ORG_A })).rejects.toMatchObject({
      code: 'FRAISEQL_DEAD_LETTER_NOT_FOUND',
      message: 'no dead letter #2 in FRAISEQL_DLQ',
    });
    expect((await getDeadLetter(nc, 2, { org: ORG_B })).letter.stream_seq).toBe(2);
    await expect(getDeadLetters(nc, [1, 2, 3, 99], { org: ORG_A })).rejects.toMatchObject({
      code: 'FRAISEQL_DEAD_LETTER_NOT_FOUND',
      details: { seqs: [2, 3, 99] },
    });
    await expect(getDeadLetter(nc, -1)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });

    const replay = await replayDeadLetters(nc, [1, 2], { org: ORG_A });
    expect(replay.replayed.map((r) => r.seq)).toEqual([1]);
    expect(replay.skipped).toEqual([{ seq: 2, reason: 'no dead letter #2 in FRAISEQL_DLQ' }]);
    const jsm = await nc.jetstreamManager();
    expect((await jsm.streams.info(STREAMS.replay)).state.messages).toBe(1);

    expect(await purgeDeadLetters(nc, [2, 3], { org: ORG_A })).toBe(0);
    expect(await purgeDeadLetters(nc, [1, 2], { org: ORG_A })).toBe(1);
    expect((await listDeadLetters(nc, {})).map((s) => s.seq)).toEqual([3, 2]);
  });
});

describe('job-runner dead letters (real NATS JetStream)', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    await provisionJetStream(nc);
  });
  afterAll(async () => {
    await nc.close();
    await server.dispose();
  });

  it('reads the job of a job-runner letter, and never republishes one as an event (its job is redriven through the job API)', async () => {
    const job: DeadLetter = {
      ...letter(9, ORG_A, '2026-12-04T10:00:00.000Z'),
      source: 'job-runner',
      event: null,
      raw_base64: Buffer.from('{}').toString('base64'),
      details: { job_id: 'exp-9', job_type: 'order-export', org_id: ORG_A },
    };
    expect(deadLetterJob(job)).toEqual({ jobId: 'exp-9', jobType: 'order-export', orgId: ORG_A });
    expect(deadLetterJob(letter(1, ORG_A, '2026-12-04T10:00:00.000Z'))).toBeUndefined();
    const ack = await nc.jetstream().publish(dlqSubject(JOB_RUNNER_SOURCE, ORG_A, 'order-export'), encodeDeadLetter(job));
    const result = await replayDeadLetters(nc, [ack.seq]);
    expect(result).toEqual({
      replayed: [],
      skipped: [{ seq: ack.seq, reason: expect.stringContaining('fraiseql jobs retry exp-9') }],
    });
    const jsm = await nc.jetstreamManager();
    expect((await jsm.streams.info(STREAMS.replay)).state.messages).toBe(0);
  });
});
