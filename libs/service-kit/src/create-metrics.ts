import { collectDefaultMetrics, Registry } from 'prom-client';

export interface MetricsOptions {
  service: string;
}

export interface ServiceMetrics {
  registry: Registry;
}

/**
 * A registry of its own per service (never prom-client's global one, so tests and
 * embedded services do not collide), with Node process metrics and a `service` label.
 */
export function createMetrics(options: MetricsOptions): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  collectDefaultMetrics({ register: registry });
  return { registry };
}
