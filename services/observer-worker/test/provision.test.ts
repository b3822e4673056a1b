import { join } from 'node:path';
import { connect, nanos, type NatsConnection } from 'nats';
import { CONSUMERS, KV_BUCKETS, provisionJetStream, STREAMS } from '@fraiseql/nats-contract';
import {
  freePort,
  jetStreamDurableState,
  runServiceProcessToEnd,
  startNatsServer,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
  type TestNatsServer,
} from '@fraiseql/testkit';
import { SHOP_SCHEMA } from './support';

// `node service/provision.js` of observer-worker (src/provision.ts, its own process, the service's environment) on a
// private JetStream where the query-executor already provisioned the streams with its own retention: twice (the second
// changes nothing, the executor's settings are kept), then the worker itself starts on its provisioned consumers and
// changes nothing; an unreachable NATS fails the run with FRAISEQL_PROVISION_FAILED once the time bound has passed.

const PROVISION = join(__dirname, '../src/provision.ts');
const MAIN = join(__dirname, '../src/main.ts');
const DAY_MS = 86_400_000;

describe('observer-worker provision (src/provision.ts)', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  const processes: ServiceProcess[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await nc?.close();
    await nats?.dispose();
  });

  const env = (): Record<string, string> => ({
    FRAISEQL_NATS_URL: nats.url,
    FRAISEQL_OBSERVER_MAX_DELIVER: '7',
    FRAISEQL_OBSERVER_ACK_WAIT_MS: '45s',
    FRAISEQL_OBSERVER_MAX_ACK_PENDING: '500',
    FRAISEQL_LOG_LEVEL: 'info',
  });

  it("creates its two durable consumers with the worker's settings, keeps the executor's stream settings; a second run and the worker's start change nothing", async () => {
    // The query-executor's provisioning, with a retention that is not the contract's default.
    await provisionJetStream(nc, { events: { maxAgeMs: 3 * DAY_MS } });

    const first = await runServiceProcessToEnd(PROVISION, env());
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    const done = first.lines.find((l) => l.msg === 'observer-worker provisioned')!;
    expect(Object.values(done.streams as object)).toEqual(Array(5).fill('unchanged'));
    expect(Object.values(done.buckets as object)).toEqual(Array(4).fill('unchanged'));
    expect(done.consumers).toEqual({ [CONSUMERS.observerWorker]: 'created', [CONSUMERS.observerWorkerReplay]: 'created' });

    const state = await jetStreamDurableState(nc);
    expect(state.streams[STREAMS.events]).toMatchObject({ max_age: nanos(3 * DAY_MS) });
    expect(Object.keys(state.consumers).sort()).toEqual([
      `${STREAMS.events}/${CONSUMERS.observerWorker}`,
      `${STREAMS.replay}/${CONSUMERS.observerWorkerReplay}`,
    ]);
    for (const consumer of Object.values(state.consumers)) {
      expect(consumer).toMatchObject({ ack_policy: 'explicit', max_deliver: 7, max_ack_pending: 500, backoff: [nanos(45_000)] });
    }
    expect(state.consumers[`${STREAMS.events}/${CONSUMERS.observerWorker}`]).toMatchObject({ filter_subject: 'fraiseql.v1.events.>' });
    expect(state.consumers[`${STREAMS.replay}/${CONSUMERS.observerWorkerReplay}`]).toMatchObject({
      filter_subject: 'fraiseql.v1.replay.observer-worker.>',
    });
    expect(Object.keys(state.streams)).toEqual(expect.arrayContaining([`KV_${KV_BUCKETS.observers}`, `KV_${KV_BUCKETS.schema}`]));

    const second = await runServiceProcessToEnd(PROVISION, env());
    expect(second.code).toBe(0);
    const again = second.lines.find((l) => l.msg === 'observer-worker provisioned')!;
    expect(again.consumers).toEqual({ [CONSUMERS.observerWorker]: 'unchanged', [CONSUMERS.observerWorkerReplay]: 'unchanged' });
    expect(await jetStreamDurableState(nc)).toEqual(state);

    const opsPort = await freePort();
    const worker = startServiceProcess(MAIN, {
      ...env(),
      FRAISEQL_SCHEMA_SOURCE: SHOP_SCHEMA,
      FRAISEQL_OBSERVER_DEDUP: 'false',
      FRAISEQL_OBSERVER_OPS_PORT: String(opsPort),
    });
    processes.push(worker);
    await waitFor(() => worker.stdout().includes('"observer-worker started"') || worker.child.exitCode !== null, 60_000);
    expect(worker.stdout()).toContain('"observer-worker started"');
    expect(await jetStreamDurableState(nc)).toEqual(state);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 120_000);

  it('retries an unreachable NATS on a schedule, then exits 1 with FRAISEQL_PROVISION_FAILED once its time bound has passed', async () => {
    const closedPort = await freePort();
    const failed = await runServiceProcessToEnd(PROVISION, {
      ...env(),
      FRAISEQL_NATS_URL: `nats://127.0.0.1:${closedPort}`,
      FRAISEQL_OBSERVER_PROVISION_TIMEOUT_MS: '3000',
    });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /^observer-worker provision failed: FRAISEQL_PROVISION_FAILED: observer-worker provision: not done within 3000 ms/,
    );
    const retries = failed.lines.filter((l) => l.msg === 'observer-worker provision: attempt failed, retrying');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(failed.lines.at(-1)).toMatchObject({ msg: 'observer-worker provision failed', code: 'FRAISEQL_PROVISION_FAILED' });
  }, 60_000);
});
