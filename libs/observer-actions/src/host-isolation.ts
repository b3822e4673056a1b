import {
  BrokenCircuitError,
  bulkhead,
  BulkheadRejectedError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhenResult,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { LRUCache } from 'lru-cache';
import type { Gauge } from 'prom-client';
import { retryable, type ActionOutcome } from './action-outcome';
import { CIRCUIT_STATE_VALUE } from './action-metrics';

export interface HostIsolationOptions {
  /** Actions running at once against one host (the bulkhead; also undici's connections per origin). Default 8. */
  maxConcurrentPerHost?: number;
  /** Actions waiting for a slot of one host; beyond it FRAISEQL_ACTION_HOST_BUSY. Default 64. */
  maxQueuedPerHost?: number;
  /** Consecutive retryable failures of one host that open its circuit. Default 5. */
  failuresToOpen?: number;
  /** How long an open circuit refuses before it lets one trial action through (half-open). Default 30 000. */
  halfOpenAfterMs?: number;
  /** Hosts whose state is kept (least recently used forgotten first, its metric series removed). Default 10 000. */
  maxHosts?: number;
}

export type CircuitStateName = 'closed' | 'half-open' | 'open';

interface HostGuard {
  breaker: CircuitBreakerPolicy;
  bulkhead: BulkheadPolicy;
  openedAt: number;
}

/** What the breaker counts as a failure: the receiver failing, not our own bulkhead saying "wait". */
const breakerFailure = (result: unknown): boolean => {
  const outcome = result as ActionOutcome;
  return outcome.kind === 'retryable' && outcome.code !== 'FRAISEQL_ACTION_HOST_BUSY';
};

/**
 * Isolation per target host (ADR 0102): a bulkhead bounds what runs against one host and a circuit breaker
 * stops calling a host that keeps failing, so a slow or broken receiver holds its own slots and nothing else.
 * The breaker sits outside the bulkhead: an open circuit refuses at once instead of queueing.
 */
export class HostIsolation {
  private readonly hosts: LRUCache<string, HostGuard>;
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private readonly failuresToOpen: number;
  private readonly halfOpenAfterMs: number;

  constructor(
    options: HostIsolationOptions,
    private readonly circuitState: Gauge<'host'>,
  ) {
    this.maxConcurrent = positive('maxConcurrentPerHost', options.maxConcurrentPerHost ?? 8);
    this.maxQueued = positive('maxQueuedPerHost', options.maxQueuedPerHost ?? 64, 0);
    this.failuresToOpen = positive('failuresToOpen', options.failuresToOpen ?? 5);
    this.halfOpenAfterMs = positive('halfOpenAfterMs', options.halfOpenAfterMs ?? 30_000);
    this.hosts = new LRUCache({
      max: positive('maxHosts', options.maxHosts ?? 10_000),
      dispose: (_guard, host) => this.circuitState.remove({ host }),
    });
  }

  get concurrencyPerHost(): number {
    return this.maxConcurrent;
  }

  /** Runs `action` under the host's breaker and bulkhead; `action` must return an outcome, not throw. */
  async run(host: string, action: () => Promise<ActionOutcome>): Promise<ActionOutcome> {
    const guard = this.guardFor(host);
    const began = Date.now();
    try {
      return await guard.breaker.execute(() =>
        guard.bulkhead.execute(action).catch((error: unknown) => {
          if (!(error instanceof BulkheadRejectedError)) throw error;
          return retryable(
            'FRAISEQL_ACTION_HOST_BUSY',
            `${host} already has ${this.maxConcurrent} actions running and ${this.maxQueued} waiting`,
            Date.now() - began,
          );
        }),
      );
    } catch (error) {
      if (!(error instanceof BrokenCircuitError)) throw error;
      const left = guard.breaker.state === CircuitState.Open ? guard.openedAt + this.halfOpenAfterMs - Date.now() : undefined;
      return retryable('FRAISEQL_CIRCUIT_OPEN', `circuit open for ${host} after repeated failures; not sent`, Date.now() - began, {
        retryAfterMs: left === undefined ? undefined : Math.max(0, left),
      });
    }
  }

  /** The circuit state of a host, `undefined` for a host not seen (or forgotten). */
  state(host: string): CircuitStateName | undefined {
    const guard = this.hosts.peek(host);
    return guard && stateName(guard.breaker.state);
  }

  private guardFor(host: string): HostGuard {
    const known = this.hosts.get(host);
    if (known) return known;
    const breaker = circuitBreaker(handleWhenResult(breakerFailure), {
      halfOpenAfter: this.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(this.failuresToOpen),
    });
    const guard: HostGuard = { breaker, bulkhead: bulkhead(this.maxConcurrent, this.maxQueued), openedAt: 0 };
    breaker.onBreak(() => (guard.openedAt = Date.now()));
    breaker.onStateChange((state) => this.circuitState.set({ host }, CIRCUIT_STATE_VALUE[stateKey(state)]));
    this.circuitState.set({ host }, CIRCUIT_STATE_VALUE.closed);
    this.hosts.set(host, guard);
    return guard;
  }
}

function stateKey(state: CircuitState): keyof typeof CIRCUIT_STATE_VALUE {
  if (state === CircuitState.Closed) return 'closed';
  return state === CircuitState.HalfOpen ? 'halfOpen' : 'open'; // Isolated (held open by hand) reads as open
}

function stateName(state: CircuitState): CircuitStateName {
  const key = stateKey(state);
  return key === 'halfOpen' ? 'half-open' : key;
}

function positive(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
  return value;
}
