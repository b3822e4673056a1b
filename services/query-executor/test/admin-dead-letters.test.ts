import { connect, type NatsConnection } from 'nats';
import type { Caller } from '@fraiseql/identity';
import { dlqSubject, encodeDeadLetter, HEADERS, STREAMS, SUBJECTS, type DeadLetter } from '@fraiseql/nats-contract';
import { migrateShop } from '@fraiseql/shop';
import { createTestDatabase, startNatsServer, type TestDatabase, type TestNatsServer } from '@fraiseql/testkit';
import { createQueryExecutor, type QueryExecutor } from '../src/create-query-executor';
import { sendOperation, shopExecutorOptions, type OperationReplyForTest } from './fixtures/shop-executor';

// The admin dead-letter fields (docs/adr/0105-admin-dead-letters-native-fields.md): native root fields the
// query-executor resolves from FRAISEQL_DLQ itself, through the executor as main.ts wires it, with raw
// fraiseql.v1.* requests over a private nats-server (JetStream) and the demo shop (admin.deadLetters) on a
// throwaway database. Assertions on replies and on the messages of FRAISEQL_DLQ and FRAISEQL_REPLAY.

const ORG_A = '0a000000-0000-4000-8000-0000000000a1';
const ORG_B = '0b000000-0000-4000-8000-0000000000b2';
const ADMIN_A: Caller = { subject: 'ada', orgId: ORG_A, roles: ['admin'] };
const DLQ_ADMIN_A: Caller = { subject: 'dan', orgId: ORG_A.toUpperCase(), roles: ['reader', 'dlq:admin'] };
const OBSERVERS_ADMIN_A: Caller = { subject: 'rita', orgId: ORG_A, roles: ['observers:admin'] };
const ADMIN_B: Caller = { subject: 'bea', orgId: ORG_B, roles: ['admin'] };
const ORGLESS_ADMIN: Caller = { subject: 'olga', orgId: null, roles: ['admin'] };

/** A dead letter of observer-worker as the consumer kit writes it: an Order event whose webhook gave up. */
function letter(n: number, org: string | null, rule: string, at: string, valid = true): DeadLetter {
  const failure = { code: 'FRAISEQL_ACTION_REJECTED', message: `HTTP 410 from the receiver of ${rule}` };
  const event = {
    event_id: `018f3c1e-7b2a-7c00-8a1b-${String(n).padStart(12, '0')}`,
    seq: n,
    event_type: 'UPDATE',
    entity_type: 'Order',
    entity_id: `order-${n}`,
    org_id: org,
    user_id: null,
    timestamp: at.replace('Z', '000Z'),
    data: { id: `order-${n}`, status: 'SHIPPED' },
    before: null,
    changed_fields: ['status'],
    schema_version: null,
  };
  return {
    version: 1,
    source: 'observer-worker',
    subject: `fraiseql.v1.events.${org ?? '_'}.Order.UPDATE`,
    stream: STREAMS.events,
    stream_seq: n,
    event: valid ? event : null,
    raw_base64: valid ? null : Buffer.from('not json').toString('base64'),
    error: failure,
    attempts: { count: 2, history: [1, 2].map((attempt) => ({ attempt, at, error: failure, latency_ms: 4 })) },
    first_failure_at: at,
    last_failure_at: at,
    dead_lettered_at: at,
    details: { key: `admin:${rule}/0`, rule, action_type: 'webhook', request: { headers: { Authorization: '[REDACTED]' } } },
  };
}

type Reply = OperationReplyForTest;

const LIST = 'query($filter: DeadLetterFilter, $limit: Int) { deadLetters(filter: $filter, limit: $limit) { seq } }';
const REPLAY =
  'mutation($input: ReplayDeadLettersInput!) { replayDeadLetters(input: $input) { replayed { seq subject duplicate } skipped { seq reason } } }';
const PURGE = 'mutation($input: PurgeDeadLettersInput!) { purgeDeadLetters(input: $input) { purged } }';

describe('admin GraphQL for the dead-letter queue, through the query-executor', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let executor: QueryExecutor;
  let nc: NatsConnection;

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('wt_dlqgql_executor')]);
    await migrateShop({ connectionString: db.url });
    // The relay provisions the streams (FRAISEQL_DLQ, FRAISEQL_REPLAY) as in production.
    executor = await createQueryExecutor(shopExecutorOptions(nats, db, { jetStream: {} }));
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await executor?.close();
    await nats?.dispose();
    await db?.drop();
  });

  /** A fresh queue: seq 1 (A, shipped, Dec 1), 2 (B), 3 (A, paid, Dec 3), 4 (A, a raw payload, Dec 4), 5 (no org). */
  beforeEach(async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.purge(STREAMS.dlq);
    await jsm.streams.purge(STREAMS.replay);
    const js = nc.jetstream();
    const put = (l: DeadLetter, org: string | null) => js.publish(dlqSubject(l.source, org, 'Order'), encodeDeadLetter(l));
    await put(letter(1, ORG_A, 'shipped', '2026-12-01T10:00:00.000Z'), ORG_A);
    await put(letter(2, ORG_B, 'shipped', '2026-12-02T10:00:00.000Z'), ORG_B);
    await put(letter(3, ORG_A, 'paid', '2026-12-03T10:00:00.000Z'), ORG_A);
    await put(letter(4, ORG_A, 'paid', '2026-12-04T10:00:00.000Z', false), ORG_A);
    await put(letter(5, null, 'shipped', '2026-12-05T10:00:00.000Z'), null);
  });

  /** The sequences of the current queue (after the purge in beforeEach, they go on from the last one). */
  async function seqs(): Promise<number[]> {
    const info = await (await nc.jetstreamManager()).streams.info(STREAMS.dlq);
    return Array.from({ length: 5 }, (_, i) => info.state.last_seq - 4 + i);
  }

  const send = (subject: string, q: string, variables: Record<string, unknown>, as: Caller) => sendOperation(nc, subject, q, variables, as);
  const query = (q: string, variables: Record<string, unknown>, as: Caller = ADMIN_A) => send(SUBJECTS.query, q, variables, as);
  const mutate = (q: string, input: unknown, as: Caller = ADMIN_A) => send(SUBJECTS.mutation, q, { input }, as);
  const listed = async (variables: Record<string, unknown> = {}, as: Caller = ADMIN_A): Promise<number[]> => {
    const reply = await query(LIST, variables, as);
    expect(reply.body.errors).toBeUndefined();
    return (reply.body.data!.deadLetters as Array<{ seq: number }>).map((l) => l.seq);
  };
  const streamMessages = async (stream: string) => (await (await nc.jetstreamManager()).streams.info(stream)).state.messages;

  it("lists the caller's org's letters newest first, filtered by rule, source, entity and time, next to a SQL field", async () => {
    const [s1, , s3, s4] = await seqs();
    expect(await listed()).toEqual([s4, s3, s1]);
    expect(await listed({}, DLQ_ADMIN_A)).toEqual([s4, s3, s1]);
    expect(await listed({ filter: { rule: 'shipped' } })).toEqual([s1]);
    expect(await listed({ filter: { until: '2026-12-02T00:00:00Z' } })).toEqual([s1]);
    expect(await listed({ filter: { since: '2026-12-02T00:00:00Z', until: '2026-12-03T12:00:00+00:00' } })).toEqual([s3]);
    expect(await listed({ filter: { source: 'sink-clickhouse' } })).toEqual([]);
    expect(await listed({ filter: { source: 'observer-worker', entityType: 'Order' }, limit: 2 })).toEqual([s4, s3]);
    expect(await listed({}, ADMIN_B)).toEqual([s1! + 1]);

    // Shaped to the selection (aliases, fragments, __typename) and answered with a planned field in one reply.
    const reply = await query(
      `query($seq: Int!) { users(limit: 1) { id } one: deadLetter(seq: $seq) { __typename seq ...L details } }
       fragment L on DeadLetter { orgId entityType eventId rule part actionType errorCode attempts deadLetteredAt replayable history }`,
      { seq: s1 },
    );
    expect(reply.body.errors).toBeUndefined();
    expect(reply.body.data).toEqual({
      users: [],
      one: {
        __typename: 'DeadLetter',
        seq: s1,
        orgId: ORG_A,
        entityType: 'Order',
        eventId: '018f3c1e-7b2a-7c00-8a1b-000000000001',
        rule: 'shipped',
        part: 'admin:shipped/0',
        actionType: 'webhook',
        errorCode: 'FRAISEQL_ACTION_REJECTED',
        attempts: 2,
        deadLetteredAt: '2026-12-01T10:00:00.000Z',
        replayable: true,
        history: [expect.objectContaining({ attempt: 1 }), expect.objectContaining({ attempt: 2 })],
        details: expect.objectContaining({ request: { headers: { Authorization: '[REDACTED]' } } }),
      },
    });
  });

  it("never shows, replays or purges another org's letter (or one without an org): it is not found", async () => {
    const [s1, s2, , , s5] = await seqs();
    for (const seq of [s2, s5]) {
      const reply = await query('query($seq: Int!) { deadLetter(seq: $seq) { seq errorMessage } }', { seq });
      expect(reply.body).toEqual({ data: { deadLetter: null } });
    }
    const replay = await mutate(REPLAY, { seqs: [s1, s2] });
    expect(replay.status).toBe(404);
    expect(replay.body.data).toEqual({ replayDeadLetters: null });
    expect(replay.body.errors).toEqual([
      {
        message: `no dead letter #${s2} in FRAISEQL_DLQ`,
        path: ['replayDeadLetters'],
        extensions: { code: 'FRAISEQL_DEAD_LETTER_NOT_FOUND', seqs: [s2] },
      },
    ]);
    // All or nothing: not even the caller's own letter was replayed.
    expect(await streamMessages(STREAMS.replay)).toBe(0);

    const purge = await mutate(PURGE, { seqs: [s5, s1, 999_999] });
    expect(purge.body.errors?.[0]?.extensions).toEqual({ code: 'FRAISEQL_DEAD_LETTER_NOT_FOUND', seqs: [s5, 999_999] });
    expect(await streamMessages(STREAMS.dlq)).toBe(5);
    // A letter that is not there is answered exactly like another org's.
    expect((await mutate(PURGE, { seqs: [999_999] })).body.errors?.[0]?.message).toBe('no dead letter #999999 in FRAISEQL_DLQ');
  });

  it('refuses callers without the role admin or dlq:admin, and callers without an org', async () => {
    const [s1] = await seqs();
    for (const [as, code] of [
      [OBSERVERS_ADMIN_A, 'FRAISEQL_FORBIDDEN'],
      [ORGLESS_ADMIN, 'FRAISEQL_FORBIDDEN'],
      [{ subject: null, orgId: null, roles: [] }, 'FRAISEQL_UNAUTHENTICATED'],
    ] as Array<[Caller, string]>) {
      const read = await query(LIST, {}, as);
      expect(read.body.data).toEqual({ deadLetters: null });
      expect(read.body.errors?.[0]).toMatchObject({ path: ['deadLetters'], extensions: { code } });
      const write = await mutate(PURGE, { seqs: [s1] }, as);
      expect(write.body.errors?.[0]).toMatchObject({ path: ['purgeDeadLetters'], extensions: { code } });
    }
    expect((await query(LIST, {}, OBSERVERS_ADMIN_A)).body.errors?.[0]?.message).toBe(
      'Reading deadLetters needs the role admin or dlq:admin.',
    );
    expect(await streamMessages(STREAMS.dlq)).toBe(5);
  });

  it('replays through FRAISEQL_REPLAY with the replay headers (as the CLI does), once, skips a raw payload, and removes on request', async () => {
    const [s1, , s3, s4] = await seqs();
    const first = await mutate(REPLAY, { seqs: [s1, s4] });
    expect(first.body).toEqual({
      data: {
        replayDeadLetters: {
          replayed: [{ seq: s1, subject: `fraiseql.v1.replay.observer-worker.${ORG_A}.Order`, duplicate: false }],
          skipped: [{ seq: s4, reason: 'the original payload was not a valid event (raw_base64): nothing to replay' }],
        },
      },
    });
    const jsm = await nc.jetstreamManager();
    const replayed = await jsm.streams.getMessage(STREAMS.replay, { last_by_subj: `fraiseql.v1.replay.observer-worker.${ORG_A}.Order` });
    expect(replayed.header.get(HEADERS.replayOf)).toBe(String(s1));
    expect(replayed.header.get(HEADERS.replayKey)).toBe('admin:shipped/0');
    expect(replayed.header.get('Nats-Msg-Id')).toBe(`replay:${s1}`);
    expect(JSON.parse(new TextDecoder().decode(replayed.data))).toMatchObject({ event_id: '018f3c1e-7b2a-7c00-8a1b-000000000001' });

    // The same letter again within the dedup window: JetStream drops it, the answer says so.
    const again = await mutate(REPLAY, { seqs: [s1] });
    expect(again.body.data!.replayDeadLetters.replayed).toEqual([expect.objectContaining({ seq: s1, duplicate: true })]);
    expect(await streamMessages(STREAMS.replay)).toBe(1);
    expect(await streamMessages(STREAMS.dlq)).toBe(5);

    const removing = await mutate(REPLAY, { seqs: [s3, s3], remove: true }, DLQ_ADMIN_A);
    expect(removing.body.data!.replayDeadLetters.replayed).toEqual([expect.objectContaining({ seq: s3, duplicate: false })]);
    expect(await listed()).toEqual([s4, s1]);
  });

  it('purges the named letters of the org, in order with the other mutation fields', async () => {
    const [s1, s2, s3] = await seqs();
    const reply = await send(
      SUBJECTS.mutation,
      `mutation($a: PurgeDeadLettersInput!, $b: PurgeDeadLettersInput!) { first: purgeDeadLetters(input: $a) { purged } second: purgeDeadLetters(input: $b) { purged } }`,
      { a: { seqs: [s1, s3] }, b: { seqs: [s1] } },
      ADMIN_A,
    );
    // The second field runs after the first: the letter is gone, so it is not found.
    expect(reply.body.data).toEqual({ first: { purged: 2 }, second: null });
    expect(reply.body.errors?.[0]).toMatchObject({ path: ['second'], extensions: { code: 'FRAISEQL_DEAD_LETTER_NOT_FOUND' } });
    expect(reply.status).toBe(200);
    expect(await listed()).toEqual([s1! + 3]);
    expect(await listed({}, ADMIN_B)).toEqual([s2]);
  });

  it('refuses bad input with a clear error and does nothing', async () => {
    const [s1] = await seqs();
    const bad = async (reply: Promise<Reply>, code: string, message: RegExp) => {
      const { body } = await reply;
      expect(body.errors?.[0]?.extensions.code).toBe(code);
      expect(body.errors?.[0]?.message).toMatch(message);
    };
    await bad(
      mutate(PURGE, { seqs: [s1, -3] }),
      'BAD_USER_INPUT',
      /input\.seqs\[1\]: a dead letter is named by its sequence, a positive integer; got -3/,
    );
    await bad(mutate(REPLAY, { seqs: [] }), 'BAD_USER_INPUT', /input\.seqs must name 1 to 1000 dead letters/);
    await bad(mutate(REPLAY, { seqs: [1.5] }), 'BAD_USER_INPUT', /Int cannot represent non-integer value: 1\.5/);
    await bad(query('{ deadLetter(seq: 0) { seq } }', {}), 'BAD_USER_INPUT', /got 0/);
    await bad(query(LIST, { filter: { since: 'yesterday' } }), 'BAD_USER_INPUT', /since/);
    await bad(
      query(LIST, { filter: { since: '2026-12-03T00:00:00Z', until: '2026-12-01T00:00:00Z' } }),
      'BAD_USER_INPUT',
      /since is after until/,
    );
    await bad(query(LIST, { limit: 0 }), 'BAD_USER_INPUT', /limit must be between 1 and 1000, got 0/);
    await bad(query(LIST, { filter: { rule: '' } }), 'BAD_USER_INPUT', /filter\.rule must be 1 to 256 characters/);
    expect(await streamMessages(STREAMS.dlq)).toBe(5);
    expect(await streamMessages(STREAMS.replay)).toBe(0);
  });
});
