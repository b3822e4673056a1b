import type { z } from 'zod';

export interface ConfigDefinition<S extends z.ZodRawShape> {
  /** Service name, e.g. `gateway` or `query-executor`; gives the env prefix `FRAISEQL_GATEWAY_`. */
  service: string;
  /** The prefix under which unknown keys are typos, when it is not the one derived from `service` (flight-server: `FRAISEQL_FLIGHT_`). */
  envPrefix?: string;
  /** The service's own keys (environment variable names); the common keys are added by `loadConfig`. */
  schema: z.ZodObject<S>;
}

/** Declares a service's config schema; `loadConfig` reads and validates it at start-up. */
export function defineConfig<S extends z.ZodRawShape>(definition: ConfigDefinition<S>): ConfigDefinition<S> {
  return definition;
}

/** `query-executor` → `FRAISEQL_QUERY_EXECUTOR_`: env vars under this prefix must be known keys. */
export function servicePrefix(service: string): string {
  return `FRAISEQL_${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
}
