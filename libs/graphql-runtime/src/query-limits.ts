import type { Caller } from '@fraiseql/identity';
import { GraphqlRequestError } from '@fraiseql/query-planner';
import type { OperationMeasure } from '@fraiseql/query-planner';

/** The bounds one caller's documents are held to (docs/adr/0134-trusted-documents-and-limits.md). */
export interface QueryLimits {
  /** Deepest field nesting. */
  depth: number;
  /** Most estimated returned nodes. */
  nodes: number;
  /** Largest estimated weighted cost. */
  cost: number;
}

/** One entry of FRAISEQL_GRAPHQL_ROLE_LIMITS: a dimension left out takes the global default. */
export type RoleLimitsEntry = Partial<QueryLimits>;

/** The key of FRAISEQL_GRAPHQL_ROLE_LIMITS that applies to callers without credentials. */
export const ANONYMOUS_LIMITS_KEY = 'anonymous';

export interface RoleQueryLimitsOptions {
  /** FRAISEQL_LIMIT_MAX_DEPTH / _NODES / _COST: callers none of whose roles has an entry. */
  defaults: QueryLimits;
  /** FRAISEQL_GRAPHQL_ROLE_LIMITS. */
  roles: Readonly<Record<string, RoleLimitsEntry>>;
}

/**
 * Per-role document limits. A caller's limit, dimension by dimension, is the most generous among
 * its roles that have an entry; a caller none of whose roles has one gets the defaults; a caller
 * without credentials gets the `anonymous` entry when there is one.
 */
export class RoleQueryLimits {
  private readonly entries: Map<string, QueryLimits>;
  /** The most generous limit of any caller: what the planner itself must let through. */
  readonly ceiling: QueryLimits;

  constructor(private readonly options: RoleQueryLimitsOptions) {
    this.entries = new Map(Object.entries(options.roles).map(([role, entry]) => [role, { ...options.defaults, ...entry }]));
    this.ceiling = mostGenerous([options.defaults, ...this.entries.values()]);
  }

  /** The limits that hold for this caller. */
  for(caller: Caller): QueryLimits {
    if (caller.subject === null) return this.entries.get(ANONYMOUS_LIMITS_KEY) ?? this.options.defaults;
    const held: QueryLimits[] = [];
    for (const role of caller.roles) {
      if (role === ANONYMOUS_LIMITS_KEY) continue;
      const entry = this.entries.get(role);
      if (entry) held.push(entry);
    }
    return held.length === 0 ? this.options.defaults : mostGenerous(held);
  }
}

function mostGenerous(limits: readonly QueryLimits[]): QueryLimits {
  return {
    depth: Math.max(...limits.map((l) => l.depth)),
    nodes: Math.max(...limits.map((l) => l.nodes)),
    cost: Math.max(...limits.map((l) => l.cost)),
  };
}

/**
 * Refuses a measured document over a limit, naming the computed value and the limit in the message
 * and in `extensions` (FRAISEQL_DEPTH_LIMIT_EXCEEDED, FRAISEQL_NODE_LIMIT_EXCEEDED, FRAISEQL_COST_LIMIT_EXCEEDED).
 */
export function enforceQueryLimits(measure: OperationMeasure, limits: QueryLimits): void {
  if (measure.depth > limits.depth) {
    throw GraphqlRequestError.of(
      'FRAISEQL_DEPTH_LIMIT_EXCEEDED',
      `The query is nested ${measure.depth} levels deep; this caller's limit is ${limits.depth}.`,
      { depth: measure.depth, maxDepth: limits.depth },
    );
  }
  if (measure.nodes > limits.nodes) {
    throw GraphqlRequestError.of(
      'FRAISEQL_NODE_LIMIT_EXCEEDED',
      `The query may return ${measure.nodes} nodes; this caller's limit is ${limits.nodes}.`,
      { nodes: measure.nodes, maxNodes: limits.nodes },
    );
  }
  if (measure.cost > limits.cost) {
    throw GraphqlRequestError.of(
      'FRAISEQL_COST_LIMIT_EXCEEDED',
      `The query's estimated cost ${measure.cost} exceeds this caller's limit ${limits.cost}.`,
      { cost: measure.cost, maxCost: limits.cost },
    );
  }
}
