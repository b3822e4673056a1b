import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ActionOutcome, ActionType } from './action-outcome';

/** From 5 ms to 30 s: an action is an HTTP call, an SMTP transaction or a Redis/NATS round trip. */
export const ACTION_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Every action type, whose series start at 0 (a dashboard shows an idle type as 0/s rather than no data). */
export const ACTION_TYPES: readonly ActionType[] = ['webhook', 'slack', 'email', 'sms', 'push', 'cache', 'publish', 'job'];
const OUTCOMES: readonly ActionOutcome['kind'][] = ['success', 'retryable', 'permanent'];

/** The values of `fraiseql_observer_circuit_state`. */
export const CIRCUIT_STATE_VALUE = { closed: 0, halfOpen: 1, open: 2 } as const;

export interface ActionMetrics {
  /** `fraiseql_observer_action_executed_total{action_type,outcome}`; outcome = success | retryable | permanent. */
  executed: Counter<'action_type' | 'outcome'>;
  /** `fraiseql_observer_action_duration_seconds{action_type}` */
  duration: Histogram<'action_type'>;
  /** `fraiseql_observer_action_errors_total{action_type,error_type}`; error_type = the outcome's code (docs/errors.md). */
  errors: Counter<'action_type' | 'error_type'>;
  /** `fraiseql_observer_actions_in_flight{action_type}` */
  inFlight: Gauge<'action_type'>;
  /** `fraiseql_observer_circuit_state{host}`: 0 closed, 1 half-open, 2 open. */
  circuitState: Gauge<'host'>;
  /** `fraiseql_observer_circuits{state}`: hosts whose circuit is closed, half_open or open (read from circuitState). */
  circuits: Gauge<'state'>;
  /** Counts `run` in flight, then records its outcome and duration. */
  track(actionType: ActionType, run: () => Promise<ActionOutcome>): Promise<ActionOutcome>;
}

/** The observer action metrics, registered on the registry the service passes in (never prom-client's global one). */
export function createActionMetrics(registry: Registry): ActionMetrics {
  const registers = [registry];
  const executed = new Counter({
    name: 'fraiseql_observer_action_executed_total',
    help: 'Observer actions executed, by action type and outcome (success, retryable, permanent).',
    labelNames: ['action_type', 'outcome'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'fraiseql_observer_action_duration_seconds',
    help: 'Time to execute one observer action (every outcome), in seconds.',
    labelNames: ['action_type'] as const,
    buckets: ACTION_DURATION_BUCKETS,
    registers,
  });
  const errors = new Counter({
    name: 'fraiseql_observer_action_errors_total',
    help: 'Observer actions that did not succeed, by action type and error code (docs/errors.md).',
    labelNames: ['action_type', 'error_type'] as const,
    registers,
  });
  const inFlight = new Gauge({
    name: 'fraiseql_observer_actions_in_flight',
    help: 'Observer actions executing now, by action type.',
    labelNames: ['action_type'] as const,
    registers,
  });
  const circuitState = new Gauge({
    name: 'fraiseql_observer_circuit_state',
    help: 'Circuit breaker state per target host: 0 closed, 1 half-open, 2 open.',
    labelNames: ['host'] as const,
    registers,
  });
  // Counted from circuitState on each scrape, so that "any circuit open?" has a series (0) while no host has one.
  const circuits = new Gauge({
    name: 'fraiseql_observer_circuits',
    help: 'Target hosts whose circuit breaker is in each state (closed, half_open, open).',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      const counts = { closed: 0, half_open: 0, open: 0 };
      for (const { value } of (await circuitState.get()).values) {
        if (value === CIRCUIT_STATE_VALUE.open) counts.open += 1;
        else if (value === CIRCUIT_STATE_VALUE.halfOpen) counts.half_open += 1;
        else counts.closed += 1;
      }
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });
  for (const actionType of ACTION_TYPES) {
    for (const outcome of OUTCOMES) executed.inc({ action_type: actionType, outcome }, 0);
    duration.zero({ action_type: actionType });
    inFlight.set({ action_type: actionType }, 0);
  }
  return {
    executed,
    duration,
    errors,
    inFlight,
    circuitState,
    circuits,
    async track(actionType, run) {
      const began = process.hrtime.bigint();
      inFlight.inc({ action_type: actionType });
      try {
        const outcome = await run();
        executed.inc({ action_type: actionType, outcome: outcome.kind });
        if (outcome.kind !== 'success') errors.inc({ action_type: actionType, error_type: outcome.code });
        return outcome;
      } finally {
        inFlight.dec({ action_type: actionType });
        duration.observe({ action_type: actionType }, Number(process.hrtime.bigint() - began) / 1e9);
      }
    },
  };
}
