import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { isErrorCode } from '@fraiseql/errors';
import { FlightClient, type FlightInfo } from '@fraiseql/flight';
import { createFlightServer, type FlightServer } from '@fraiseql/flight-server';
import type { Gateway } from '@fraiseql/gateway';
import { createJobRunner, type JobRunner } from '@fraiseql/job-runner';
import { createObserverWorker, secretsFromDirectory, type ObserverWorker } from '@fraiseql/observer-worker';
import { DEFAULT_LIMITS } from '@fraiseql/query-planner';
import { createSink, type Sink } from '@fraiseql/sink';
import type { QueryExecutor } from '@fraiseql/query-executor';
import { createLogger, startTelemetry, type Telemetry } from '@fraiseql/service-kit';
import { DEMO_ORG_IDS, migrateShop, parseScale, seedShop } from '@fraiseql/shop';
import {
  createTestDatabase,
  otlpJsonSpanExporter,
  startNatsServer,
  startOtlpCollector,
  startRedisServer,
  type CollectedSpan,
  type TestDatabase,
  type TestNatsServer,
  type TestOtlpCollector,
  type TestRedisServer,
} from '@fraiseql/testkit';
import { graphql, JWT_SECRET, jwtFor, startExecutor, startGateway } from './fixtures/services-in-process';
import { sql } from './fixtures/sql';

// Traces end to end (docs/adr: trace context across every NATS hop): the services run in this process with the
// OpenTelemetry SDK exporting over OTLP/HTTP to a collector of the test's own, and a caller's W3C traceparent must
// come out the other side as one trace: gateway → query-executor → change-log relay publish → observer-worker's
// consumer; gateway → executor → job API → job-runner (whose attempt links back); Flight RPCs with their reads.

const SHOP_SCHEMA = join(__dirname, '../../examples/shop/schema.compiled.json');
const [ORG_1] = DEMO_ORG_IDS;
const WAIT_MS = 30_000;
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;
const ERROR = 2;

/** A caller's own trace: a fresh trace id and the id of the caller's span, sampled. */
function callerTrace(): { traceId: string; spanId: string; traceparent: string } {
  const hex = (bytes: number): string => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
  const traceId = hex(16);
  const spanId = hex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

describe('traces across every hop (OTLP to a local collector; gateway, executor, relay, observer-worker, job-runner, flight-server)', () => {
  let collector: TestOtlpCollector;
  let telemetry: Telemetry;
  let nats: TestNatsServer;
  let redis: TestRedisServer;
  let db: TestDatabase;
  let executor: QueryExecutor;
  let gateway: Gateway;
  let worker: ObserverWorker;
  let runner: JobRunner;
  let flight: FlightServer;
  let flightRegistry: Registry;
  let sink: Sink;
  let directory: string;
  // The shop's "order shipped" webhook (FRAISEQL_DEV_INBOX_URL) lands here, with the headers it came with.
  let receiver: Server;
  const received: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    collector = await startOtlpCollector();
    // Export each batch soon after its spans end: the test waits for spans, not for the SDK's 5 s schedule.
    process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
    // The SDK's OTLP/HTTP exporter imports `http` dynamically, which jest's VM sandbox refuses: the same OTLP JSON
    // goes to the collector through testkit's exporter instead.
    telemetry = startTelemetry({
      service: 'fraiseql-e2e',
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.tracesUrl },
      traceExporter: otlpJsonSpanExporter(collector.tracesUrl),
    });
    [nats, redis, db] = await Promise.all([startNatsServer(), startRedisServer(), createTestDatabase('fraiseql_h4_tracing')]);
    await migrateShop({ connectionString: db.url });
    await seedShop({ connectionString: db.url, orders: parseScale('1k') });
    directory = mkdtempSync(join(tmpdir(), 'fraiseql-h4-tracing-'));
    receiver = createServer((request, response) => {
      received.push(request.headers);
      request.resume().on('end', () => response.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const inboxUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/order-shipped`;
    executor = await startExecutor(
      { nats, db },
      {
        schemaSource: SHOP_SCHEMA,
        relay: { enabled: true, batchSize: 100, maxInFlight: 200, pollIntervalMs: 500, publishTimeoutMs: 5000, retentionMs: 86_400_000 },
        jetStream: {},
      },
    );
    gateway = (await startGateway({ nats, db }, { schemaSource: SHOP_SCHEMA })).gateway;
    worker = await createObserverWorker({
      natsUrl: nats.url,
      schemaSource: SHOP_SCHEMA,
      dedupTtlMs: 3_600_000,
      concurrency: 4,
      maxDeliver: 5,
      ackWaitMs: 30_000,
      maxAckPending: 100,
      defaultRetryPolicy: { initialIntervalMs: 100, backoff: 'fixed', maximumIntervalMs: 100, maximumAttempts: 3 },
      defaultTimeoutMs: 5000,
      allowTargets: ['127.0.0.1'],
      hostConcurrency: 4,
      circuitFailures: 50,
      circuitHalfOpenMs: 1000,
      smsBaseUrl: 'http://127.0.0.1:9',
      secrets: secretsFromDirectory(undefined, { FRAISEQL_DEV_INBOX_URL: inboxUrl }),
      logger: createLogger({ service: 'observer-worker', level: 'silent' }),
      registry: new Registry(),
    });
    // The sink's search dataplane (PostgreSQL full-text): its batch writes link to the events' consumer spans.
    sink = await createSink({
      natsUrl: nats.url,
      dataplanes: ['search'],
      clickhouse: { database: 'unused', path: 'unused', retentionDays: 1, batch: { maxRows: 1000, maxBytes: 1 << 20, maxDelayMs: 100 } },
      search: {
        postgres: { connectionString: db.url, poolMax: 2, schema: 'fraiseql_search', textSearchConfig: 'simple' },
        batch: { maxRows: 100, maxBytes: 1 << 20, maxDelayMs: 50 },
      },
      logger: createLogger({ service: 'sink', level: 'silent' }),
      registry: new Registry(),
    });
    runner = await createJobRunner({
      natsUrl: nats.url,
      redisUrl: redis.url,
      queueName: 'h4-tracing-jobs',
      redisPrefix: 'fraiseql-h4',
      concurrency: 2,
      lockMs: 5000,
      maxStalled: 1,
      watchdogGraceMs: 1000,
      keepSucceededMs: 3_600_000,
      keepDeadMs: 3_600_000,
      apiMaxInFlight: 64,
      export: {
        databaseUrl: db.url,
        poolMax: 2,
        store: { FRAISEQL_EXPORT_STORE: `local:${directory}` },
        signingKey: 'h4-tracing-export-signing-key-of-32-chars',
        linkTtlMs: 60_000,
        schemaSource: SHOP_SCHEMA,
      },
      allowTargets: [],
      board: 'off',
      logger: createLogger({ service: 'job-runner', level: 'silent' }),
      registry: new Registry(),
    });
    // flight-server reads PostgreSQL through its own read-only role.
    const admin = new Pool({ connectionString: db.url, max: 1 });
    await admin.query('SELECT fraiseql.grant_flight_access()');
    await admin.end();
    const flightUrl = new URL(db.url);
    flightUrl.username = 'fraiseql_flight';
    flightUrl.password = '';
    flightRegistry = new Registry();
    flight = await createFlightServer({
      host: '127.0.0.1',
      port: 0,
      natsUrl: nats.url,
      databaseUrl: flightUrl.toString(),
      poolMax: 2,
      maxConcurrentStreams: 4,
      schemaSource: SHOP_SCHEMA,
      ticketSecret: 'h4-tracing-ticket-secret-of-at-least-32-chars',
      sessionTtlMs: 60_000,
      limits: DEFAULT_LIMITS,
      auth: { jwtSecret: JWT_SECRET, devAuth: false },
      settings: { batchSize: 256, statementTimeoutMs: 0, ticketTtlMs: 60_000, partitionRows: 1_000_000 },
      maxReceiveBytes: 16 * 1024 * 1024,
      analytics: { timeoutMs: 5000 },
      logger: createLogger({ service: 'flight-server', level: 'silent' }),
      registry: flightRegistry,
    });
  }, 120_000);

  afterAll(async () => {
    await flight?.close();
    await sink?.close();
    await runner?.close();
    await worker?.close();
    await gateway?.close();
    await executor?.close();
    await telemetry?.shutdown();
    await collector?.close();
    await redis?.dispose();
    await nats?.dispose();
    await db?.drop();
    if (directory) rmSync(directory, { recursive: true, force: true });
    if (receiver) {
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    }
    delete process.env.OTEL_BSP_SCHEDULE_DELAY;
  });

  const inTrace = (spans: CollectedSpan[], traceId: string): CollectedSpan[] => spans.filter((s) => s.traceId === traceId);
  const one = (spans: CollectedSpan[], where: (s: CollectedSpan) => boolean, what: string): CollectedSpan => {
    const found = spans.filter(where);
    if (found.length !== 1)
      throw new Error(`expected one ${what}, found ${found.length}: ${JSON.stringify(spans.map((s) => [s.scope, s.name]))}`);
    return found[0]!;
  };

  it("carries a mutation's traceparent through the executor, the change log and the relay's publish to the observer-worker's consumer", async () => {
    const caller = callerTrace();
    const [{ id }] = await sql<{ id: string }>(
      db.url,
      "SELECT id FROM tb_order WHERE org_id = $1 AND status = 'PAID' ORDER BY id LIMIT 1",
      [ORG_1],
    );
    const token = await jwtFor({ sub: 'h4-admin', org_id: ORG_1, roles: ['admin'] });
    const result = await graphql(
      gateway,
      {
        query: `mutation($input: UpdateOrderStatusInput!) { updateOrderStatus(input: $input) { __typename } }`,
        variables: { input: { id, status: 'SHIPPED' } },
      },
      { token, headers: { traceparent: caller.traceparent } },
    );
    expect(result.body.data).toEqual({ updateOrderStatus: { __typename: 'UpdateOrderStatusSuccess' } });

    // The change-log row keeps the mutation's trace: the relay publishes it later, from another transaction.
    const [row] = await sql<{ traceparent: string }>(
      db.url,
      "SELECT traceparent FROM fraiseql.tb_entity_change_log WHERE entity_id = $1 AND event_type = 'UPDATE' ORDER BY seq DESC LIMIT 1",
      [id],
    );
    expect(row!.traceparent).toMatch(new RegExp(`^00-${caller.traceId}-[0-9a-f]{16}-01$`));

    const spans = inTrace(
      await collector.waitForSpans((all) => inTrace(all, caller.traceId).some((s) => s.scope === '@fraiseql/jetstream-consumer'), WAIT_MS),
      caller.traceId,
    );
    const http = one(spans, (s) => s.scope === '@fraiseql/gateway' && s.kind === SERVER, 'gateway span');
    expect(http.parentSpanId).toBe(caller.spanId);
    expect(http.attributes['graphql.operation.type']).toBe('mutation');
    const execution = one(spans, (s) => s.scope === '@fraiseql/query-executor' && s.name === 'fraiseql.mutation', 'executor span');
    expect(execution.parentSpanId).toBe(http.spanId);
    // The stored traceparent is the executor span's: the row names the span that wrote it.
    expect(row!.traceparent).toBe(`00-${caller.traceId}-${execution.spanId}-01`);
    const publish = one(spans, (s) => s.kind === PRODUCER, 'relay publish span');
    expect(publish).toMatchObject({ scope: '@fraiseql/query-executor', name: 'publish FRAISEQL_EVENTS', parentSpanId: execution.spanId });
    expect(publish.attributes['messaging.destination.name']).toMatch(/^fraiseql\.v1\.events\./);
    const consumed = spans.filter((s) => s.scope === '@fraiseql/jetstream-consumer' && s.kind === CONSUMER);
    expect(consumed.length).toBeGreaterThanOrEqual(1);
    for (const span of consumed) expect(span.parentSpanId).toBe(publish.spanId);
    expect(consumed.map((s) => s.name)).toContain('fraiseql.consume observer-worker');
    expect(consumed[0]!.attributes['fraiseql.event_id']).toBe(publish.attributes['messaging.message.id']);

    // The observer's webhook: a CLIENT span under the worker's consumer span, and the receiver continues the trace.
    const workerSpan = one(consumed, (s) => s.name === 'fraiseql.consume observer-worker', 'observer-worker consumer span');
    const withAction = inTrace(
      await collector.waitForSpans((all) => inTrace(all, caller.traceId).some((s) => s.name === 'observer action webhook'), WAIT_MS),
      caller.traceId,
    );
    const action = one(withAction, (s) => s.name === 'observer action webhook', 'webhook action span');
    expect(action).toMatchObject({ scope: '@fraiseql/observer-actions', kind: CLIENT, parentSpanId: workerSpan.spanId });
    expect(action.attributes['fraiseql.action.outcome']).toBe('success');
    expect(action.attributes['http.response.status_code']).toBe(204);
    expect(received.map((h) => h.traceparent)).toContain(`00-${caller.traceId}-${action.spanId}-01`);

    // The sink's batch write: a trace of its own (a batch holds many traces) linked to this event's consumer span.
    // The consumer span ends after the write (the ack follows the durable write): wait for both.
    const all = await collector.waitForSpans(
      (spans) =>
        spans.some((s) => s.name === 'batch write sink-search' && s.links.some((l) => l.traceId === caller.traceId)) &&
        inTrace(spans, caller.traceId).some((s) => s.name === 'fraiseql.consume sink-search'),
      WAIT_MS,
    );
    const sinkConsumed = one(inTrace(all, caller.traceId), (s) => s.name === 'fraiseql.consume sink-search', 'sink consumer span');
    const write = all.find((s) => s.name === 'batch write sink-search' && s.links.some((l) => l.spanId === sinkConsumed.spanId))!;
    expect(write).toMatchObject({ scope: '@fraiseql/jetstream-consumer', kind: CLIENT });
    expect(write.traceId).not.toBe(caller.traceId);
    expect(write.attributes['fraiseql.batch.rows']).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("continues a job enqueue's trace over the job API and links every attempt of the job to it", async () => {
    const caller = callerTrace();
    const token = await jwtFor({ sub: 'h4-exporter', org_id: ORG_1, roles: ['exporter'] });
    const enqueued = await graphql(
      gateway,
      {
        query: `mutation($input: EnqueueExportInput!) { enqueueExport(input: $input) { id type } }`,
        variables: { input: { format: 'CSV', source: { kind: 'view', view: 'va_order' }, jobId: 'h4-traced-export' } },
      },
      { token, headers: { traceparent: caller.traceparent } },
    );
    expect(enqueued.body.errors).toBeUndefined();

    const all = await collector.waitForSpans(
      (received) => received.some((s) => s.scope === '@fraiseql/job-runner' && s.links.some((l) => l.traceId === caller.traceId)),
      WAIT_MS,
    );
    const spans = inTrace(all, caller.traceId);
    const execution = one(spans, (s) => s.scope === '@fraiseql/query-executor' && s.name === 'fraiseql.mutation', 'executor span');
    const request = one(
      spans,
      (s) => s.scope === '@fraiseql/nats-api' && s.kind === CLIENT && s.name.endsWith(' enqueue'),
      'job API request',
    );
    expect(request.parentSpanId).toBe(execution.spanId);
    expect(request.attributes['messaging.destination.name']).toBe('fraiseql.v1.jobs.api.enqueue');
    const handling = one(
      spans,
      (s) => s.scope === '@fraiseql/nats-api' && s.kind === SERVER && s.name.endsWith(' enqueue'),
      'job API handling',
    );
    expect(handling.parentSpanId).toBe(request.spanId);

    // The attempt is its own trace (a job may run much later, and more than once), linked to the enqueue.
    const attempt = one(all, (s) => s.scope === '@fraiseql/job-runner' && s.links.some((l) => l.traceId === caller.traceId), 'job attempt');
    expect(attempt.traceId).not.toBe(caller.traceId);
    expect(attempt).toMatchObject({ kind: CONSUMER, name: 'job export', parentSpanId: '' });
    expect(attempt.links).toEqual([{ traceId: caller.traceId, spanId: handling.spanId }]);
    expect(attempt.attributes).toMatchObject({
      'fraiseql.job.id': 'h4-traced-export',
      'fraiseql.job.type': 'export',
      'fraiseql.org_id': ORG_1,
    });
  }, 60_000);

  it("traces Flight RPCs from the caller's traceparent metadata, with their attributes, the PostgreSQL read and failures by code", async () => {
    const caller = callerTrace();
    const token = await jwtFor({ sub: 'h4-analyst', org_id: ORG_1, roles: ['analyst'] });
    const client = new FlightClient(flight.address, { token, headers: { traceparent: caller.traceparent } });
    try {
      const info: FlightInfo = await client.getFlightInfo({ type: 1, path: ['va_order'] });
      const ticket = info.endpoint![0]!.ticket!.ticket!;
      const table = await client.doGetTable(ticket);
      expect(table.numRows).toBeGreaterThan(0);
      await expect(client.doGetTable(Buffer.from('not a ticket'))).rejects.toThrow();

      const spans = inTrace(
        await collector.waitForSpans(
          (all) =>
            inTrace(all, caller.traceId).filter((s) => s.name.endsWith('/DoGet')).length === 2 &&
            all.some((s) => s.name === 'postgresql copy'),
          WAIT_MS,
        ),
        caller.traceId,
      );
      const info$ = one(spans, (s) => s.name === 'arrow.flight.protocol.FlightService/GetFlightInfo', 'GetFlightInfo span');
      expect(info$).toMatchObject({ scope: '@fraiseql/flight-server', kind: SERVER, parentSpanId: caller.spanId });
      expect(info$.attributes).toMatchObject({
        'rpc.system': 'grpc',
        'rpc.method': 'GetFlightInfo',
        'fraiseql.org_id': ORG_1,
        'rpc.grpc.status_code': 0,
      });

      const [served, refused] = [...spans.filter((s) => s.name === 'arrow.flight.protocol.FlightService/DoGet')].sort(
        (a, b) => Number(a.status === ERROR) - Number(b.status === ERROR),
      );
      expect(served!.attributes).toMatchObject({
        'rpc.system': 'grpc',
        'rpc.method': 'DoGet',
        'fraiseql.ticket.kind': 'export',
        'fraiseql.org_id': ORG_1,
        'fraiseql.rows': table.numRows,
      });
      expect(served!.attributes['fraiseql.bytes']).toEqual(expect.any(Number));
      expect(served!.attributes['fraiseql.bytes'] as number).toBeGreaterThan(0);
      const copy = one(spans, (s) => s.name === 'postgresql copy', 'PostgreSQL read');
      expect(copy.parentSpanId).toBe(served!.spanId);
      expect(copy.attributes).toMatchObject({ 'db.system': 'postgresql', 'fraiseql.rows': table.numRows, 'fraiseql.dataset': 'va_order' });

      expect(refused!.status).toBe(ERROR);
      const code = refused!.attributes['fraiseql.error.code'];
      expect(isErrorCode(code)).toBe(true);
      // The RED metric counts it with the same documented code, never a made-up one.
      const metrics = await flightRegistry.metrics();
      expect(metrics).toContain(`fraiseql_flight_requests_total{operation="DoGet",outcome="client_error",code="${String(code)}"} 1`);
      const labels = [...metrics.matchAll(/^fraiseql_flight_requests_total\{[^}]*code="([^"]+)"/gm)].map((m) => m[1]);
      expect(labels.length).toBeGreaterThan(0);
      for (const label of labels) expect(isErrorCode(label)).toBe(true);
    } finally {
      client.close();
    }
  }, 60_000);
});
