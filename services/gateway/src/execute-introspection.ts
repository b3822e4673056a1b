import { execute, Kind, type OperationDefinitionNode } from 'graphql';
import type { PreparedOperation, QueryPlanner } from '@fraiseql/query-planner';

/**
 * Whether a query selects only `__schema`, `__type` and `__typename` at its root: the one
 * kind of document the gateway answers itself (from the schema it validates with), so
 * GraphiQL and codegen tools work without a round trip to PostgreSQL.
 */
export function isIntrospectionOnly(operation: PreparedOperation): boolean {
  const definition = operation.operation as OperationDefinitionNode;
  return definition.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'));
}

/** Runs an introspection-only query with graphql-js against the planner's schema. */
export async function executeIntrospection(
  planner: QueryPlanner,
  operation: PreparedOperation,
  variables: Record<string, unknown> | null,
): Promise<string> {
  const result = await execute({
    schema: planner.graphqlSchema,
    document: operation.document,
    operationName: operation.operationName ?? undefined,
    variableValues: variables ?? undefined,
  });
  return JSON.stringify(result);
}
