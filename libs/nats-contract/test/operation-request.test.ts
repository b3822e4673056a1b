import { connect, headers, type NatsConnection } from 'nats';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import {
  decodeOperationReply,
  decodeOperationRequest,
  encodeOperationReply,
  encodeOperationRequest,
  HEADERS,
  OPERATION_SUBJECTS,
  type OperationRequest,
} from '../src';

const ORG = '0190f1c4-6a8b-7c3d-9e2f-1a2b3c4d5e6f';
const encoder = new TextEncoder();

const request: OperationRequest = {
  body: { query: 'mutation($id: UUID!) { cancelOrder(id: $id) { id } }', variables: { id: ORG }, operationName: null },
  meta: {
    caller: { subject: 'ada', orgId: ORG, roles: ['staff'] },
    requestId: 'req-1',
    deadlineEpochMs: 1_900_000_000_000,
    heartbeatMs: 300,
    idempotencyKey: 'order-42-cancel',
  },
};

describe('the fraiseql.v1.query/.mutation request contract', () => {
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

  it('carries body, caller, request id, deadline, heartbeat, idempotency key and trace context from sender to receiver unchanged', async () => {
    const sub = nc.subscribe(OPERATION_SUBJECTS.mutation, {
      max: 1,
      callback: (_err, msg) => {
        const decoded = decodeOperationRequest(msg);
        const reply = encodeOperationReply({
          body: JSON.stringify({ decoded, traceparent: msg.headers?.get(HEADERS.traceparent) }),
          status: 201,
          schemaHash: 'h1',
        });
        msg.respond(reply.data, { headers: reply.headers });
      },
    });
    const span = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: false,
    };
    // No SDK runs in this test (no context manager): the span's context is passed explicitly.
    const { data, headers: h } = encodeOperationRequest(request, trace.setSpanContext(ROOT_CONTEXT, span));
    const raw = await nc.request(OPERATION_SUBJECTS.mutation, data, { headers: h, timeout: 5000 });
    sub.unsubscribe();
    const reply = decodeOperationReply(raw);
    expect(reply.status).toBe(201);
    expect(reply.schemaHash).toBe('h1');
    const echoed = JSON.parse(reply.body.toString('utf8'));
    expect(echoed.decoded).toEqual(request);
    expect(echoed.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  });

  it('writes the deadline as absolute epoch milliseconds under Fraiseql-Deadline-Epoch-Ms', () => {
    const { headers: h } = encodeOperationRequest(request);
    expect(h.get('Fraiseql-Deadline-Epoch-Ms')).toBe('1900000000000');
  });

  it('decodes a request with only a query as anonymous with nulls and no options', () => {
    expect(decodeOperationRequest({ data: encoder.encode('{"query":"{ a }"}'), headers: undefined })).toEqual({
      body: { query: '{ a }', variables: null, operationName: null },
      meta: { caller: { subject: null, orgId: null, roles: [] } },
    });
  });

  const withHeader = (key: string, value: string) => {
    const h = headers();
    h.set(key, value);
    return h;
  };
  it.each([
    ['a body that is not JSON', '{query', undefined],
    ['a body that is an array', '[]', undefined],
    ['an empty query', '{"query":""}', undefined],
    ['variables that are a list', '{"query":"{ a }","variables":[1]}', undefined],
    ['an operation name that is a number', '{"query":"{ a }","operationName":3}', undefined],
    ['a deadline that is a duration text', '{"query":"{ a }"}', withHeader(HEADERS.deadlineEpochMs, 'soon')],
    ['a negative deadline', '{"query":"{ a }"}', withHeader(HEADERS.deadlineEpochMs, '-5')],
    ['an idempotency key with a newline-free control character', '{"query":"{ a }"}', withHeader(HEADERS.idempotencyKey, 'a\u0007b')],
    ['an org id that is not a UUID', '{"query":"{ a }"}', withHeader(HEADERS.orgId, 'acme')],
  ])('refuses %s with FRAISEQL_BAD_MESSAGE', (_name, body, h) => {
    expect(() => decodeOperationRequest({ data: encoder.encode(body), headers: h })).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_BAD_MESSAGE' }),
    );
  });

  it('serves a malformed heartbeat interval without heartbeats rather than refusing the request', () => {
    const decoded = decodeOperationRequest({
      data: encoder.encode('{"query":"{ a }"}'),
      headers: withHeader(HEADERS.heartbeatMs, 'often'),
    });
    expect(decoded.meta.heartbeatMs).toBeUndefined();
  });

  it('leaves a malformed request id out (it only labels logs) instead of refusing the request', () => {
    const decoded = decodeOperationRequest({
      data: encoder.encode('{"query":"{ a }"}'),
      headers: withHeader(HEADERS.requestId, 'a b\u0001'),
    });
    expect(decoded.meta.requestId).toBeUndefined();
  });
});

describe('the operation reply contract', () => {
  it('round-trips the status and the schema hash under Fraiseql-Status and Fraiseql-Schema-Hash', () => {
    const { data, headers: h } = encodeOperationReply({ body: '{"data":null}', status: 504, schemaHash: 'abc123' });
    expect(h.get('Fraiseql-Status')).toBe('504');
    expect(h.get('Fraiseql-Schema-Hash')).toBe('abc123');
    expect(decodeOperationReply({ data: encoder.encode(data as string), headers: h })).toEqual({
      body: Buffer.from('{"data":null}'),
      status: 504,
      schemaHash: 'abc123',
    });
  });

  it('leaves the schema hash out when the executor had no schema', () => {
    const { headers: h } = encodeOperationReply({ body: '{}', status: 503 });
    expect(h.has(HEADERS.schemaHash)).toBe(false);
    expect(decodeOperationReply({ data: encoder.encode('{}'), headers: h })).toEqual({ body: Buffer.from('{}'), status: 503 });
  });

  it.each([
    ['no headers at all', undefined],
    ['a non-numeric status', 'teapot'],
    ['a status out of range', '99'],
    ['a fractional status', '200.5'],
  ])('reads %s as 200', (_name, value) => {
    const h = value === undefined ? undefined : withStatus(value);
    expect(decodeOperationReply({ data: encoder.encode('{}'), headers: h }).status).toBe(200);
  });
});

function withStatus(value: string) {
  const h = headers();
  h.set(HEADERS.status, value);
  return h;
}
