import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { waitFor } from '@fraiseql/testkit';
import { ActionDelivery, WebhookClient, type ActionOutcome } from '../src';
import { startLocalReceiver, type LocalReceiver } from './local-receiver';

const metricValue = async (registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> => {
  const metric = await registry.getSingleMetric(name)!.get();
  return metric.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value;
};

describe('circuit breaker per target host', () => {
  const HALF_OPEN_AFTER_MS = 400;
  let receiver: LocalReceiver;
  let mode: 'fail' | 'hold' | 'ok' = 'fail';
  let release: () => void = () => undefined;
  let registry: Registry;
  let delivery: ActionDelivery;
  let webhooks: WebhookClient;

  beforeAll(async () => {
    receiver = await startLocalReceiver(async (_req, res) => {
      if (mode === 'fail') return void res.writeHead(503).end('overloaded');
      if (mode === 'hold') await new Promise<void>((resolve) => (release = resolve));
      res.writeHead(200).end('ok');
    });
    registry = new Registry();
    delivery = new ActionDelivery({
      registry,
      ssrf: { allow: ['127.0.0.1/32'] },
      perHost: { failuresToOpen: 3, halfOpenAfterMs: HALF_OPEN_AFTER_MS },
    });
    webhooks = new WebhookClient(delivery);
  });

  afterAll(async () => {
    await delivery.close();
    await receiver.close();
  });

  const send = () => webhooks.deliver({ url: `${receiver.url}/hook`, body: '{}', idempotencyKey: 'cb-test' });
  const circuitMetric = () => metricValue(registry, 'fraiseql_observer_circuit_state', { host: receiver.host });

  it('opens after consecutive failures, short-circuits without reaching the receiver, half-opens after the cooldown, closes on success', async () => {
    for (let i = 0; i < 3; i++)
      expect(await send()).toMatchObject({ kind: 'retryable', code: 'FRAISEQL_ACTION_RECEIVER_ERROR', status: 503 });
    expect(delivery.circuitState(receiver.host)).toBe('open');
    expect(await circuitMetric()).toBe(2);

    const reached = receiver.requests.length;
    const refused = await send();
    expect(refused).toMatchObject({ kind: 'retryable', code: 'FRAISEQL_CIRCUIT_OPEN' });
    expect(refused.kind === 'retryable' && refused.retryAfterMs).toBeLessThanOrEqual(HALF_OPEN_AFTER_MS);
    expect(receiver.requests.length).toBe(reached);

    await sleep(HALF_OPEN_AFTER_MS + 100); // past the cooldown: the next call is the trial
    mode = 'hold';
    const trial = send();
    await waitFor(() => receiver.requests.length === reached + 1);
    expect(delivery.circuitState(receiver.host)).toBe('half-open');
    expect(await circuitMetric()).toBe(1);
    // A call made during the trial waits for its verdict instead of reaching the host alongside it.
    const during = send();
    await sleep(50);
    expect(receiver.requests.length).toBe(reached + 1);

    mode = 'ok';
    release();
    expect(await trial).toMatchObject({ kind: 'success', status: 200 });
    expect(await during).toMatchObject({ kind: 'success', status: 200 });
    expect(receiver.requests.length).toBe(reached + 2);
    expect(delivery.circuitState(receiver.host)).toBe('closed');
    expect(await circuitMetric()).toBe(0);
    expect(await send()).toMatchObject({ kind: 'success' });

    expect(
      await metricValue(registry, 'fraiseql_observer_action_errors_total', { action_type: 'webhook', error_type: 'FRAISEQL_CIRCUIT_OPEN' }),
    ).toBe(1);
    expect(await metricValue(registry, 'fraiseql_observer_action_executed_total', { action_type: 'webhook', outcome: 'retryable' })).toBe(
      4,
    );
    expect(await metricValue(registry, 'fraiseql_observer_action_executed_total', { action_type: 'webhook', outcome: 'success' })).toBe(3);
  });

  it('keeps the receiver-side 4xx out of the failure count: a host that rejects requests is not "down"', async () => {
    const rejecting = await startLocalReceiver((_req, res) => void res.writeHead(422).end('bad payload'));
    try {
      for (let i = 0; i < 5; i++) {
        expect(await webhooks.deliver({ url: `${rejecting.url}/x`, body: '{}', idempotencyKey: 'k' })).toMatchObject({ kind: 'permanent' });
      }
      expect(delivery.circuitState(rejecting.host)).toBe('closed');
    } finally {
      await rejecting.close();
    }
  });
});

describe('isolation between hosts', () => {
  it('a receiver that takes 5 s fills only its own slots: calls to another host complete first, an extra call to it is refused at once', async () => {
    let releaseSlow: () => void = () => undefined;
    const slowAnswered = new Promise<void>((resolve) => (releaseSlow = resolve));
    const slow = await startLocalReceiver(async (_req, res) => {
      await Promise.race([slowAnswered, sleep(5000)]);
      res.writeHead(200).end('slow');
    });
    const fast = await startLocalReceiver((_req, res) => void res.writeHead(200).end('fast'));
    const delivery = new ActionDelivery({
      registry: new Registry(),
      ssrf: { allow: ['127.0.0.1/32'] },
      perHost: { maxConcurrentPerHost: 2, maxQueuedPerHost: 0 },
    });
    const webhooks = new WebhookClient(delivery);
    const finished: string[] = [];
    const call = (name: string, receiver: LocalReceiver): Promise<ActionOutcome> =>
      webhooks.deliver({ url: `${receiver.url}/${name}`, body: '{}', idempotencyKey: name }).then((outcome) => {
        finished.push(name);
        return outcome;
      });
    try {
      const slowCalls = [call('slow-1', slow), call('slow-2', slow)];
      await waitFor(() => slow.requests.length === 2);
      const busy = await call('slow-3', slow);
      expect(busy).toMatchObject({ kind: 'retryable', code: 'FRAISEQL_ACTION_HOST_BUSY' });
      const fastOutcomes = await Promise.all([call('fast-1', fast), call('fast-2', fast)]);
      fastOutcomes.push(await call('fast-3', fast));
      for (const outcome of fastOutcomes) expect(outcome).toMatchObject({ kind: 'success' });
      const slowOutcomes = await Promise.all(slowCalls);
      for (const outcome of slowOutcomes) expect(outcome).toMatchObject({ kind: 'success' });

      expect(finished.slice(0, 4)).toEqual(['slow-3', ...finished.slice(1, 4)]);
      expect(finished.slice(1, 4).sort()).toEqual(['fast-1', 'fast-2', 'fast-3']);
      expect(finished.slice(4).sort()).toEqual(['slow-1', 'slow-2']);
      expect(slow.requests.map((r) => r.url).sort()).toEqual(['/slow-1', '/slow-2']); // the refused call never left
      expect(delivery.circuitState(slow.host)).toBe('closed'); // being busy is not failing
    } finally {
      releaseSlow();
      await delivery.close();
      await slow.close();
      await fast.close();
    }
  });
});
