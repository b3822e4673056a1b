import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { encodeEntityEvent } from '@fraiseql/events';
import {
  encodeObserverRuleEntry,
  eventSubject,
  observerRuleKey,
  openObserversBucket,
  provisionJetStream,
  STREAMS,
} from '@fraiseql/nats-contract';
import {
  freePort,
  startNatsServer,
  startRedisServer,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
  type TestNatsServer,
  type TestRedisServer,
} from '@fraiseql/testkit';
import { connect, type NatsConnection } from 'nats';
import { ORG_A, orderEvent, SHOP_SCHEMA, startReceiver, type Receiver } from './support';

const MAIN = join(__dirname, '../src/main.ts');
const EVENTS = 10_000;
const CONCURRENCY = 64;

describe('observer-worker killed with SIGKILL mid-burst (real process, NATS JetStream, Redis, HTTP receivers)', () => {
  let nats: TestNatsServer;
  let redis: TestRedisServer;
  let nc: NatsConnection;
  let first: Receiver;
  let second: Receiver;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    redis = await startRedisServer();
    nc = await connect({ servers: nats.url });
    await provisionJetStream(nc);
    first = await startReceiver();
    second = await startReceiver();
  });

  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await nc?.close();
    await first?.close();
    await second?.close();
    await redis?.dispose();
    await nats?.dispose();
  });

  const startWorker = async (): Promise<ServiceProcess> => {
    const opsPort = await freePort();
    const worker = startServiceProcess(MAIN, {
      FRAISEQL_NATS_URL: nats.url,
      FRAISEQL_REDIS_URL: redis.url,
      FRAISEQL_SCHEMA_SOURCE: SHOP_SCHEMA,
      FRAISEQL_OBSERVER_OPS_PORT: String(opsPort),
      FRAISEQL_OBSERVER_ALLOW_TARGETS: '127.0.0.1',
      FRAISEQL_OBSERVER_CONCURRENCY: String(CONCURRENCY),
      // A killed replica's events come back after this.
      FRAISEQL_OBSERVER_ACK_WAIT_MS: '2000',
      FRAISEQL_LOG_LEVEL: 'warn',
    });
    workers.push(worker);
    await waitFor(async () => {
      if (worker.child.exitCode !== null) throw new Error(`observer-worker exited: ${worker.stderr()}${worker.stdout()}`);
      return (await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => undefined))?.ok === true;
    }, 60_000);
    return worker;
  };

  it('does every action of 10,000 events under 3 rules once at the receivers, after a SIGKILL and a restart', async () => {
    const kv = await openObserversBucket(nc);
    const rules = [
      { name: 'toFirst', url: `${first.url}/one` },
      { name: 'toSecond', url: `${second.url}/two` },
      { name: 'paidOverTenToFirst', url: `${first.url}/three`, condition: "data.status == 'PAID' && data.total > 10.0" },
    ];
    for (const { name, url, condition } of rules) {
      const rule = {
        name,
        entityType: 'Order',
        eventTypes: ['UPDATE'],
        ...(condition ? { condition } : {}),
        actions: [{ type: 'webhook', url, bodyTemplate: '{"order": {{ entity_id }}, "event": {{ event_id }}}' }],
      };
      await kv.put(
        observerRuleKey(ORG_A, name),
        encodeObserverRuleEntry({
          id: randomUUID(),
          orgId: ORG_A,
          name,
          version: 1,
          enabled: true,
          rule,
          updatedAt: new Date().toISOString(),
        }),
      );
    }
    const js = nc.jetstream();
    const events = Array.from({ length: EVENTS }, () => orderEvent());
    for (let i = 0; i < events.length; i += 500) {
      await Promise.all(
        events
          .slice(i, i + 500)
          .map((e) => js.publish(eventSubject(e.org_id, e.entity_type, e.event_type), encodeEntityEvent(e), { msgID: e.event_id })),
      );
    }
    const expected = new Set(events.flatMap((e) => rules.map((r) => `${e.event_id}:admin:${r.name}/0`)));
    const done = (): number => first.effects().size + second.effects().size;

    const victim = await startWorker();
    await waitFor(() => done() >= expected.size / 5, 120_000);
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    const beforeRestart = done();
    expect(beforeRestart).toBeLessThan(expected.size); // killed mid-burst, not after

    const survivor = await startWorker();
    await waitFor(() => done() === expected.size, 240_000);
    const jsm = await nc.jetstreamManager();
    await waitFor(async () => {
      const info = await jsm.consumers.info(STREAMS.events, 'observer-worker');
      return info.num_pending + info.num_ack_pending === 0;
    }, 60_000);

    // Every action happened: exactly the expected (event, rule) keys, each body naming its own event.
    const effects = new Map([...first.effects(), ...second.effects()]);
    expect(effects.size).toBe(expected.size);
    for (const key of expected) expect(effects.has(key)).toBe(true);
    for (const [key, request] of effects) expect(JSON.parse(request.body).event).toBe(key.split(':')[0]);
    // None twice at the receivers: a call repeated with the same Idempotency-Key can only be one that was in flight when
    // the worker died (sent, its Redis mark not yet written) — at most the events in hand times their actions.
    const repeats = first.received.length + second.received.length - effects.size;
    expect(repeats).toBeLessThanOrEqual(CONCURRENCY * rules.length);
    const dlq = await jsm.streams.info(STREAMS.dlq);
    expect(dlq.state.messages).toBe(0);

    survivor.child.kill('SIGTERM');
    expect(await survivor.exited).toBe(0);
  }, 420_000);
});
