import { connect } from 'nats';
import { Registry } from 'prom-client';
import { ERROR_CODES, type ErrorCode } from '@fraiseql/errors';
import { startNatsServer } from '@fraiseql/testkit';
import { createRedMetrics, natsReadiness, outcomeOf } from '../src';

describe('one outcome vocabulary for every service', () => {
  it.each<[ErrorCode | undefined, string]>([
    [undefined, 'success'],
    ['BAD_USER_INPUT', 'client_error'],
    ['GRAPHQL_VALIDATION_FAILED', 'client_error'],
    ['FRAISEQL_UNAUTHENTICATED', 'client_error'],
    ['FRAISEQL_FORBIDDEN', 'client_error'],
    ['FRAISEQL_STREAM_CANCELLED', 'client_error'],
    ['FRAISEQL_OVERLOADED', 'overloaded'],
    ['FRAISEQL_TIMEOUT', 'timeout'],
    ['FRAISEQL_DB_UNAVAILABLE', 'server_error'],
    ['FRAISEQL_INTERNAL', 'server_error'],
  ])('counts %s as %s', (code, outcome) => {
    expect(outcomeOf(code)).toBe(outcome);
  });

  it('gives every code of the table an outcome of its HTTP class: client mistakes are 4xx, server errors 5xx', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const outcome = outcomeOf(code);
      const http = ERROR_CODES[code].http;
      if (outcome === 'client_error') expect(http).toBeLessThan(500);
      if (outcome === 'server_error') expect(http).toBeGreaterThanOrEqual(500);
    }
  });

  it('labels a request with the outcome that follows from its code, in the counter and the histogram alike', async () => {
    const registry = new Registry();
    const red = createRedMetrics(registry, { prefix: 'fraiseql_test' });
    red.start('DoGet')('FRAISEQL_TICKET_EXPIRED');
    red.observe('query', 'FRAISEQL_OVERLOADED', 0.01);
    const text = await registry.metrics();
    expect(text).toContain('fraiseql_test_requests_total{operation="DoGet",outcome="client_error",code="FRAISEQL_TICKET_EXPIRED"} 1');
    expect(text).toContain('fraiseql_test_requests_total{operation="query",outcome="overloaded",code="FRAISEQL_OVERLOADED"} 1');
    expect(text).toContain('fraiseql_test_request_duration_seconds_count{operation="query",outcome="overloaded"} 1');
  });
});

describe('natsReadiness', () => {
  it('passes while the server answers, fails once it is gone and once the connection is closed', async () => {
    const server = await startNatsServer();
    const nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
    const check = natsReadiness(nc);
    try {
      await expect(check()).resolves.toBeUndefined();
      await server.stop();
      await expect(
        Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer')), 500))]),
      ).rejects.toThrow();
    } finally {
      await nc.close();
      await server.dispose();
    }
    await expect(check()).rejects.toThrow('the NATS connection is closed');
  });
});
