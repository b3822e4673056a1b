import type { GraphqlRuntimeConfig } from './graphql-runtime-config';
import { RoleQueryLimits } from './query-limits';

export type RoleQueryLimitsConfig = Pick<
  GraphqlRuntimeConfig,
  'FRAISEQL_LIMIT_MAX_DEPTH' | 'FRAISEQL_LIMIT_MAX_COST' | 'FRAISEQL_LIMIT_MAX_NODES' | 'FRAISEQL_GRAPHQL_ROLE_LIMITS'
>;

/** Per-role limits from FRAISEQL_GRAPHQL_ROLE_LIMITS over the FRAISEQL_LIMIT_MAX_* defaults. */
export function roleQueryLimitsFromConfig(config: RoleQueryLimitsConfig): RoleQueryLimits {
  return new RoleQueryLimits({
    defaults: { depth: config.FRAISEQL_LIMIT_MAX_DEPTH, nodes: config.FRAISEQL_LIMIT_MAX_NODES, cost: config.FRAISEQL_LIMIT_MAX_COST },
    roles: config.FRAISEQL_GRAPHQL_ROLE_LIMITS,
  });
}
