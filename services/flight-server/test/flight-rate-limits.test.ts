import { randomUUID } from 'node:crypto';
import type { ServiceError } from '@grpc/grpc-js';
import { RecordBatchReader, Table, type RecordBatch } from 'apache-arrow';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { FraiseqlError } from '@fraiseql/errors';
import { FlightClient, type FlightInfo } from '@fraiseql/flight';
import type { RateLimitedEvent } from '@fraiseql/rate-limits';
import { waitFor } from '@fraiseql/testkit';
import { ORG_A, startFlightStack, type FlightStack } from './fixtures/flight-stack';
import { NUMBERS_ROWS, prepareTypedDatasets, typedDatasetsSchema } from './fixtures/typed-datasets';

// The Flight limits against a real flight-server (in process, real gRPC, real PostgreSQL as fraiseql_flight) and
// real Redis (the shared server on 6379, under a key prefix of this file's own).

const SHARED_REDIS = 'redis://127.0.0.1:6379';
const cmd = (value: unknown) => ({ type: 2, cmd: Buffer.from(JSON.stringify(value)) });
const path = (...parts: string[]) => ({ type: 1, path: parts });
const ticketOf = (info: FlightInfo): Uint8Array => info.endpoint![0]!.ticket!.ticket!;

/** The failure of `promise`, which must fail. */
async function failureOf(promise: Promise<unknown>): Promise<FraiseqlError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FraiseqlError);
  return error as FraiseqlError;
}

const retryAfterTrailer = (error: FraiseqlError): unknown => (error.cause as ServiceError).metadata?.get('retry-after')[0];

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const found = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = found?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return Number(value?.value ?? 0);
}

describe('Flight limits: streams per principal (real flight-server, PostgreSQL, gRPC)', () => {
  let stack: FlightStack;
  const registry = new Registry();
  const refusals: RateLimitedEvent[] = [];

  beforeAll(async () => {
    stack = await startFlightStack({
      compiled: typedDatasetsSchema(),
      prepare: prepareTypedDatasets,
      maxConcurrentStreams: 4,
      settings: { batchSize: 1000 },
      limits: { maxStreamsPerPrincipal: 1, registry, onRateLimited: (event) => refusals.push(event) },
    });
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('a principal over its stream bound is refused with RESOURCE_EXHAUSTED while another principal still streams', async () => {
    const busy = await stack.client('busy-analyst', ORG_A);
    const other = await stack.client('other-analyst', ORG_A);
    const endless = ticketOf(await busy.getFlightInfo(cmd({ kind: 'view', view: 'va_endless', columns: ['n'] })));
    const controller = new AbortController();
    const open = busy.doGet(endless, { signal: controller.signal })[Symbol.asyncIterator]();
    expect(((await open.next()).value as RecordBatch).numRows).toBeGreaterThan(0);

    const second = ticketOf(await busy.getFlightInfo(cmd({ kind: 'view', view: 'ta_all_types', columns: ['id'] })));
    const refused = await failureOf(busy.doGetTable(second));
    expect(refused.code).toBe('FRAISEQL_STREAM_LIMIT_EXCEEDED');
    expect(refused.details?.grpcStatusName).toBe('RESOURCE_EXHAUSTED');
    expect(retryAfterTrailer(refused)).toBe('1');

    // The other principal is not held to the busy one's bound (the server still has slots).
    const mine = ticketOf(await other.getFlightInfo(cmd({ kind: 'view', view: 'ta_all_types', columns: ['id'] })));
    expect((await other.doGetTable(mine)).numRows).toBe(4);

    expect(await metric(registry, 'fraiseql_rate_limited_total', { limiter: 'streams_per_principal' })).toBe(1);
    expect(refusals).toEqual([
      expect.objectContaining({
        limiter: 'streams_per_principal',
        key: `${ORG_A}:busy-analyst`,
        caller: expect.objectContaining({ subject: 'busy-analyst' }),
      }),
    ]);

    // Once its stream ends, the busy principal streams again.
    controller.abort(new Error('done'));
    await open.next().catch(() => undefined);
    await waitFor(async () => {
      try {
        return (await busy.doGetTable(second)).numRows === 4;
      } catch {
        return false;
      }
    }, 10_000);
  }, 60_000);
});

describe('Flight limits: rows per ticket and request rate per principal (real flight-server, PostgreSQL, gRPC, Redis)', () => {
  let stack: FlightStack;
  let redis: Redis;
  const registry = new Registry();
  const keyPrefix = `fraiseql-test:flight-rl:${randomUUID()}`;

  beforeAll(async () => {
    stack = await startFlightStack({
      compiled: typedDatasetsSchema(),
      prepare: prepareTypedDatasets,
      settings: { batchSize: 300, maxRowsPerTicket: 1000 },
      limits: { rateLimits: { redisUrl: SHARED_REDIS, keyPrefix, principal: { requests: 5, windowS: 60 } }, registry },
    });
    redis = new Redis(SHARED_REDIS);
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    if (redis) {
      const keys = await redis.keys(`${keyPrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  it('cuts a DoGet at FRAISEQL_FLIGHT_MAX_ROWS_PER_TICKET: the first rows arrive, then RESOURCE_EXHAUSTED; a smaller ticket streams whole', async () => {
    const client = await stack.client('rows-analyst', ORG_A);
    const big = ticketOf(await client.getFlightInfo(path('va_numbers')));
    // The IPC bytes as they arrive (a decoding reader reads ahead and would drop the batch before the error).
    const chunks: Uint8Array[] = [];
    const failure = await failureOf(
      (async () => {
        for await (const bytes of client.doGetIpcStream(big)) chunks.push(bytes);
      })(),
    );
    expect(failure.code).toBe('FRAISEQL_ROW_LIMIT_EXCEEDED');
    expect(failure.details?.grpcStatusName).toBe('RESOURCE_EXHAUSTED');
    const sent = new Table(RecordBatchReader.from(Buffer.concat(chunks)).readAll());
    // 300 + 300 + 300 + the first 100 of the fourth batch: exactly the limit, from the start of the result.
    expect(sent.numRows).toBe(1000);
    expect(sent.numRows).toBeLessThan(NUMBERS_ROWS);
    expect(Array.from(sent.getChild('n')!.toArray() as BigInt64Array)).toEqual(Array.from({ length: 1000 }, (_, i) => BigInt(i + 1)));
    expect(await metric(registry, 'fraiseql_rate_limited_total', { limiter: 'rows_per_ticket' })).toBe(1);

    const small = ticketOf(await client.getFlightInfo(cmd({ kind: 'view', view: 'ta_all_types', columns: ['id'] })));
    expect((await client.doGetTable(small)).numRows).toBe(4);
  }, 60_000);

  it('counts every call but Handshake against the principal’s rate: past it RESOURCE_EXHAUSTED / FRAISEQL_RATE_LIMITED with retry-after, others unaffected', async () => {
    const jwt = await stack.jwt('rate-analyst', ORG_A);
    const client = new FlightClient(stack.server.address);
    try {
      // Handshakes are not counted: five of them leave the whole allowance.
      for (let i = 0; i < 5; i++) await client.handshake(jwt);
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, () =>
          client.listActions().then(
            () => 'ok',
            (e: unknown) => e as FraiseqlError,
          ),
        ),
      );
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(5);
      const refused = outcomes.filter((o): o is FraiseqlError => o !== 'ok');
      expect(refused).toHaveLength(3);
      for (const error of refused) {
        expect(error.code).toBe('FRAISEQL_RATE_LIMITED');
        expect(error.details?.grpcStatusName).toBe('RESOURCE_EXHAUSTED');
        expect(Number(retryAfterTrailer(error))).toBeGreaterThanOrEqual(1);
      }
      const other = await stack.client('calm-analyst', ORG_A);
      expect((await other.listActions()).length).toBeGreaterThan(0);
      expect(await redis.get(`${keyPrefix}:principal:${ORG_A}:rate-analyst`)).toBe('8');
      expect(await metric(registry, 'fraiseql_rate_limited_total', { limiter: 'principal' })).toBe(3);
    } finally {
      client.close();
    }
  }, 60_000);
});

describe('Flight limits: calls per client address, Handshake included (real flight-server, gRPC, Redis)', () => {
  let stack: FlightStack;
  let redis: Redis;
  const registry = new Registry();
  const keyPrefix = `fraiseql-test:flight-ip:${randomUUID()}`;

  beforeAll(async () => {
    stack = await startFlightStack({
      compiled: typedDatasetsSchema(),
      prepare: prepareTypedDatasets,
      limits: { rateLimits: { redisUrl: SHARED_REDIS, keyPrefix, ip: { requests: 3, windowS: 60 } }, registry },
    });
    redis = new Redis(SHARED_REDIS);
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    if (redis) {
      const keys = await redis.keys(`${keyPrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  it('bounds credential guessing: after three Handshakes with bad tokens the address is refused, even with a good one', async () => {
    const client = new FlightClient(stack.server.address);
    try {
      const outcome = (token: string) =>
        client.handshake(token).then(
          () => 'ok',
          (e: unknown) => (e as FraiseqlError).code,
        );
      expect([await outcome('bad.token.one'), await outcome('bad.token.two'), await outcome('bad.token.three')]).toEqual([
        'FRAISEQL_UNAUTHENTICATED',
        'FRAISEQL_UNAUTHENTICATED',
        'FRAISEQL_UNAUTHENTICATED',
      ]);
      expect(await outcome(await stack.jwt('guessed-right', ORG_A))).toBe('FRAISEQL_RATE_LIMITED');
      const counted = await redis.keys(`${keyPrefix}:ip:*`);
      expect(counted).toHaveLength(1);
      expect(counted[0]).toMatch(/:ip:(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
      expect(await redis.get(counted[0]!)).toBe('4');
      expect(await metric(registry, 'fraiseql_rate_limited_total', { limiter: 'ip' })).toBe(1);
    } finally {
      client.close();
    }
  }, 60_000);
});
