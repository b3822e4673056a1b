import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ErrorCode } from '@fraiseql/errors';
import { outcomeOf } from './request-outcome';

export interface RedMetricsOptions {
  /** Metric name prefix, e.g. `fraiseql_gateway` → `fraiseql_gateway_requests_total`. */
  prefix: string;
  /** Histogram buckets in seconds. */
  buckets?: number[];
  /**
   * The operations the service handles, whose success series start at 0 so that rate, ratio and latency queries
   * return a (zero) result before the first request instead of nothing.
   */
  operations?: readonly string[];
}

export interface RedMetrics {
  /**
   * `<prefix>_requests_total{operation,outcome,code}`: `code` is '' or a code of docs/errors.md;
   * `outcome` follows from it (request-outcome.ts).
   */
  requests: Counter<'operation' | 'outcome' | 'code'>;
  /** `<prefix>_request_duration_seconds{operation,outcome}` */
  duration: Histogram<'operation' | 'outcome'>;
  /** `<prefix>_requests_in_flight{operation}` */
  inFlight: Gauge<'operation'>;
  /** Counts one request in flight; the returned function records its end (no code: success) and duration. */
  start(operation: string): (code?: ErrorCode) => void;
  /** Records one finished request whose duration was measured elsewhere (e.g. fastify's elapsed time). */
  observe(operation: string, code: ErrorCode | undefined, seconds: number): void;
}

/** From 1 ms to 10 s: GraphQL over PostgreSQL lives mostly in the low milliseconds. */
export const DEFAULT_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Rate, errors and duration for one kind of work, registered on the given registry. */
export function createRedMetrics(registry: Registry, options: RedMetricsOptions): RedMetrics {
  const requests = new Counter({
    name: `${options.prefix}_requests_total`,
    help: 'Requests handled, by operation, outcome and error code (empty when none).',
    labelNames: ['operation', 'outcome', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${options.prefix}_request_duration_seconds`,
    help: 'Time to handle a request, in seconds.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: options.buckets ?? DEFAULT_DURATION_BUCKETS,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: `${options.prefix}_requests_in_flight`,
    help: 'Requests being handled now.',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  for (const operation of options.operations ?? []) {
    requests.inc({ operation, outcome: 'success', code: '' }, 0);
    duration.zero({ operation, outcome: 'success' });
    inFlight.set({ operation }, 0);
  }
  const observe = (operation: string, code: ErrorCode | undefined, seconds: number): void => {
    const outcome = outcomeOf(code);
    requests.inc({ operation, outcome, code: code ?? '' });
    duration.observe({ operation, outcome }, seconds);
  };
  return {
    requests,
    duration,
    inFlight,
    observe,
    start(operation) {
      const began = process.hrtime.bigint();
      inFlight.inc({ operation });
      let done = false;
      return (code) => {
        if (done) return;
        done = true;
        inFlight.dec({ operation });
        observe(operation, code, Number(process.hrtime.bigint() - began) / 1e9);
      };
    },
  };
}
