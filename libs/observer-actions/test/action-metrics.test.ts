import { Registry } from 'prom-client';
import { CIRCUIT_STATE_VALUE, createActionMetrics } from '../src';

describe('observer action metrics', () => {
  it('expose every action type and outcome at 0 before the first action, so dashboards show 0/s instead of no data', async () => {
    const registry = new Registry();
    createActionMetrics(registry);
    const text = await registry.metrics();
    for (const type of ['webhook', 'slack', 'email', 'sms', 'push', 'cache', 'publish', 'job'])
      for (const outcome of ['success', 'retryable', 'permanent'])
        expect(text).toContain(`fraiseql_observer_action_executed_total{action_type="${type}",outcome="${outcome}"} 0`);
    expect(text).toContain('fraiseql_observer_action_duration_seconds_count{action_type="webhook"} 0');
    expect(text).toContain('fraiseql_observer_actions_in_flight{action_type="email"} 0');
  });

  it('count the target hosts per circuit state at each scrape, 0 of each while no host is known', async () => {
    const registry = new Registry();
    const metrics = createActionMetrics(registry);
    const circuits = async () =>
      Object.fromEntries((await metrics.circuits.get()).values.map(({ labels, value }) => [String(labels.state), value]));
    expect(await circuits()).toEqual({ closed: 0, half_open: 0, open: 0 });
    metrics.circuitState.set({ host: 'a.example' }, CIRCUIT_STATE_VALUE.open);
    metrics.circuitState.set({ host: 'b.example' }, CIRCUIT_STATE_VALUE.closed);
    metrics.circuitState.set({ host: 'c.example' }, CIRCUIT_STATE_VALUE.halfOpen);
    metrics.circuitState.set({ host: 'd.example' }, CIRCUIT_STATE_VALUE.open);
    expect(await circuits()).toEqual({ closed: 1, half_open: 1, open: 2 });
    metrics.circuitState.remove({ host: 'a.example' });
    expect(await circuits()).toEqual({ closed: 1, half_open: 1, open: 1 });
  });
});
