import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { encodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import type { Gateway } from '@fraiseql/gateway';
import { eventSubject, STREAMS } from '@fraiseql/nats-contract';
import { createObserverWorker, secretsFromDirectory, type ObserverWorker } from '@fraiseql/observer-worker';
import type { QueryExecutor } from '@fraiseql/query-executor';
import { createLogger } from '@fraiseql/service-kit';
import { DEMO_ORG_IDS, migrateShop } from '@fraiseql/shop';
import {
  createTestDatabase,
  startNatsServer,
  startRedisServer,
  waitFor,
  type TestDatabase,
  type TestNatsServer,
  type TestRedisServer,
} from '@fraiseql/testkit';
import { graphql, jwtFor, startExecutor, startGateway } from './fixtures/services-in-process';

// The dead-letter queue over real HTTP (docs/adr/0105-admin-dead-letters-native-fields.md): a webhook the
// real observer-worker gives up on becomes a dead letter; an org admin lists it through the gateway
// (deadLetters, a native field the query-executor answers from FRAISEQL_DLQ) and replays it
// (replayDeadLetters → FRAISEQL_REPLAY → observer-worker's normal path): the receiver acts exactly once.

const SHOP_SCHEMA = join(__dirname, '../../examples/shop/schema.compiled.json');
const [ORG_1, ORG_2] = DEMO_ORG_IDS;
const CREATE = `mutation($input: CreateObserverInput!) { createObserver(input: $input) { __typename } }`;
const LIST = `query($rule: String) { deadLetters(filter: { rule: $rule }) { seq rule part errorCode entityId replayable } }`;
const REPLAY = `mutation($seqs: [Int!]!) { replayDeadLetters(input: { seqs: $seqs }) { replayed { seq duplicate } skipped { seq } } }`;

describe('dead letters over HTTP: observer-worker gives up → deadLetters → replayDeadLetters → delivered once', () => {
  let nats: TestNatsServer;
  let redis: TestRedisServer;
  let db: TestDatabase;
  let executor: QueryExecutor;
  let gateway: Gateway;
  let worker: ObserverWorker;
  let nc: NatsConnection;
  let receiver: Server;
  let receiverUrl: string;
  /** What the receiver answers, and every request it got (status it answered, Idempotency-Key). */
  let answer = 410;
  const received: Array<{ status: number; key: string }> = [];

  beforeAll(async () => {
    [nats, redis, db] = await Promise.all([startNatsServer(), startRedisServer(), createTestDatabase('wt_dlqgql_e2e')]);
    await migrateShop({ connectionString: db.url });
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push({ status: answer, key: String(req.headers['idempotency-key']) });
        res.statusCode = answer;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    executor = await startExecutor(
      { nats, db },
      { schemaSource: SHOP_SCHEMA, jetStream: {}, observerRules: { enabled: true, fullSyncIntervalMs: 60_000 } },
    );
    gateway = (await startGateway({ nats, db }, { schemaSource: SHOP_SCHEMA })).gateway;
    worker = await createObserverWorker({
      natsUrl: nats.url,
      schemaSource: SHOP_SCHEMA,
      redisUrl: redis.url,
      dedupTtlMs: 3_600_000,
      concurrency: 4,
      maxDeliver: 25,
      ackWaitMs: 30_000,
      maxAckPending: 100,
      defaultRetryPolicy: { initialIntervalMs: 100, backoff: 'fixed', maximumIntervalMs: 100, maximumAttempts: 3 },
      defaultTimeoutMs: 5000,
      allowTargets: ['127.0.0.1'],
      hostConcurrency: 4,
      circuitFailures: 50,
      circuitHalfOpenMs: 1000,
      smsBaseUrl: 'http://127.0.0.1:9',
      secrets: secretsFromDirectory(undefined, {}),
      logger: createLogger({ service: 'observer-worker', level: 'silent' }),
      registry: new Registry(),
    });
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await worker?.close();
    await gateway?.close();
    await executor?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    await redis?.dispose();
    await nats?.dispose();
    await db?.drop();
  });

  it('lists the letter the worker wrote for the org admin only, replays it, and the receiver acts once', async () => {
    const admin = await jwtFor({ sub: 'e2e-admin', org_id: ORG_1, roles: ['admin'] });
    const otherOrgAdmin = await jwtFor({ sub: 'e2e-admin-2', org_id: ORG_2, roles: ['dlq:admin'] });
    const created = await graphql(
      gateway,
      {
        query: CREATE,
        variables: {
          input: {
            name: 'shippedHook',
            rule: { entityType: 'Order', eventTypes: ['UPDATE'], actions: [{ type: 'webhook', url: receiverUrl }] },
          },
        },
      },
      { token: admin },
    );
    expect(created.body.data).toEqual({ createObserver: { __typename: 'CreateObserverSuccess' } });
    await waitFor(() => worker.rules.rules().some((r) => r.origin === 'admin' && r.rule.name === 'shippedHook'), 10_000);

    // An Order event of ORG_1 (PAID: the shop's own SHIPPED rules stay quiet): the receiver answers 410 (permanent),
    // so the worker dead-letters the part at once.
    const id = randomUUID();
    const event: EntityEvent = {
      event_id: randomUUID(),
      seq: 1,
      event_type: 'UPDATE',
      entity_type: 'Order',
      entity_id: id,
      org_id: ORG_1!,
      user_id: null,
      timestamp: '2026-12-05T10:00:00.000000Z',
      data: { id, status: 'PAID', total: 10, currency: 'EUR', itemCount: 1 },
      before: null,
      changed_fields: ['status'],
      schema_version: null,
    };
    await nc.jetstream().publish(eventSubject(ORG_1!, 'Order', 'UPDATE'), encodeEntityEvent(event), { msgID: event.event_id });
    const jsm = await nc.jetstreamManager();
    await waitFor(async () => (await jsm.streams.info(STREAMS.dlq)).state.messages === 1, 15_000);
    expect(received.map((r) => r.status)).toEqual([410]);

    const listed = await graphql(gateway, { query: LIST, variables: { rule: 'shippedHook' } }, { token: admin });
    expect(listed.body.errors).toBeUndefined();
    expect(listed.body.data.deadLetters).toEqual([
      expect.objectContaining({ rule: 'shippedHook', part: 'admin:shippedHook/0', entityId: id, replayable: true }),
    ]);
    const seq = listed.body.data.deadLetters[0].seq as number;
    expect((await graphql(gateway, { query: LIST }, { token: otherOrgAdmin })).body.data).toEqual({ deadLetters: [] });
    const foreign = await graphql(gateway, { query: REPLAY, variables: { seqs: [seq] } }, { token: otherOrgAdmin });
    expect(foreign.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_DEAD_LETTER_NOT_FOUND');

    // The receiver is fixed; the admin replays (twice: the second is a duplicate within JetStream's window).
    answer = 200;
    const replay = await graphql(gateway, { query: REPLAY, variables: { seqs: [seq] } }, { token: admin });
    expect(replay.body.data).toEqual({ replayDeadLetters: { replayed: [{ seq, duplicate: false }], skipped: [] } });
    await waitFor(() => received.some((r) => r.status === 200), 15_000);
    const again = await graphql(gateway, { query: REPLAY, variables: { seqs: [seq] } }, { token: admin });
    expect(again.body.data.replayDeadLetters.replayed).toEqual([{ seq, duplicate: true }]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(received.filter((r) => r.status === 200)).toHaveLength(1);
    // The same part, the same idempotency key as the attempt that failed: the receiver can tell it is one action.
    expect(new Set(received.map((r) => r.key)).size).toBe(1);
    // The replay that succeeded wrote no new letter; the replayed one stays (no remove).
    expect((await jsm.streams.info(STREAMS.dlq)).state.messages).toBe(1);
    expect((await graphql(gateway, { query: LIST }, { token: admin })).body.data.deadLetters).toHaveLength(1);
  });
});
