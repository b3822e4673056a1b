import { Kind, type FragmentDefinitionNode } from 'graphql';
import { measureOperation, type OperationMeasure, type PreparedOperation, type QueryPlanner } from '@fraiseql/query-planner';

/** `measureOperation` of an operation the planner prepared (validated), against that planner's schema. */
export function measurePreparedOperation(
  planner: Pick<QueryPlanner, 'compiled' | 'graphqlSchema'>,
  op: Pick<PreparedOperation, 'document' | 'operation'>,
  variables?: Readonly<Record<string, unknown>> | null,
): OperationMeasure {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const def of op.document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  return measureOperation({
    compiled: planner.compiled,
    schema: planner.graphqlSchema,
    operation: op.operation,
    fragments,
    ...(variables ? { variables } : {}),
  });
}
