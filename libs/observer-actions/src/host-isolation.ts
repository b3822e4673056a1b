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
  /** Actions waiting for a slot of one host; beyond it FRAISEQL_ACTION_HOST_BUSY. Default 1024. */
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
  /** Moving average of how long an action against the host takes, ms (0 until one finished). */
  latencyMs: number;
  /** The actions now running against the host, with when each began (performance.now()). */
  running: Set<{ began: number }>;
}

/** What a queued action that gave up its place answers when its turn comes (nobody reads it). */
const GAVE_UP: ActionOutcome = retryable('FRAISEQL_ACTION_HOST_BUSY', 'gave up waiting for a slot', 0);

/** Weight of the newest call in a host's latency average. */
const LATENCY_WEIGHT = 0.2;

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
    this.maxQueued = positive('maxQueuedPerHost', options.maxQueuedPerHost ?? 1024, 0);
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

  /**
   * Runs `action` under the host's breaker and bulkhead; `action` must return an outcome, not throw. With
   * `maxWaitMs`, an action that has not got a slot after that long gives up its place in the queue and
   * answers FRAISEQL_ACTION_HOST_BUSY (it never runs).
   */
  async run(host: string, action: () => Promise<ActionOutcome>, maxWaitMs?: number): Promise<ActionOutcome> {
    const guard = this.guardFor(host);
    const began = Date.now();
    try {
      return await guard.breaker.execute(() =>
        this.enter(guard, action, maxWaitMs).catch((error: unknown) => {
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

  private enter(guard: HostGuard, action: () => Promise<ActionOutcome>, maxWaitMs: number | undefined): Promise<ActionOutcome> {
    if (maxWaitMs === undefined || guard.bulkhead.executionSlots > 0) return guard.bulkhead.execute(() => timed(guard, action));
    let state: 'queued' | 'running' | 'gave up' = 'queued';
    const queued = guard.bulkhead.execute(async () => {
      if (state === 'gave up') return GAVE_UP; // its slot goes straight to the next in the queue
      state = 'running';
      return timed(guard, action);
    });
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<ActionOutcome>((resolve) => {
      // A queue that moves (the host answers faster than maxWaitMs) is worth waiting in; a slow host's is not.
      const check = (): void => {
        if (state !== 'queued') return;
        if (latencyOf(guard) <= maxWaitMs) {
          timer = setTimeout(check, maxWaitMs);
          return;
        }
        state = 'gave up';
        resolve(retryable('FRAISEQL_ACTION_HOST_BUSY', `the host answers slower than ${maxWaitMs} ms and has no free slot`, maxWaitMs));
      };
      timer = setTimeout(check, maxWaitMs);
    });
    return Promise.race([queued, waited]).finally(() => clearTimeout(timer));
  }

  /**
   * How long an action against `host` takes now: the longer of its moving average and the oldest call still
   * running (so a host that just became slow counts as slow before its first slow answer). 0 for a host not seen.
   */
  latencyMs(host: string): number {
    const guard = this.hosts.peek(host);
    return guard ? latencyOf(guard) : 0;
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
    const guard: HostGuard = {
      breaker,
      bulkhead: bulkhead(this.maxConcurrent, this.maxQueued),
      openedAt: 0,
      latencyMs: 0,
      running: new Set(),
    };
    breaker.onBreak(() => (guard.openedAt = Date.now()));
    breaker.onStateChange((state) => this.circuitState.set({ host }, CIRCUIT_STATE_VALUE[stateKey(state)]));
    this.circuitState.set({ host }, CIRCUIT_STATE_VALUE.closed);
    this.hosts.set(host, guard);
    return guard;
  }
}

function latencyOf(guard: HostGuard): number {
  const now = performance.now();
  let oldest = now;
  for (const call of guard.running) oldest = Math.min(oldest, call.began);
  return Math.max(guard.latencyMs, now - oldest);
}

async function timed(guard: HostGuard, action: () => Promise<ActionOutcome>): Promise<ActionOutcome> {
  const call = { began: performance.now() };
  guard.running.add(call);
  try {
    return await action();
  } finally {
    guard.running.delete(call);
    const took = performance.now() - call.began;
    guard.latencyMs = guard.latencyMs === 0 ? took : guard.latencyMs + LATENCY_WEIGHT * (took - guard.latencyMs);
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
