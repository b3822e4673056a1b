import { SchemaHolder, type CompiledSchema, type SchemaSource } from '@fraiseql/schema';
import { QueryPlanner, type QueryPlannerOptions } from '@fraiseql/query-planner';

export interface WatchPlannersOptions {
  logger: { error(obj: object, msg?: string): void };
  /** Called after each swap, e.g. to hand the new GraphQL schema to mercurius. */
  onSwap?: (planner: QueryPlanner) => void;
}

/**
 * Keeps a QueryPlanner for the source's current schema: each `change` builds a planner and
 * swaps it in. Requests in flight keep the planner they started with; new ones take the new
 * one. A schema the planner refuses is logged and the previous planner stays. Call before
 * `source.start()` so the initial version is planned too.
 */
export function watchPlanners(
  source: SchemaSource,
  plannerOptions: QueryPlannerOptions,
  options: WatchPlannersOptions,
): SchemaHolder<QueryPlanner> {
  const planners = new SchemaHolder<QueryPlanner>();
  source.on('change', (compiled: CompiledSchema) => {
    let next: QueryPlanner;
    try {
      next = new QueryPlanner(compiled, plannerOptions);
    } catch (error) {
      options.logger.error({ err: error, schemaHash: compiled.hash }, 'compiled schema rejected: keeping the previous one');
      return;
    }
    planners.swap(next);
    try {
      options.onSwap?.(next);
    } catch (error) {
      options.logger.error({ err: error, schemaHash: compiled.hash }, 'could not apply the new schema after the planner swap');
    }
  });
  return planners;
}
