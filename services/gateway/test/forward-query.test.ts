import { connect, Empty, type MsgHdrs, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { FraiseqlError } from '@fraiseql/errors';
import { ANONYMOUS_CALLER } from '@fraiseql/identity';
import { heartbeatHeaders, HEADERS, SUBJECTS } from '@fraiseql/nats-contract';
import { createLogger } from '@fraiseql/service-kit';
import { captureLines, startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { createQueryForwarder, type QueryForwarder } from '../src/forward-query';

describe('forwarding a query with the executor liveness protocol', () => {
  let server: TestNatsServer;
  let executor: NatsConnection;
  let gateway: NatsConnection;
  const request = { query: '{ notes { id } }', variables: null, operationName: null };

  beforeAll(async () => {
    server = await startNatsServer();
    executor = await connect({ servers: server.url });
    gateway = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await gateway.close();
    await executor.close();
    await server.dispose();
  });

  function forwarderWith(livenessMs: number): { forwarder: QueryForwarder; registry: Registry; logs: () => string[] } {
    const { destination, lines } = captureLines();
    const registry = new Registry();
    const forwarder = createQueryForwarder(gateway, {
      livenessMs,
      registry,
      logger: createLogger({ service: 'gateway', level: 'debug', destination }),
    });
    return { forwarder, registry, logs: lines };
  }

  it('asks for a heartbeat every third of the liveness window, and for none when liveness is off', async () => {
    const seen: Array<MsgHdrs | undefined> = [];
    const sub = executor.subscribe(SUBJECTS.query, {
      callback: (_e, msg) => {
        seen.push(msg.headers);
        msg.respond('{"data":{}}');
      },
    });
    await executor.flush();
    try {
      for (const livenessMs of [900, 0]) {
        const { forwarder } = forwarderWith(livenessMs);
        const reply = await forwarder.forward(request, { caller: ANONYMOUS_CALLER, requestId: `req-${livenessMs}`, timeoutMs: 5000 });
        expect(reply.body.toString()).toBe('{"data":{}}');
        forwarder.close();
      }
      expect(seen.map((h) => (h?.has(HEADERS.heartbeatMs) ? h.get(HEADERS.heartbeatMs) : undefined))).toEqual(['300', undefined]);
    } finally {
      sub.unsubscribe();
    }
  });

  it('answers FRAISEQL_EXECUTOR_UNAVAILABLE when the executor goes silent, counts it and logs the request id', async () => {
    // The executor takes the request, heartbeats once, then dies without a word.
    const sub = executor.subscribe(SUBJECTS.query, {
      callback: (_e, msg) => setTimeout(() => msg.respond(Empty, { headers: heartbeatHeaders() }), 100),
    });
    await executor.flush();
    const { forwarder, registry, logs } = forwarderWith(600);
    try {
      const error = await forwarder.forward(request, { caller: ANONYMOUS_CALLER, requestId: 'req-lost-1', timeoutMs: 60_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FraiseqlError);
      expect(error).toMatchObject({
        code: 'FRAISEQL_EXECUTOR_UNAVAILABLE',
        message: 'The query-executor handling this request stopped responding; retry',
      });
      expect(await registry.metrics()).toMatch(/^fraiseql_gateway_executor_lost_total 1$/m);
      const warning = logs()
        .map((l) => JSON.parse(l))
        .find((l) => l.requestId === 'req-lost-1');
      expect(warning).toMatchObject({ level: 'warn', msg: 'the query-executor handling a request stopped responding', livenessMs: 600 });
    } finally {
      forwarder.close();
      sub.unsubscribe();
    }
  });

  it('answers FRAISEQL_TIMEOUT, not a lost executor, when liveness is off', async () => {
    const sub = executor.subscribe(SUBJECTS.query, { callback: () => undefined });
    await executor.flush();
    const { forwarder, registry } = forwarderWith(0);
    try {
      const error = await forwarder.forward(request, { caller: ANONYMOUS_CALLER, requestId: 'req-timeout-1', timeoutMs: 400 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'FRAISEQL_TIMEOUT', message: 'No query-executor answered within 400 ms' });
      expect(await registry.metrics()).toMatch(/^fraiseql_gateway_executor_lost_total 0$/m);
    } finally {
      forwarder.close();
      sub.unsubscribe();
    }
  });
});
