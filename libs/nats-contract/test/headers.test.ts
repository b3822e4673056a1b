import { connect, headers, type NatsConnection } from 'nats';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { ANONYMOUS_CALLER as ANONYMOUS, type Caller } from '@fraiseql/identity';
import { extractTraceContext, HEADERS, injectTraceContext, readCallerHeaders, SUBJECTS, writeCallerHeaders } from '../src';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

describe('auth and trace headers over a real request/reply', () => {
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

  it('carries the auth context and traceparent from requester to responder', async () => {
    // The responder echoes what it read from the headers of the request it received.
    const sub = nc.subscribe(SUBJECTS.query, {
      queue: 'query-executor',
      callback: (_err, msg) => {
        const auth = readCallerHeaders(msg.headers);
        const spanContext = trace.getSpanContext(extractTraceContext(msg.headers));
        msg.respond(encoder.encode(JSON.stringify({ auth, spanContext })));
      },
    });
    try {
      const auth: Caller = {
        subject: 'user:ada@example.com',
        orgId: '0190f1c4-6a8b-7c3d-9e2f-1a2b3c4d5e6f',
        roles: ['admin', 'billing.read', 'org:owner'],
      };
      const sent = {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        traceFlags: TraceFlags.SAMPLED,
        isRemote: false,
      };
      const h = headers();
      writeCallerHeaders(h, auth);
      // No SDK is started in this test: the propagator must work on its own.
      injectTraceContext(h, trace.setSpanContext(ROOT_CONTEXT, sent));
      expect(h.get(HEADERS.traceparent)).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');

      const reply = await nc.request(SUBJECTS.query, encoder.encode('{}'), { headers: h, timeout: 5000 });
      const echoed = JSON.parse(decoder.decode(reply.data));
      expect(echoed.auth).toEqual(auth);
      expect(echoed.spanContext).toEqual({ ...sent, isRemote: true });
    } finally {
      sub.unsubscribe();
    }
  });

  it('reads a request without auth headers as anonymous and without a trace as the root context', async () => {
    const sub = nc.subscribe('test.anonymous', {
      callback: (_err, msg) => {
        const spanContext = trace.getSpanContext(extractTraceContext(msg.headers));
        msg.respond(encoder.encode(JSON.stringify({ auth: readCallerHeaders(msg.headers), hasSpan: spanContext !== undefined })));
      },
    });
    try {
      const reply = await nc.request('test.anonymous', encoder.encode('{}'), { timeout: 5000 });
      expect(JSON.parse(decoder.decode(reply.data))).toEqual({ auth: ANONYMOUS, hasSpan: false });
    } finally {
      sub.unsubscribe();
    }
  });
});

describe('readCallerHeaders', () => {
  const expectBadMessage = (build: (h: ReturnType<typeof headers>) => void): void => {
    const h = headers();
    build(h);
    expect(() => readCallerHeaders(h)).toThrow(expect.objectContaining({ code: 'FRAISEQL_BAD_MESSAGE' }));
  };

  it('rejects roles that are not simple tokens', () => {
    expectBadMessage((h) => h.set(HEADERS.roles, 'admin,,reader'));
    expectBadMessage((h) => h.set(HEADERS.roles, 'admin, reader'));
    expectBadMessage((h) => h.set(HEADERS.roles, 'admin;drop'));
    expectBadMessage((h) => h.set(HEADERS.roles, 'ad min'));
  });

  it('rejects control characters and a repeated identity header', () => {
    expectBadMessage((h) => h.set(HEADERS.subject, 'ada\u0000'));
    expectBadMessage((h) => h.set(HEADERS.orgId, 'org\tid'));
    expectBadMessage((h) => {
      h.append(HEADERS.orgId, '0190f1c4-6a8b-7c3d-9e2f-1a2b3c4d5e6f');
      h.append(HEADERS.orgId, '0190f1c4-6a8b-7c3d-9e2f-1a2b3c4d5e70');
    });
  });

  it('refuses an org id that is not a UUID, and reads one in upper case as lower case', () => {
    expectBadMessage((h) => h.set(HEADERS.orgId, 'org-a'));
    expectBadMessage((h) => h.set(HEADERS.orgId, "' OR 1=1 --"));
    const h = headers();
    h.set(HEADERS.orgId, '0190F1C4-6A8B-7C3D-9E2F-1A2B3C4D5E6F');
    expect(readCallerHeaders(h).orgId).toBe('0190f1c4-6a8b-7c3d-9e2f-1a2b3c4d5e6f');
  });

  it('refuses to write a caller that would not read back the same', () => {
    expect(() => writeCallerHeaders(headers(), { subject: ' ada', orgId: null, roles: [] })).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_BAD_MESSAGE' }),
    );
    expect(() => writeCallerHeaders(headers(), { subject: 'ada', orgId: null, roles: ['a,b'] })).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_BAD_MESSAGE' }),
    );
  });

  it('round-trips the anonymous caller and replaces earlier caller headers', () => {
    const h = headers();
    writeCallerHeaders(h, { subject: 'ada', orgId: '0190f1c4-6a8b-7c3d-9e2f-1a2b3c4d5e6f', roles: ['admin'] });
    writeCallerHeaders(h, ANONYMOUS);
    expect(readCallerHeaders(h)).toEqual(ANONYMOUS);
    expect(h.has(HEADERS.subject)).toBe(false);
  });
});
