import { z } from 'zod';
import { configValue } from '@fraiseql/service-kit';
import { roleLimitsValue } from './role-limits-value';

/**
 * Config keys every service that plans GraphQL documents must agree on (gateway, query-executor,
 * flight-server for graphql tickets), so they carry no service prefix.
 */
export const plannerConfigShape = {
  /** `kv` (NATS KV FRAISEQL_SCHEMA/active, hot reload) or a path to schema.compiled.json (watched). */
  FRAISEQL_SCHEMA_SOURCE: z.string().trim().min(1).default('kv'),
  /** The standard introspection query (GraphiQL, codegen) is 13 levels deep: the default lets it through. */
  FRAISEQL_LIMIT_MAX_DEPTH: configValue.positiveInt().default(15),
  FRAISEQL_LIMIT_MAX_COST: configValue.positiveInt().default(50_000),
  FRAISEQL_LIMIT_MAX_ALIASES: configValue.positiveInt({ min: 0 }).default(30),
  FRAISEQL_LIMIT_MAX_DOCUMENT_BYTES: configValue.positiveInt({ min: 64 }).default(65_536),
  /** Most estimated returned objects (lists multiplied through) of a caller without a role entry. */
  FRAISEQL_LIMIT_MAX_NODES: configValue.positiveInt().default(50_000),
  /**
   * Per-role depth/nodes/cost limits, JSON: `{"analyst": {"depth": 20, "cost": 200000}, "anonymous": {...}}`.
   * The gateway (and the flight-server, for graphql tickets) applies the most generous entry among the caller's roles;
   * every planner plans up to the most generous of all.
   */
  FRAISEQL_GRAPHQL_ROLE_LIMITS: roleLimitsValue().default({}),
};

/**
 * The planner keys plus the pagination cursor secret: what the gateway and the query-executor,
 * which both read and write Relay cursors, must agree on. Spread into each service's schema.
 */
export const graphqlRuntimeConfigShape = {
  ...plannerConfigShape,
  /** HMAC key for pagination cursors; required in production. */
  FRAISEQL_CURSOR_SECRET: configValue.secret(z.string().min(32, 'must be at least 32 characters')).optional(),
};

export type GraphqlRuntimeConfigShape = typeof graphqlRuntimeConfigShape;

/** The validated values of the shared keys, as `loadConfig` returns them. */
export type GraphqlRuntimeConfig = z.infer<z.ZodObject<GraphqlRuntimeConfigShape>>;
