/** Bounds on a GraphQL document, checked by `QueryPlanner.prepare` before any SQL is built. */
export interface PlannerLimits {
  /** Deepest field nesting allowed (`{ orders { customer { email } } }` has depth 3). */
  maxDepth: number;
  /** Largest estimated cost: every field costs 1, list fields multiply their children by their page size. */
  maxCost: number;
  /** Most aliased fields a document may contain. */
  maxAliases: number;
  /** Largest document, in UTF-8 bytes, checked before parsing. */
  maxDocumentBytes: number;
}

export const DEFAULT_LIMITS: Readonly<PlannerLimits> = Object.freeze({
  // The standard introspection query (getIntrospectionQuery) is 13 levels deep.
  maxDepth: 15,
  maxCost: 50_000,
  maxAliases: 30,
  maxDocumentBytes: 64 * 1024,
});

/** Assumed length of a list nested inside an entity's data (order items) when estimating cost. */
export const DEFAULT_NESTED_LIST_ESTIMATE = 10;
