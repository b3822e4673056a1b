import { connect, createInbox, Empty, headers, type Msg, type NatsConnection } from 'nats';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import {
  encodeOperationReply,
  HEADERS,
  heartbeatHeaders,
  isHeartbeat,
  MAX_HEARTBEAT_INTERVAL_MS,
  MIN_HEARTBEAT_INTERVAL_MS,
  readHeartbeatRequest,
  writeHeartbeatRequest,
} from '../src';

describe('heartbeat request header', () => {
  it('asks for heartbeats under Fraiseql-Heartbeat-Ms and reads the interval back', () => {
    const h = headers();
    writeHeartbeatRequest(h, 1000);
    expect(h.get('Fraiseql-Heartbeat-Ms')).toBe('1000');
    expect(readHeartbeatRequest(h)).toBe(1000);
  });

  it('clamps an interval that would flood the bus or overflow a timer', () => {
    const h = headers();
    h.set(HEADERS.heartbeatMs, '1');
    expect(readHeartbeatRequest(h)).toBe(MIN_HEARTBEAT_INTERVAL_MS);
    h.set(HEADERS.heartbeatMs, '99999999999');
    expect(readHeartbeatRequest(h)).toBe(MAX_HEARTBEAT_INTERVAL_MS);
  });

  it.each([
    ['no headers at all', undefined],
    ['zero', '0'],
    ['a negative number', '-5'],
    ['a fraction', '2.5'],
    ['text', 'often'],
    ['an absurdly long number', '9'.repeat(40)],
  ])('reads %s as "no heartbeats wanted"', (_name, value) => {
    const h = value === undefined ? undefined : headers();
    if (h && value !== undefined) h.set(HEADERS.heartbeatMs, value);
    expect(readHeartbeatRequest(h)).toBeUndefined();
  });
});

describe('heartbeat messages over a real nats-server', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await nc.close();
    await server.dispose();
  });

  /** Publishes each message to a fresh inbox and returns what a subscriber received. */
  async function roundTrip(messages: Array<{ data: Uint8Array | string; headers?: ReturnType<typeof headers> }>): Promise<Msg[]> {
    const inbox = createInbox();
    const sub = nc.subscribe(inbox, { max: messages.length });
    for (const m of messages) nc.publish(inbox, m.data, m.headers ? { headers: m.headers } : {});
    const received: Msg[] = [];
    for await (const msg of sub) received.push(msg);
    return received;
  }

  it('tells a heartbeat from final replies, whatever their status', async () => {
    const ok = encodeOperationReply({ body: '', status: 200, schemaHash: 'h' }).headers;
    const failed = encodeOperationReply({ body: '', status: 503 }).headers;
    const received = await roundTrip([
      { data: Empty, headers: heartbeatHeaders() },
      { data: '{"data":{"notes":[]}}', headers: ok },
      { data: '{"errors":[]}', headers: failed },
      // A final reply from an executor that wrote no headers at all.
      { data: '{"data":null}' },
    ]);
    expect(received.map((m) => isHeartbeat(m))).toEqual([true, false, false, false]);
    expect(received[0]!.data).toHaveLength(0);
    expect(received[0]!.headers?.get(HEADERS.status)).toBe('102');
  });

  it('does not take the server\'s "no responders" status message for a heartbeat', async () => {
    const replies: Msg[] = [];
    const inbox = createInbox();
    const sub = nc.subscribe(inbox, { max: 1, callback: (_error, msg) => replies.push(msg) });
    nc.publish('fraiseql.test.nobody-listens', Empty, { reply: inbox });
    await sub.closed;
    expect(replies[0]!.headers?.code).toBe(503);
    expect(isHeartbeat(replies[0]!)).toBe(false);
  });
});
