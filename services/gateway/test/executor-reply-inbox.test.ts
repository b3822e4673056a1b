import { connect, Empty, headers as natsHeaders, type Msg, type NatsConnection } from 'nats';
import { encodeOperationReply, heartbeatHeaders, HEADERS } from '@fraiseql/nats-contract';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { ExecutorReplyError, ExecutorReplyInbox } from '../src/executor-reply-inbox';

/** Fake executors: plain subscriptions on a real nats-server that reply the way a test needs. */
describe("the gateway's executor reply inbox", () => {
  let server: TestNatsServer;
  let executor: NatsConnection;
  let gateway: NatsConnection;
  let inbox: ExecutorReplyInbox;
  const timers: NodeJS.Timeout[] = [];
  // Six heartbeats per window (production uses three) keeps a loaded CI machine from failing a healthy request.
  const LIVENESS_MS = 600;
  const HEARTBEAT_MS = 100;

  /** Serves `subject` with `behave` (called once per request). */
  const serve = async (subject: string, behave: (msg: Msg) => void): Promise<void> => {
    executor.subscribe(subject, { callback: (_error, msg) => behave(msg) });
    await executor.flush();
  };
  const beat = (msg: Msg): void => {
    msg.respond(Empty, { headers: heartbeatHeaders() });
  };
  /** Heartbeats `count` times (forever when undefined), then calls `then`. */
  const heartbeat = (msg: Msg, count: number | undefined, then: () => void = () => undefined): void => {
    let sent = 0;
    const timer = setInterval(() => {
      if (count !== undefined && sent === count) {
        clearInterval(timer);
        then();
        return;
      }
      beat(msg);
      sent++;
    }, HEARTBEAT_MS);
    timers.push(timer);
  };
  const finalReply = (msg: Msg, body: Uint8Array | string, status = 200): void => {
    const { data, headers } = encodeOperationReply({ body, status, schemaHash: 'hash-1' });
    msg.respond(data, { headers });
  };
  const failureOf = async (promise: Promise<unknown>): Promise<ExecutorReplyError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExecutorReplyError);
    return error as ExecutorReplyError;
  };

  beforeAll(async () => {
    server = await startNatsServer();
    executor = await connect({ servers: server.url });
    gateway = await connect({ servers: server.url });
    inbox = new ExecutorReplyInbox(gateway, { livenessMs: LIVENESS_MS });
  });
  afterEach(() => {
    for (const t of timers.splice(0)) clearInterval(t);
  });
  afterAll(async () => {
    inbox.close();
    await gateway.close();
    await executor.close();
    await server.dispose();
  });

  it('returns the final reply bytes and headers untouched after heartbeats kept a slow request alive', async () => {
    // Not JSON on purpose: the inbox must never parse a reply.
    const body = new Uint8Array([0xff, 0x00, 0x7b, 0x22, 0xfe]);
    // Fifteen heartbeats 100 ms apart span more than two liveness windows: without them the request would fail.
    await serve('test.slow-healthy', (msg) => heartbeat(msg, 15, () => finalReply(msg, body, 207)));
    const reply = await inbox.request('test.slow-healthy', '{}', natsHeaders(), 60_000);
    expect(Array.from(reply.data)).toEqual(Array.from(body));
    expect(reply.headers?.get(HEADERS.status)).toBe('207');
    expect(reply.headers?.get(HEADERS.schemaHash)).toBe('hash-1');
    expect(inbox.size).toBe(0);
  });

  it('serves a fast reply from an executor that never heartbeats (an executor older than the protocol)', async () => {
    await serve('test.fast-old', (msg) => finalReply(msg, '{"data":{"ok":true}}'));
    const reply = await inbox.request('test.fast-old', '{}', natsHeaders(), 60_000);
    expect(reply.string()).toBe('{"data":{"ok":true}}');
  });

  it('fails with executor-lost, not timeout, when heartbeats stop before the final reply', async () => {
    await serve('test.dies-midway', (msg) => heartbeat(msg, 3));
    const error = await failureOf(inbox.request('test.dies-midway', '{}', natsHeaders(), 60_000));
    expect(error.reason).toBe('executor-lost');
    expect(inbox.size).toBe(0);
  });

  it('fails with executor-lost when nothing at all comes back', async () => {
    await serve('test.silent', () => undefined);
    expect((await failureOf(inbox.request('test.silent', '{}', natsHeaders(), 60_000))).reason).toBe('executor-lost');
  });

  it('fails with no-responders when no executor subscribes', async () => {
    expect((await failureOf(inbox.request('test.nobody', '{}', natsHeaders(), 60_000))).reason).toBe('no-responders');
  });

  it('still applies the request timeout to a request that heartbeats forever', async () => {
    await serve('test.forever', (msg) => heartbeat(msg, undefined));
    expect((await failureOf(inbox.request('test.forever', '{}', natsHeaders(), 1500))).reason).toBe('timeout');
  });

  it('with liveness off, fails a silent request only when it times out', async () => {
    const patient = new ExecutorReplyInbox(gateway, { livenessMs: 0 });
    try {
      await serve('test.silent-no-liveness', () => undefined);
      expect((await failureOf(patient.request('test.silent-no-liveness', '{}', natsHeaders(), 500))).reason).toBe('timeout');
    } finally {
      patient.close();
    }
  });

  it('gives every concurrent request its own reply, whatever the order replies arrive in', async () => {
    const held: Msg[] = [];
    await serve('test.many', (msg) => {
      held.push(msg);
      if (held.length === 3) for (const m of [...held].reverse()) finalReply(m, `reply to ${new TextDecoder().decode(m.data)}`);
    });
    const replies = await Promise.all(['a', 'b', 'c'].map((name) => inbox.request('test.many', name, natsHeaders(), 60_000)));
    expect(replies.map((r) => r.string())).toEqual(['reply to a', 'reply to b', 'reply to c']);
  });

  it('fails the requests still waiting with bus-unavailable when closed, and refuses new ones', async () => {
    const closing = new ExecutorReplyInbox(gateway, { livenessMs: 0 });
    await serve('test.held', () => undefined);
    const waiting = closing.request('test.held', '{}', natsHeaders(), 60_000);
    await gateway.flush();
    closing.close();
    expect((await failureOf(waiting)).reason).toBe('bus-unavailable');
    expect((await failureOf(closing.request('test.held', '{}', natsHeaders(), 60_000))).reason).toBe('bus-unavailable');
  });

  it('fails the requests still waiting with bus-unavailable when the connection closes', async () => {
    const own = await connect({ servers: server.url });
    const ownInbox = new ExecutorReplyInbox(own, { livenessMs: 0 });
    await serve('test.held-2', () => undefined);
    const waiting = ownInbox.request('test.held-2', '{}', natsHeaders(), 60_000);
    await own.flush();
    await own.close();
    expect((await failureOf(waiting)).reason).toBe('bus-unavailable');
  });
});
