import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RedMetricsOptions {
  /** Metric name prefix, e.g. `fraiseql_gateway` → `fraiseql_gateway_requests_total`. */
  prefix: string;
  /** Histogram buckets in seconds. */
  buckets?: number[];
}

export type RequestOutcome = 'success' | 'error' | 'rejected' | 'timeout';

export interface RedMetrics {
  /** `<prefix>_requests_total{operation,outcome,code}` */
  requests: Counter<'operation' | 'outcome' | 'code'>;
  /** `<prefix>_request_duration_seconds{operation,outcome}` */
  duration: Histogram<'operation' | 'outcome'>;
  /** `<prefix>_requests_in_flight{operation}` */
  inFlight: Gauge<'operation'>;
  /** Counts one request in flight; the returned function records its outcome and duration. */
  start(operation: string): (outcome: RequestOutcome, code?: string) => void;
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
  return {
    requests,
    duration,
    inFlight,
    start(operation) {
      const began = process.hrtime.bigint();
      inFlight.inc({ operation });
      let done = false;
      return (outcome, code = '') => {
        if (done) return;
        done = true;
        inFlight.dec({ operation });
        requests.inc({ operation, outcome, code });
        duration.observe({ operation, outcome }, Number(process.hrtime.bigint() - began) / 1e9);
      };
    },
  };
}
