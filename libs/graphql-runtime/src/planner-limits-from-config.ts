import type { PlannerLimits } from '@fraiseql/query-planner';
import type { GraphqlRuntimeConfig } from './graphql-runtime-config';
import type { RoleLimitsEntry } from './query-limits';
import { roleQueryLimitsFromConfig } from './role-query-limits-from-config';

export type PlannerLimitsConfig = Pick<
  GraphqlRuntimeConfig,
  'FRAISEQL_LIMIT_MAX_DEPTH' | 'FRAISEQL_LIMIT_MAX_COST' | 'FRAISEQL_LIMIT_MAX_ALIASES' | 'FRAISEQL_LIMIT_MAX_DOCUMENT_BYTES'
> & {
  /** Services that plan for every role (gateway, query-executor) plan up to the most generous role limit. */
  FRAISEQL_LIMIT_MAX_NODES?: number;
  FRAISEQL_GRAPHQL_ROLE_LIMITS?: Readonly<Record<string, RoleLimitsEntry>>;
};

/**
 * The document limits the planner enforces, from the FRAISEQL_LIMIT_* keys. With role limits
 * (FRAISEQL_GRAPHQL_ROLE_LIMITS), depth and cost are the most generous of any caller: the gateway
 * holds each caller to its own (docs/adr/0134-trusted-documents-and-limits.md).
 */
export function plannerLimitsFromConfig(config: PlannerLimitsConfig): PlannerLimits {
  const { ceiling } = roleQueryLimitsFromConfig({
    FRAISEQL_LIMIT_MAX_DEPTH: config.FRAISEQL_LIMIT_MAX_DEPTH,
    FRAISEQL_LIMIT_MAX_COST: config.FRAISEQL_LIMIT_MAX_COST,
    FRAISEQL_LIMIT_MAX_NODES: config.FRAISEQL_LIMIT_MAX_NODES ?? 50_000,
    FRAISEQL_GRAPHQL_ROLE_LIMITS: config.FRAISEQL_GRAPHQL_ROLE_LIMITS ?? {},
  });
  return {
    maxDepth: ceiling.depth,
    maxCost: ceiling.cost,
    maxAliases: config.FRAISEQL_LIMIT_MAX_ALIASES,
    maxDocumentBytes: config.FRAISEQL_LIMIT_MAX_DOCUMENT_BYTES,
  };
}
