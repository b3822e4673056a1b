import type { SelectionNode } from 'graphql';
import type { AuditEntryInput, AuditLog } from '@fraiseql/audit';
import { FraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import type { OperationPlan, PreparedOperation, QueryPlanner } from '@fraiseql/query-planner';
import { API_KEY_SURFACE, OBSERVER_ADMIN } from '@fraiseql/schema';
import type { NativeStep } from '../native-fields';
import type { StatementOutcome } from '../pooled-transaction';

/** Refusals of an admin mutation by the planner (before any resolver or function ran) that are audited. */
const AUDITED_REFUSALS = new Set(['FRAISEQL_FORBIDDEN', 'FRAISEQL_UNAUTHENTICATED']);
const ROLE_CHANGES: ReadonlySet<string> = new Set([API_KEY_SURFACE.resolvers.create, API_KEY_SURFACE.resolvers.rotate]);
const ADMIN_FUNCTIONS: ReadonlySet<string> = new Set(Object.values(OBSERVER_ADMIN.functions));

/** Where a mutation ran: who asked, under which request id. */
export interface MutationAuditContext {
  caller: Caller;
  requestId: string | undefined;
}

/**
 * The query-executor's admin-action entries (ADR 0137): every native mutation once its resolver settled, the framework's
 * planned admin mutations (createObserver, updateObserver, deleteObserver) once their transaction ended, and the planner's
 * role refusals of any of them. Awaited (`recordNow`) so the reply leaves after JetStream stored the entry; never throws.
 */
export class MutationAudit {
  constructor(private readonly log: AuditLog) {}

  /** A native mutation whose resolver returned `value` or refused with `error`. */
  async native(step: NativeStep, context: MutationAuditContext, result: { value: unknown } | { error: FraiseqlError }): Promise<void> {
    if (step.field.operation !== 'mutation') return;
    const args = step.args;
    const value = 'value' in result ? (result.value as Record<string, unknown> | null) : null;
    const issued = (value?.apiKey ?? null) as { id?: unknown; roles?: unknown } | null;
    const roleChange = ROLE_CHANGES.has(step.field.resolver);
    const details: Record<string, unknown> = { field: step.field.name };
    if (roleChange) {
      // A key is a new holder of roles: which ones, and which key (its id; never the key itself).
      const input = (args.input ?? {}) as { name?: unknown; roles?: unknown };
      details.roles = issued?.roles ?? input.roles ?? null;
      if (input.name !== undefined) details.name = input.name;
      if (issued?.id !== undefined) details.keyId = issued.id;
      if (args.id !== undefined) details.replaces = args.id;
    } else {
      details.arguments = args;
    }
    await this.log.recordNow({
      kind: roleChange ? 'role_change' : 'admin_action',
      action: screamingSnake(step.field.name),
      outcome: 'error' in result ? 'refused' : 'ok',
      orgId: step.orgId,
      actor: context.caller.subject === null ? null : context.caller,
      target: targetOf(args, typeof issued?.id === 'string' ? issued.id : null),
      requestId: context.requestId ?? null,
      code: 'error' in result ? result.error.code : null,
      details,
    });
  }

  /** After the operation: planned admin mutations and the planner's refusals of admin fields (`outcomes` in work order). */
  async planned(
    planner: QueryPlanner,
    operation: PreparedOperation,
    plan: OperationPlan,
    outcomes: readonly StatementOutcome[],
    context: MutationAuditContext,
  ): Promise<void> {
    const fieldOf = rootFieldNames(operation);
    const adminSql = new Set(planner.compiled.mutations.filter((m) => ADMIN_FUNCTIONS.has(m.function)).map((m) => m.name));
    const nativeMutations = new Set((planner.compiled.nativeFields ?? []).filter((f) => f.operation === 'mutation').map((f) => f.name));
    const entries: AuditEntryInput[] = [];
    let next = 0;
    for (const step of plan.steps) {
      const field = fieldOf.get(step.responseKey);
      if (step.kind === 'native') next++;
      else if (step.kind === 'sql') {
        const outcome = outcomes[next++];
        if (field === undefined || !adminSql.has(field)) continue;
        const input = readInput(step.values[0]);
        entries.push(this.entry(field, context, refusalOf(outcome), targetOf(input)));
      } else if (step.kind === 'error' && field !== undefined && (adminSql.has(field) || nativeMutations.has(field))) {
        if (AUDITED_REFUSALS.has(step.error.code)) entries.push(this.entry(field, context, { code: step.error.code }, null));
      }
    }
    await Promise.all(entries.map((entry) => this.log.recordNow(entry)));
  }

  private entry(
    field: string,
    context: MutationAuditContext,
    refusal: { code: string | null; errorClass?: string } | null,
    target: string | null,
  ): AuditEntryInput {
    return {
      kind: 'admin_action',
      action: screamingSnake(field),
      outcome: refusal ? 'refused' : 'ok',
      orgId: context.caller.orgId,
      actor: context.caller.subject === null ? null : context.caller,
      target,
      requestId: context.requestId ?? null,
      code: refusal?.code ?? null,
      details: refusal?.errorClass === undefined ? { field } : { field, errorClass: refusal.errorClass },
    };
  }
}

/** `createApiKey` → `CREATE_API_KEY`. */
export function screamingSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
}

/** What a mutation acted on: its `id`, or its ids / seqs (also inside `input`), else `created` (a new key's id), else a name. */
function targetOf(args: Record<string, unknown>, created: string | null = null): string | null {
  const input = (typeof args.input === 'object' && args.input !== null ? args.input : {}) as Record<string, unknown>;
  for (const source of [args, input]) {
    if (typeof source.id === 'string' || typeof source.id === 'number') return String(source.id);
    for (const key of ['ids', 'seqs']) {
      const list = source[key];
      if (Array.isArray(list)) return list.map(String).join(',');
    }
  }
  if (created !== null) return created;
  return typeof input.name === 'string' ? input.name : typeof args.name === 'string' ? args.name : null;
}

function readInput(value: unknown): Record<string, unknown> {
  try {
    const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : null;
    return typeof parsed === 'object' && parsed !== null ? { input: parsed } : {};
  } catch {
    return {};
  }
}

/**
 * Whether a planned mutation was refused: a failed statement (its code), or the function's MutationError (code null,
 * `errorClass` in details). A MutationError is recognised when the selection shows it (`__typename`, or one of its
 * members); a selection that names neither leaves it indistinguishable from a success, and it is recorded as ok.
 */
function refusalOf(outcome: StatementOutcome | undefined): { code: string | null; errorClass?: string } | null {
  if (outcome instanceof FraiseqlError) return { code: outcome.code };
  if (typeof outcome !== 'string') return { code: 'FRAISEQL_INTERNAL' };
  let result: unknown;
  try {
    result = JSON.parse(outcome);
  } catch {
    return null;
  }
  if (typeof result !== 'object' || result === null) return null;
  const r = result as Record<string, unknown>;
  if (r.__typename === 'MutationError' || 'errorClass' in r || 'fieldErrors' in r) {
    return { code: null, errorClass: typeof r.errorClass === 'string' ? r.errorClass : 'unknown' };
  }
  return null;
}

/** Response key → root field name, from the operation's top-level selections (and inline fragments among them). */
function rootFieldNames(operation: PreparedOperation): Map<string, string> {
  const names = new Map<string, string>();
  const visit = (selections: readonly SelectionNode[]): void => {
    for (const selection of selections) {
      if (selection.kind === 'Field') names.set(selection.alias?.value ?? selection.name.value, selection.name.value);
      else if (selection.kind === 'InlineFragment') visit(selection.selectionSet.selections);
    }
  };
  visit(operation.operation.selectionSet.selections);
  return names;
}
