import { connect, type NatsConnection } from 'nats';
import type { EntityEvent } from '@fraiseql/events';
import { dlqSubject, encodeDeadLetter, HEADERS, provisionJetStream, STREAMS, type DeadLetter } from '@fraiseql/nats-contract';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { createProgram, getDeadLetter, listDeadLetters, purgeDeadLetters, replayDeadLetters } from '../src';

const ORG_A = 'a0000000-0000-4000-8000-00000000000a';
const ORG_B = 'b0000000-0000-4000-8000-00000000000b';

function event(n: number, org: string): EntityEvent {
  return {
    event_id: `018f3c1e-7b2a-7c00-8a1b-${String(n).padStart(12, '0')}`,
    seq: n,
    event_type: 'UPDATE',
    entity_type: 'Order',
    entity_id: `o${n}`,
    org_id: org,
    user_id: null,
    timestamp: '2026-12-05T09:00:00.000000Z',
    data: { id: `o${n}`, status: 'SHIPPED' },
    before: null,
    changed_fields: ['status'],
    schema_version: null,
  };
}

function letter(ev: EntityEvent | null, rule: string, at: string): DeadLetter {
  const failure = { code: 'FRAISEQL_ACTION_REJECTED', message: 'HTTP 410 from 127.0.0.1:9' };
  return {
    version: 1,
    source: 'observer-worker',
    subject: `fraiseql.v1.events.${ev?.org_id ?? '_'}.Order.UPDATE`,
    stream: STREAMS.events,
    stream_seq: ev?.seq ?? 99,
    event: ev ? { ...ev } : null,
    raw_base64: ev ? null : Buffer.from('not json').toString('base64'),
    error: failure,
    attempts: { count: 1, history: [{ attempt: 1, at, error: failure, latency_ms: 3 }] },
    first_failure_at: at,
    last_failure_at: at,
    dead_lettered_at: at,
    ...(ev
      ? {
          details: {
            key: `admin:${rule}/0`,
            rule,
            action_type: 'webhook',
            request: { url: 'http://127.0.0.1:9/x', headers: { Authorization: '[REDACTED]' } },
          },
        }
      : {}),
  };
}

describe('fraiseql dlq (real NATS JetStream)', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  const lines: string[] = [];
  const output = { info: (m: string) => lines.push(m), error: (m: string) => lines.push(`ERR ${m}`) };
  const cli = async (...args: string[]): Promise<void> => {
    await createProgram(output)
      .exitOverride()
      .parseAsync(['node', 'fraiseql', ...args, '--nats-url', server.url]);
  };

  beforeEach(async () => {
    lines.length = 0;
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    await provisionJetStream(nc);
    const js = nc.jetstream();
    const put = (l: DeadLetter, org: string | null) => js.publish(dlqSubject(l.source, org, 'Order'), encodeDeadLetter(l));
    await put(letter(event(1, ORG_A), 'shipped', '2026-12-01T10:00:00.000Z'), ORG_A); // seq 1
    await put(letter(event(2, ORG_B), 'shipped', '2026-12-03T10:00:00.000Z'), ORG_B); // seq 2
    await put(letter(event(3, ORG_A), 'paid', '2026-12-04T10:00:00.000Z'), ORG_A); // seq 3
    await put(letter(null, 'n/a', '2026-12-04T11:00:00.000Z'), null); // seq 4: a raw payload
  });
  afterEach(async () => {
    await nc.close();
    await server.dispose();
  });

  it('lists newest first, filtered by org, rule and time', async () => {
    expect((await listDeadLetters(nc, {})).map((s) => s.seq)).toEqual([4, 3, 2, 1]);
    expect((await listDeadLetters(nc, { org: ORG_A })).map((s) => s.seq)).toEqual([3, 1]);
    expect((await listDeadLetters(nc, { rule: 'shipped' })).map((s) => s.seq)).toEqual([2, 1]);
    expect((await listDeadLetters(nc, { org: ORG_A, until: '2026-12-02T00:00:00Z' })).map((s) => s.seq)).toEqual([1]);
    expect((await listDeadLetters(nc, { source: 'sink-clickhouse' })).map((s) => s.seq)).toEqual([]);
    expect((await listDeadLetters(nc, { limit: 2 })).map((s) => s.seq)).toEqual([4, 3]);
    await expect(listDeadLetters(nc, { since: 'yesterday-ish' })).rejects.toThrow(/--since expects an ISO time/);

    await cli('dlq', 'list', '--org', ORG_B);
    expect(lines[0]).toMatch(
      new RegExp(
        `^#2 {2}2026-12-03T10:00:00.000Z {2}observer-worker {2}org=${ORG_B} {2}Order {2}admin:shipped/0 {2}FRAISEQL_ACTION_REJECTED`,
      ),
    );
    expect(lines.at(-1)).toBe('ERR 1 dead letter(s)');
  });

  it('shows one letter whole, and names a missing one', async () => {
    expect((await getDeadLetter(nc, 3)).letter.details).toMatchObject({
      rule: 'paid',
      request: { headers: { Authorization: '[REDACTED]' } },
    });
    await cli('dlq', 'show', '1');
    expect(JSON.parse(lines.join('\n'))).toMatchObject({ seq: 1, event: { event_id: event(1, ORG_A).event_id }, attempts: { count: 1 } });
    await expect(getDeadLetter(nc, 42)).rejects.toThrow('no dead letter #42');
  });

  it('replays through FRAISEQL_REPLAY with the letter and its part named, once, and skips a raw payload', async () => {
    const first = await replayDeadLetters(nc, [1, 4]);
    expect(first.replayed).toEqual([{ seq: 1, subject: `fraiseql.v1.replay.observer-worker.${ORG_A}.Order`, duplicate: false }]);
    expect(first.skipped).toEqual([{ seq: 4, reason: expect.stringContaining('not a valid event') }]);
    const again = await replayDeadLetters(nc, [1]);
    expect(again.replayed[0]!.duplicate).toBe(true);

    const jsm = await nc.jetstreamManager();
    expect((await jsm.streams.info(STREAMS.replay)).state.messages).toBe(1);
    const replayed = await jsm.streams.getMessage(STREAMS.replay, { seq: 1 });
    expect(replayed.header.get(HEADERS.replayOf)).toBe('1');
    expect(replayed.header.get(HEADERS.replayKey)).toBe('admin:shipped/0');
    expect(JSON.parse(new TextDecoder().decode(replayed.data))).toMatchObject({ event_id: event(1, ORG_A).event_id });
    // The letter stays unless --remove.
    expect((await jsm.streams.info(STREAMS.dlq)).state.messages).toBe(4);

    await cli('dlq', 'replay', '--rule', 'paid', '--remove');
    expect(lines).toContain(`#3 → fraiseql.v1.replay.observer-worker.${ORG_A}.Order`);
    expect((await listDeadLetters(nc, {})).map((s) => s.seq)).toEqual([4, 2, 1]);
  });

  it('purges by sequence and by filter, and refuses without --yes or a target', async () => {
    expect(await purgeDeadLetters(nc, [4])).toBe(1);
    await expect(cli('dlq', 'purge', '--org', ORG_A)).rejects.toThrow(/add --yes/);
    await expect(cli('dlq', 'purge', '--yes')).rejects.toThrow(/say --all/);
    await cli('dlq', 'purge', '--org', ORG_A, '--yes');
    expect(lines).toContain('2 dead letter(s) removed');
    expect((await listDeadLetters(nc, {})).map((s) => s.seq)).toEqual([2]);
    await cli('dlq', 'purge', '--all', '--yes');
    expect(await listDeadLetters(nc, {})).toEqual([]);
  });
});
