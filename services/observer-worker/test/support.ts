import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import {
  decodeDeadLetter,
  encodeObserverRuleEntry,
  eventSubject,
  observerRuleKey,
  openObserversBucket,
  provisionJetStream,
  STREAMS,
  type DeadLetter,
} from '@fraiseql/nats-contract';
import { createLogger, type LogLevel } from '@fraiseql/service-kit';
import { startNatsServer, startRedisServer, waitFor, type TestNatsServer, type TestRedisServer } from '@fraiseql/testkit';
import { connect, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { createObserverWorker, secretsFromDirectory, type ObserverWorker, type ObserverWorkerOptions } from '../src';

export const SHOP_SCHEMA = join(__dirname, '../../../examples/shop/schema.compiled.json');
export const ORG_A = '0b7f3a44-0000-4000-8000-00000000000a';
export const ORG_B = '0b7f3a44-0000-4000-8000-00000000000b';

/** An Order event of the demo shop (fields as its compiled schema declares them). */
export function orderEvent(overrides: Partial<EntityEvent> = {}): EntityEvent {
  const id = randomUUID();
  return {
    event_id: randomUUID(),
    seq: 1,
    event_type: 'UPDATE',
    entity_type: 'Order',
    entity_id: id,
    org_id: ORG_A,
    user_id: null,
    timestamp: '2026-12-05T10:00:00.000000Z',
    data: { id, status: 'PAID', total: 42.5, currency: 'EUR', itemCount: 2, customer: { name: 'Ada', email: 'ada@example.com' } },
    before: { id, status: 'PENDING', total: 42.5, currency: 'EUR', itemCount: 2 },
    changed_fields: ['status'],
    schema_version: null,
    ...overrides,
  };
}

export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Requests whose Idempotency-Key was new: what a receiver that honours the key would act on. */
  effects(): Map<string, Received>;
  close(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1 that records every request and answers with `answer`. */
export async function startReceiver(
  answer: (request: Received, response: ServerResponse) => void | Promise<void> = (_r, res) => {
    res.end('ok');
  },
): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      received.push(r);
      void answer(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    effects() {
      const first = new Map<string, Received>();
      for (const r of received) {
        const key = String(r.headers['idempotency-key']);
        if (!first.has(key)) first.set(key, r);
      }
      return first;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Fleet {
  nats: TestNatsServer;
  redis: TestRedisServer;
  nc: NatsConnection;
  registry: Registry;
  worker: ObserverWorker;
  publish(event: EntityEvent): Promise<void>;
  putRule(orgId: string, rule: Record<string, unknown>, options?: { enabled?: boolean; version?: number }): Promise<void>;
  deleteRule(orgId: string, name: string): Promise<void>;
  deadLetters(): Promise<(DeadLetter & { seq: number })[]>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  dispose(): Promise<void>;
}

/** A private NATS and Redis, and an observer-worker in this process over the demo shop's compiled schema. */
export async function startFleet(overrides: Partial<ObserverWorkerOptions> = {}): Promise<Fleet> {
  const nats = await startNatsServer();
  const redis = await startRedisServer();
  const nc = await connect({ servers: nats.url });
  await provisionJetStream(nc);
  const registry = new Registry();
  const secretsDir = mkdtempSync(join(tmpdir(), 'observer-worker-secrets-'));
  writeFileSync(join(secretsDir, 'receiver-token'), 'Bearer receiver-token-5678\n');
  const worker = await createObserverWorker({
    natsUrl: nats.url,
    schemaSource: SHOP_SCHEMA,
    redisUrl: redis.url,
    dedupTtlMs: 3_600_000,
    concurrency: 16,
    maxDeliver: 25,
    ackWaitMs: 30_000,
    maxAckPending: 1000,
    defaultRetryPolicy: { initialIntervalMs: 100, backoff: 'fixed', maximumIntervalMs: 100, maximumAttempts: 5 },
    defaultTimeoutMs: 5000,
    allowTargets: ['127.0.0.1'],
    hostConcurrency: 8,
    circuitFailures: 50,
    circuitHalfOpenMs: 1000,
    smsBaseUrl: 'http://127.0.0.1:9',
    secrets: secretsFromDirectory(secretsDir, { WEBHOOK_SIGNING: 'test-signing-key-1234' }),
    logger: createLogger({ service: 'observer-worker-test', level: (process.env.TEST_LOG_LEVEL ?? 'silent') as LogLevel }),
    registry,
    ...overrides,
  });
  const kv = await openObserversBucket(nc);
  const js = nc.jetstream();
  return {
    nats,
    redis,
    nc,
    registry,
    worker,
    async publish(event) {
      await js.publish(eventSubject(event.org_id, event.entity_type, event.event_type), encodeEntityEvent(event), {
        msgID: event.event_id,
      });
    },
    async putRule(orgId, rule, options = {}) {
      const name = String(rule.name);
      const key = observerRuleKey(orgId, name);
      const entry = {
        id: randomUUID(),
        orgId,
        name,
        version: options.version ?? 1,
        enabled: options.enabled ?? true,
        rule,
        updatedAt: new Date().toISOString(),
      };
      const revision = await kv.put(key, encodeObserverRuleEntry(entry));
      await waitFor(() => worker.rules.rules().some((r) => r.origin === 'admin' && r.rule.name === name && r.revision === revision), 5000);
    },
    async deleteRule(orgId, name) {
      await kv.delete(observerRuleKey(orgId, name));
      await waitFor(() => !worker.rules.rules().some((r) => r.origin === 'admin' && r.rule.name === name), 5000);
    },
    async deadLetters() {
      const jsm = await nc.jetstreamManager();
      const { first_seq, last_seq, messages } = (await jsm.streams.info(STREAMS.dlq)).state;
      const letters: (DeadLetter & { seq: number })[] = [];
      if (messages === 0) return letters;
      for (let seq = first_seq; seq <= last_seq; seq++) {
        letters.push({ ...decodeDeadLetter((await jsm.streams.getMessage(STREAMS.dlq, { seq })).data), seq });
      }
      return letters;
    },
    async metric(name, labels = {}) {
      const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
      const values = (metric?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
      return values
        .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
        .reduce((sum, v) => sum + v.value, 0);
    },
    async dispose() {
      await worker.close();
      await nc.close();
      await redis.dispose();
      await nats.dispose();
      rmSync(secretsDir, { recursive: true, force: true });
    },
  };
}

/** A retry policy for tests: fixed 200 ms, `maximumAttempts` as given. */
export function fastRetry(maximumAttempts: number): Record<string, unknown> {
  return { initialIntervalMs: 200, backoff: 'fixed', backoffCoefficient: 1, maximumIntervalMs: 200, jitter: 0, maximumAttempts };
}

/** A webhook rule of the demo shop's Order entity, posting to `url`. */
export function webhookRule(name: string, url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    entityType: 'Order',
    eventTypes: ['UPDATE'],
    actions: [{ type: 'webhook', url, signingSecret: { env: 'WEBHOOK_SIGNING' } }],
    ...extra,
  };
}
