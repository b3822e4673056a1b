/**
 * `npm run bench:observers` — observer-worker delivery against the raw consume+ack rate of the same stream,
 * side by side in one run (issue 9).
 *
 * A private nats-server (streams provisioned) and redis-server, a fast local webhook receiver in this process,
 * and the built observer-worker (services/observer-worker/dist/main.js) as a child process reading the demo
 * shop's compiled schema and admin rules from FRAISEQL_OBSERVERS. Per scenario the events are published first,
 * then the worker starts on a fresh consumer; the rate is counted at the receiver, first call to last.
 * - raw: a durable pull consumer on the same events that acks each message (no work), this process; run first
 *   and last, the ratios use their mean;
 * - N rules: N webhook rules on Order UPDATE, every event matches all of them;
 * - slow neighbour: 10 fast rules plus one rule whose receiver takes 5 s per call (another port: another host
 *   to the worker's isolation), against the 10-rule rate without it.
 * Ratios go to docs/benchmarks.md between the bench:observers markers.
 *
 * Usage: npx tsx bench/observers/run.ts [--quick] [--actions 10000] [--rules 1,10,100] (see --help)
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { AckPolicy, connect, DeliverPolicy, type JetStreamManager, type NatsConnection } from 'nats';
import { encodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import {
  CONSUMERS,
  encodeObserverRuleEntry,
  eventSubject,
  observerRuleKey,
  openObserversBucket,
  provisionJetStream,
  STREAMS,
} from '@fraiseql/nats-contract';
import { freePort, startNatsServer, startRedisServer, type TestNatsServer, type TestRedisServer } from '@fraiseql/testkit';
import { benchChildEnv } from '../lib/bench-child-env';
import { BenchChildren, type BenchChild } from '../lib/child-processes';
import { updateBenchmarksDoc, type BenchmarkSection } from '../lib/update-benchmarks-doc';
import { waitReady } from '../lib/wait-ready';
import { parseObserversBenchOptions, type ObserversBenchOptions } from './observers-options';
import { renderObserversMarkdown, type ScenarioResult } from './observers-report';

const root = resolve(__dirname, '../..');
const SECTION: BenchmarkSection = {
  name: 'observers',
  heading: '## Observers: actions delivered against the raw consume rate (issue 9)',
  command: 'npm run bench:observers',
  script: 'bench/observers/run.ts',
};
const ORG = '0b7f3a44-0000-4000-8000-00000000be0c';
const log = (line: string): void => {
  process.stdout.write(`[bench:observers] ${line}\n`);
};

/** A webhook receiver that counts distinct Idempotency-Keys per path prefix and answers after `delayMs`. */
class Receiver {
  readonly keys = new Set<string>();
  firstAt = 0;
  lastAt = 0;
  private server: Server | undefined;
  url = '';

  constructor(private readonly delayMs: number) {}

  async start(host: string): Promise<void> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const answer = (): void => {
          const key = String(req.headers['idempotency-key']);
          const now = performance.now();
          if (!this.keys.has(key)) {
            this.keys.add(key);
            if (this.firstAt === 0) this.firstAt = now;
            this.lastAt = now;
          }
          res.statusCode = 204;
          res.end();
        };
        if (this.delayMs > 0) setTimeout(answer, this.delayMs);
        else answer();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((done) => this.server!.listen(0, host, done));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.keys.clear();
    this.firstAt = 0;
    this.lastAt = 0;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }
}

function orderEvent(): EntityEvent {
  const id = randomUUID();
  return {
    event_id: randomUUID(),
    seq: 1,
    event_type: 'UPDATE',
    entity_type: 'Order',
    entity_id: id,
    org_id: ORG,
    user_id: null,
    timestamp: new Date().toISOString().replace('Z', '000Z'),
    data: { id, status: 'PAID', total: 42.5, currency: 'EUR', itemCount: 2, customer: { name: 'Ada', email: 'ada@example.com' } },
    before: { id, status: 'PENDING', total: 42.5, currency: 'EUR', itemCount: 2 },
    changed_fields: ['status'],
    schema_version: null,
  };
}

function webhookRule(name: string, url: string): Record<string, unknown> {
  return {
    name,
    entityType: 'Order',
    eventTypes: ['UPDATE'],
    condition: "changed_to('status', 'PAID') && data.total > 0",
    actions: [{ type: 'webhook', url, bodyTemplate: '{"order": {{ entity_id }}, "status": {{ data.status }}}' }],
    timeoutMs: 15_000,
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function main(): Promise<void> {
  const options = parseObserversBenchOptions(process.argv.slice(2));
  const children = new BenchChildren('observers');
  let nats: TestNatsServer | undefined;
  let redis: TestRedisServer | undefined;
  let nc: NatsConnection | undefined;
  const fast = new Receiver(0);
  const slow = new Receiver(options.slowMs);
  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> =>
    (cleaning ??= (async () => {
      await children.stopAll();
      await nc?.close().catch(() => undefined);
      await fast.close().catch(() => undefined);
      await slow.close().catch(() => undefined);
      await redis?.dispose().catch(() => undefined);
      await nats?.dispose().catch(() => undefined);
    })());
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping every server`);
      void cleanUp().finally(() => process.exit(code));
    });
  }
  for (const orphan of children.reapOrphans()) log(`stopped a server left over by an earlier run: ${orphan}`);

  try {
    nats = await startNatsServer();
    redis = await startRedisServer();
    nc = await connect({ servers: nats.url });
    await provisionJetStream(nc);
    const jsm = await nc.jetstreamManager();
    const kv = await openObserversBucket(nc);
    await fast.start('127.0.0.1');
    await slow.start('127.0.0.1');

    const publish = async (count: number): Promise<void> => {
      const js = nc!.jetstream();
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < count; i++) {
        const event = orderEvent();
        pending.push(
          js.publish(eventSubject(event.org_id, event.entity_type, event.event_type), encodeEntityEvent(event), { msgID: event.event_id }),
        );
        if (pending.length >= 1000) await Promise.all(pending.splice(0));
      }
      await Promise.all(pending);
    };
    const reset = async (): Promise<void> => {
      for (const consumer of [CONSUMERS.observerWorker, 'bench-raw'])
        await jsm.consumers.delete(STREAMS.events, consumer).catch(() => undefined);
      await jsm.consumers.delete(STREAMS.replay, CONSUMERS.observerWorkerReplay).catch(() => undefined);
      for (const stream of [STREAMS.events, STREAMS.dlq, STREAMS.replay]) await jsm.streams.purge(stream);
      // Keys first, purges after: purging while the keys() iterator runs ends it early, and a rule left over from
      // the previous scenario (the 100-rule one's, for instance) would keep firing in the next.
      const keys = async (): Promise<string[]> => {
        const found: string[] = [];
        for await (const key of await kv.keys()) found.push(key);
        return found;
      };
      for (const key of await keys()) await kv.purge(key);
      const left = await keys();
      if (left.length > 0) throw new Error(`FRAISEQL_OBSERVERS still holds ${left.length} rule(s) after the reset: ${left.join(', ')}`);
      fast.reset();
      slow.reset();
    };

    const raw = async (label: string): Promise<ScenarioResult> => {
      await reset();
      await publish(options.actions);
      log(`${label}: ${options.actions} events published; consuming`);
      return rawConsume(jsm, nc!, label, options);
    };

    const observe = async (label: string, fastRules: number, withSlow: boolean): Promise<ScenarioResult> => {
      await reset();
      const events = Math.max(50, Math.round(options.actions / fastRules));
      for (let i = 0; i < fastRules; i++) {
        const name = `benchFast${i}`;
        await kv.put(
          observerRuleKey(ORG, name),
          encodeObserverRuleEntry({
            id: randomUUID(),
            orgId: ORG,
            name,
            version: 1,
            enabled: true,
            rule: webhookRule(name, `${fast.url}/fast/${i}`),
            updatedAt: new Date().toISOString(),
          }),
        );
      }
      if (withSlow) {
        const name = 'benchSlow';
        const entry = { id: randomUUID(), orgId: ORG, name, version: 1, enabled: true, updatedAt: new Date().toISOString() };
        await kv.put(observerRuleKey(ORG, name), encodeObserverRuleEntry({ ...entry, rule: webhookRule(name, `${slow.url}/slow`) }));
      }
      await publish(events);
      log(`${label}: ${events} events published, ${fastRules} fast rule(s)${withSlow ? ' and the slow one' : ''}; starting the worker`);
      const expected = events * fastRules;
      const worker = await startWorker(children, nats!.url, redis!.url, options);
      const cpuBefore = cpuSeconds(worker.pid);
      const started = performance.now();
      const deadline = started + options.windowSeconds * 1000;
      while (fast.keys.size < expected && performance.now() < deadline) {
        if (worker.process.exitCode !== null || worker.process.signalCode !== null) {
          throw new Error(`observer-worker exited during the benchmark:\n${worker.recentOutput()}`);
        }
        await sleep(20);
      }
      const complete = fast.keys.size >= expected;
      const end = complete ? fast.lastAt : performance.now();
      const cpu = cpuSeconds(worker.pid) - cpuBefore;
      const delivered = fast.keys.size;
      const seconds = (end - fast.firstAt) / 1000;
      const slowDelivered = slow.keys.size;
      const counters = await workerCounters(worker.opsPort);
      await stopWorker(worker, options.cpuProf !== undefined);
      const result: ScenarioResult = {
        label,
        rules: fastRules,
        events,
        actions: delivered,
        expected,
        complete,
        seconds,
        perSecond: delivered > 1 ? (delivered - 1) / seconds : 0,
        cpuMsPerAction: delivered > 0 ? (cpu * 1000) / delivered : 0,
        ...(withSlow ? { slowDelivered } : {}),
        deferred: counters.fraiseql_observer_actions_deferred_total ?? 0,
        redelivered: counters.fraiseql_observer_events_redelivered_total ?? 0,
      };
      log(describe(result));
      return result;
    };

    const results: ScenarioResult[] = [];
    results.push(await raw('raw (first)'));
    for (const rules of options.rules) results.push(await observe(`${rules} rule${rules === 1 ? '' : 's'}`, rules, false));
    results.push(await observe(`${options.slowNeighbourRules} rules + 1 slow receiver`, options.slowNeighbourRules, true));
    if (!options.rules.includes(options.slowNeighbourRules)) {
      results.push(await observe(`${options.slowNeighbourRules} rules`, options.slowNeighbourRules, false));
    }
    results.push(await raw('raw (last)'));

    const markdown = renderObserversMarkdown(results, options, {
      cpus: cpus().length,
      node: process.version,
      command: `npx tsx bench/observers/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    });
    process.stdout.write(`\n${markdown}\n`);
    if (options.writeDocs) {
      updateBenchmarksDoc(join(root, 'docs/benchmarks.md'), SECTION, markdown);
      log('docs/benchmarks.md updated');
    }
  } finally {
    await cleanUp();
  }
}

/** Sums of the worker's counters, by metric name (labels summed), read from its /metrics. */
async function workerCounters(opsPort: number): Promise<Record<string, number>> {
  const sums: Record<string, number> = {};
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+_total)(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (match) sums[match[1]!] = (sums[match[1]!] ?? 0) + Number(match[2]);
  }
  return sums;
}

function describe(r: ScenarioResult): string {
  const slowPart =
    (r.slowDelivered === undefined ? '' : `, slow receiver got ${r.slowDelivered}`) +
    (r.rules === 0 ? '' : `, ${r.deferred ?? 0} deferred, ${r.redelivered ?? 0} redelivered`);
  return `${r.label}: ${r.actions}/${r.expected} in ${r.seconds.toFixed(2)} s = ${r.perSecond.toFixed(0)}/s${
    r.complete ? '' : ' (window ended)'
  }, ${r.cpuMsPerAction.toFixed(3)} CPU ms each${slowPart}`;
}

/** The same events consumed and acked with no work: what JetStream and nats.js cost alone, in this process. */
async function rawConsume(
  jsm: JetStreamManager,
  nc: NatsConnection,
  label: string,
  options: ObserversBenchOptions,
): Promise<ScenarioResult> {
  await jsm.consumers.add(STREAMS.events, {
    durable_name: 'bench-raw',
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: 1000,
  });
  const consumer = await nc.jetstream().consumers.get(STREAMS.events, 'bench-raw');
  const cpuBefore = process.cpuUsage();
  let count = 0;
  let firstAt = 0;
  let lastAt = 0;
  const messages = await consumer.consume({ max_messages: options.concurrency });
  for await (const msg of messages) {
    msg.ack();
    lastAt = performance.now();
    if (count++ === 0) firstAt = lastAt;
    if (count >= options.actions) break;
  }
  const cpu = process.cpuUsage(cpuBefore);
  // Leaving the loop stopped the pull; awaiting close() here would wait for a pull that never ends.
  messages.stop();
  const seconds = (lastAt - firstAt) / 1000;
  const result: ScenarioResult = {
    label,
    rules: 0,
    events: options.actions,
    actions: count,
    expected: options.actions,
    complete: true,
    seconds,
    perSecond: (count - 1) / seconds,
    cpuMsPerAction: (cpu.user + cpu.system) / 1000 / count,
  };
  log(describe(result));
  return result;
}

async function startWorker(
  children: BenchChildren,
  natsUrl: string,
  redisUrl: string,
  options: ObserversBenchOptions,
): Promise<BenchChild & { opsPort: number }> {
  const opsPort = await freePort();
  const worker = children.start('observer-worker', process.execPath, {
    args: [
      ...(options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProf}`] : []),
      join(root, 'services/observer-worker/dist/main.js'),
    ],
    cwd: root,
    env: {
      ...benchChildEnv(),
      NODE_ENV: 'production',
      FRAISEQL_LOG_LEVEL: process.env.BENCH_WORKER_LOG_LEVEL ?? 'warn',
      FRAISEQL_NATS_URL: natsUrl,
      FRAISEQL_REDIS_URL: redisUrl,
      FRAISEQL_SCHEMA_SOURCE: join(root, 'examples/shop/schema.compiled.json'),
      FRAISEQL_OBSERVER_OPS_PORT: String(opsPort),
      FRAISEQL_OBSERVER_ALLOW_TARGETS: '127.0.0.1',
      FRAISEQL_OBSERVER_CONCURRENCY: String(options.concurrency),
    },
  });
  await waitReady(worker, opsPort);
  return Object.assign(worker, { opsPort });
}

async function stopWorker(worker: BenchChild, graceful: boolean): Promise<void> {
  if (worker.process.exitCode !== null || worker.process.signalCode !== null) return;
  const exited = new Promise((done) => worker.process.once('exit', done));
  // SIGTERM lets a profiled worker write its profile (its drain gives up on the slow receiver after the deadline).
  worker.process.kill(graceful ? 'SIGTERM' : 'SIGKILL');
  await exited;
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench:observers] ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
