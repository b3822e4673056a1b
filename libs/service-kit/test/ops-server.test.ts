import { Writable } from 'node:stream';
import { createLogger, createMetrics, createRedMetrics, startOpsServer, type OpsServer } from '../src';

const silent = createLogger({ service: 'test', level: 'silent' });

async function get(server: OpsServer, path: string): Promise<{ status: number; contentType: string | null; body: string }> {
  const response = await fetch(`${server.address}${path}`);
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() };
}

describe('startOpsServer', () => {
  let server: OpsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers /healthz 200 while alive and 503 once shutdown begins', async () => {
    server = await startOpsServer({ host: '127.0.0.1', port: 0, registry: createMetrics({ service: 'test' }).registry, logger: silent });
    expect(server.port).toBeGreaterThan(0);
    const alive = await get(server, '/healthz');
    expect(alive.status).toBe(200);
    expect(JSON.parse(alive.body)).toEqual({ status: 'ok' });

    server.markShuttingDown();
    const draining = await get(server, '/healthz');
    expect(draining.status).toBe(503);
    expect(JSON.parse(draining.body)).toEqual({ status: 'shutting_down' });
    const notReady = await get(server, '/readyz');
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.body)).toEqual({ status: 'shutting_down' });
  });

  it('answers /readyz 200 with each check when all pass', async () => {
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry: createMetrics({ service: 'test' }).registry,
      logger: silent,
      checks: { nats: async () => {}, postgres: async () => true },
    });
    const ready = await get(server, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: 'ready', checks: { nats: { status: 'ok' }, postgres: { status: 'ok' } } });
  });

  it('answers /readyz 503 naming the checks that threw, returned false or timed out', async () => {
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry: createMetrics({ service: 'test' }).registry,
      logger: silent,
      checkTimeoutMs: 200,
      checks: {
        nats: async () => {},
        postgres: async () => {
          throw new Error('connection refused');
        },
        schema: async () => false,
        redis: () => new Promise<void>(() => {}),
      },
    });
    const result = await get(server, '/readyz');
    expect(result.status).toBe(503);
    const body = JSON.parse(result.body);
    expect(body.status).toBe('not_ready');
    expect([...body.failed].sort()).toEqual(['postgres', 'redis', 'schema']);
    expect(body.checks).toEqual({
      nats: { status: 'ok' },
      postgres: { status: 'failed', error: 'connection refused' },
      schema: { status: 'failed', error: 'check returned false' },
      redis: { status: 'failed', error: 'timed out after 200 ms' },
    });
  });

  it('serves Prometheus text with default Node metrics, the service label and RED metrics', async () => {
    const { registry } = createMetrics({ service: 'gateway' });
    const red = createRedMetrics(registry, { prefix: 'fraiseql_gateway' });
    const end = red.start('query');
    end();
    red.start('mutation')('FRAISEQL_TIMEOUT');
    const stillRunning = red.start('query');

    server = await startOpsServer({ host: '127.0.0.1', port: 0, registry, logger: silent });
    const metrics = await get(server, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toBe(registry.contentType);
    expect(metrics.body).toMatch(/^process_cpu_user_seconds_total\{service="gateway"\} \d/m);
    expect(metrics.body).toMatch(/^nodejs_heap_size_total_bytes\{service="gateway"\} \d/m);
    expect(metrics.body).toContain('fraiseql_gateway_requests_total{operation="query",outcome="success",code="",service="gateway"} 1');
    expect(metrics.body).toContain(
      'fraiseql_gateway_requests_total{operation="mutation",outcome="timeout",code="FRAISEQL_TIMEOUT",service="gateway"} 1',
    );
    expect(metrics.body).toContain(
      'fraiseql_gateway_request_duration_seconds_count{service="gateway",operation="query",outcome="success"} 1',
    );
    expect(metrics.body).toContain('fraiseql_gateway_requests_in_flight{operation="query",service="gateway"} 1');
    expect(metrics.body).toContain('fraiseql_gateway_requests_in_flight{operation="mutation",service="gateway"} 0');
    stillRunning();
  });
});

describe('createLogger', () => {
  it('writes JSON lines with service, pid, hostname, level name and a serialized err', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        callback();
      },
    });
    const logger = createLogger({ service: 'gateway', level: 'info', destination });
    logger.debug('hidden below the level');
    logger.error({ err: new Error('boom') }, 'request failed');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: 'error', service: 'gateway', pid: process.pid, msg: 'request failed' });
    expect(typeof line.hostname).toBe('string');
    expect(line.err).toMatchObject({ type: 'Error', message: 'boom' });
    expect(line.err.stack).toContain('boom');
    expect(typeof line.time).toBe('string');
  });
});
