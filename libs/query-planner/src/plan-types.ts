import type { FraiseqlError } from '@fraiseql/errors';
import type { CompiledNativeField } from '@fraiseql/schema';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';

/** A parsed, validated operation within its limits; `plan` turns it into statements. */
export interface PreparedOperation {
  /** sha256 (hex) of the document text and operation name. */
  hash: string;
  operationType: 'query' | 'mutation' | 'subscription';
  operationName: string | null;
  document: DocumentNode;
  operation: OperationDefinitionNode;
}

export type PlanStep =
  /** Returns ONE row with ONE text column `result` (the field's JSON); `name` is a stable prepared-statement name. */
  | { kind: 'sql'; responseKey: string; name: string; text: string; values: unknown[] }
  /** A value known without SQL: __typename, introspection. */
  | { kind: 'json'; responseKey: string; json: string }
  /** A field-level error: data.<key> = null and an error with path [key]. */
  | { kind: 'error'; responseKey: string; error: FraiseqlError }
  /**
   * A native field (docs/adr/0105-admin-dead-letters-native-fields.md): the executor calls `field.resolver` with
   * `args` (coerced by graphql-js) and the caller, then `QueryPlanner#renderNative` shapes the value to `selection`.
   * The caller already passed the field's checks (an org, one of its roles); `orgId` is that org, normalized.
   */
  | {
      kind: 'native';
      responseKey: string;
      field: CompiledNativeField;
      args: Record<string, unknown>;
      orgId: string;
      selection: NativeSelection;
    };

/** The one root field of a native step, as a document graphql-js can complete a value against. */
export interface NativeSelection {
  document: DocumentNode;
  variables: Record<string, unknown>;
}

export interface OperationPlan {
  operationHash: string;
  /**
   * `mutation`: 'sql' and 'native' steps run one after the other in step order (GraphQL's serial execution);
   * every 'sql' step calls a mutation function in its own read-write transaction (docs/adr/0082-mutations.md).
   * `query`: all 'sql' steps share one read-only transaction; 'native' steps run beside it.
   */
  operationType: 'query' | 'mutation';
  /** One per root response key, in response order. */
  steps: PlanStep[];
}
