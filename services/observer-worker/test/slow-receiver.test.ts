import { waitFor } from '@fraiseql/testkit';
import { fastRetry, ORG_A, orderEvent, startFleet, startReceiver, webhookRule, type Fleet, type Receiver } from './support';

/** A receiver that answers 200 after `delay.ms` (changed by the test), recording when each answer left. */
async function startSlowReceiver(delay: { ms: number }): Promise<Receiver & { answeredAt: number[] }> {
  const answeredAt: number[] = [];
  const receiver = await startReceiver((_request, response) => {
    setTimeout(() => {
      answeredAt.push(Date.now());
      response.end('ok');
    }, delay.ms);
  });
  return Object.assign(receiver, { answeredAt });
}

const FAST_RETRY = fastRetry(30);

describe('observer-worker: a slow receiver (real NATS JetStream, Redis, HTTP receivers)', () => {
  let fleet: Fleet;
  let fast: Receiver;
  let slow: Receiver & { answeredAt: number[] };
  const delay = { ms: 5000 };

  beforeEach(async () => {
    delay.ms = 5000;
    fast = await startReceiver();
    slow = await startSlowReceiver(delay);
  });

  afterEach(async () => {
    await fleet?.dispose();
    await fast.close();
    await slow.close();
  });

  it('does not hold up other rules: every fast action lands before the slow receiver answers once, and each slow one lands once later', async () => {
    // Few event slots and host slots, so that without deferral the slow rule would hold every event in hand.
    fleet = await startFleet({ concurrency: 4, hostConcurrency: 2, deferAfterMs: 300, circuitFailures: 50 });
    await fleet.putRule(ORG_A, webhookRule('quick', `${fast.url}/quick`));
    await fleet.putRule(ORG_A, webhookRule('sluggish', `${slow.url}/sluggish`, { timeoutMs: 20_000, retryPolicy: FAST_RETRY }));
    const events = Array.from({ length: 40 }, () => orderEvent());
    for (const event of events) await fleet.publish(event);

    await waitFor(() => fast.effects().size === 40, 20_000);
    const lastFast = Math.max(...fast.received.map((r) => r.at));
    // Ordering, not timing: the 40 fast calls all happened before the slow receiver had answered a single call.
    expect(slow.answeredAt.length === 0 || lastFast < slow.answeredAt[0]!).toBe(true);
    expect(await fleet.metric('fraiseql_observer_actions_deferred_total', { action_type: 'webhook' })).toBeGreaterThan(0);

    // The receiver recovers: every deferred action runs from the replay lane, once per event.
    delay.ms = 0;
    await waitFor(() => slow.effects().size === 40, 60_000);
    const slowKeys = [...slow.effects().keys()].sort();
    expect(slowKeys).toEqual(events.map((e) => `${e.event_id}:admin:sluggish/0`).sort());
    expect([...fast.effects().keys()].sort()).toEqual(events.map((e) => `${e.event_id}:admin:quick/0`).sort());
    // A fast action never ran twice (the deferred part alone went to the replay lane).
    expect(fast.received).toHaveLength(40);
    await waitFor(async () => (await fleet.metric('fraiseql_observer_backlog_size')) === 0, 20_000);
    expect(await fleet.deadLetters()).toEqual([]);
  }, 120_000);

  it("opens the host's circuit when calls keep timing out, and closes it once the receiver answers again", async () => {
    fleet = await startFleet({ concurrency: 8, hostConcurrency: 2, circuitFailures: 3, circuitHalfOpenMs: 1000 });
    const host = new URL(slow.url).host;
    await fleet.putRule(ORG_A, webhookRule('sluggish', `${slow.url}/sluggish`, { timeoutMs: 300, retryPolicy: FAST_RETRY }));
    const events = Array.from({ length: 5 }, () => orderEvent());
    for (const event of events) await fleet.publish(event);

    await waitFor(async () => (await fleet.metric('fraiseql_observer_circuit_state', { host })) === 2, 20_000);
    delay.ms = 0;
    await waitFor(async () => (await fleet.metric('fraiseql_observer_circuit_state', { host })) === 0, 20_000);
    await waitFor(() => slow.effects().size === 5, 30_000);
    expect([...slow.effects().keys()].sort()).toEqual(events.map((e) => `${e.event_id}:admin:sluggish/0`).sort());
    expect(await fleet.deadLetters()).toEqual([]);
  }, 90_000);
});
