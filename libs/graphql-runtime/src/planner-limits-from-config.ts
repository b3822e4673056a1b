import type { PlannerLimits } from '@fraiseql/query-planner';
import type { GraphqlRuntimeConfig } from './graphql-runtime-config';

export type PlannerLimitsConfig = Pick<
  GraphqlRuntimeConfig,
  'FRAISEQL_LIMIT_MAX_DEPTH' | 'FRAISEQL_LIMIT_MAX_COST' | 'FRAISEQL_LIMIT_MAX_ALIASES' | 'FRAISEQL_LIMIT_MAX_DOCUMENT_BYTES'
>;

/** The document limits the planner enforces, from the FRAISEQL_LIMIT_* keys. */
export function plannerLimitsFromConfig(config: PlannerLimitsConfig): PlannerLimits {
  return {
    maxDepth: config.FRAISEQL_LIMIT_MAX_DEPTH,
    maxCost: config.FRAISEQL_LIMIT_MAX_COST,
    maxAliases: config.FRAISEQL_LIMIT_MAX_ALIASES,
    maxDocumentBytes: config.FRAISEQL_LIMIT_MAX_DOCUMENT_BYTES,
  };
}
