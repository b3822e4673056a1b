import { FraiseqlError, toFraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import type { PlanStep, QueryPlanner } from '@fraiseql/query-planner';
import type { StatementOutcome } from './pooled-transaction';

/** What a native field's resolver gets (docs/adr/0105-admin-dead-letters-native-fields.md). */
export interface NativeFieldRequest {
  /** The field's arguments, coerced by graphql-js. */
  args: Record<string, unknown>;
  /** The caller's org, checked and normalized by the planner: every native field is per organization. */
  orgId: string;
  caller: Caller;
}

/** Resolves one native field; the value must fit the field's GraphQL type (it is shaped to the selection set). */
export type NativeFieldResolver = (request: NativeFieldRequest) => Promise<unknown>;

/** Resolvers by the name compiled into `CompiledNativeField.resolver`. */
export type NativeFieldResolvers = Readonly<Record<string, NativeFieldResolver>>;

export type NativeStep = Extract<PlanStep, { kind: 'native' }>;

/**
 * Runs one native step: its resolver with the caller, then the value shaped to the selection. Never throws: a
 * refusal is the field's error (a FraiseqlError keeps its code; anything else is FRAISEQL_INTERNAL), like a failed statement.
 */
export async function runNativeStep(
  planner: QueryPlanner,
  step: NativeStep,
  caller: Caller,
  resolvers: NativeFieldResolvers = {},
  /** Told of a failure that is not a FraiseqlError (it reaches the caller as FRAISEQL_INTERNAL, without its message). */
  onUnexpected: (error: unknown) => void,
  /** Awaited once the resolver settled, before the value is shaped (the audit of native mutations, ADR 0137). */
  onSettled?: (result: { value: unknown } | { error: FraiseqlError }) => Promise<void>,
): Promise<StatementOutcome> {
  const resolve = Object.hasOwn(resolvers, step.field.resolver) ? resolvers[step.field.resolver] : undefined;
  if (!resolve) {
    return new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', `${step.field.name} is not served by this query-executor`);
  }
  let value: unknown;
  try {
    value = await resolve({ args: step.args, orgId: step.orgId, caller });
  } catch (error) {
    const mapped = toFraiseqlError(error);
    if (mapped.code === 'FRAISEQL_INTERNAL') onUnexpected(error);
    await onSettled?.({ error: mapped });
    return mapped;
  }
  await onSettled?.({ value });
  try {
    return planner.renderNative(step, value);
  } catch (error) {
    const mapped = toFraiseqlError(error);
    if (mapped.code === 'FRAISEQL_INTERNAL') onUnexpected(error);
    return mapped;
  }
}
