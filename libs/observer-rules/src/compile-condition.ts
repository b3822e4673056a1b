import type { EntityEvent } from '@fraiseql/events';
import { Environment } from '@marcbachmann/cel-js';
import { serialize } from '@marcbachmann/cel-js/serialize';
import { LRUCache } from 'lru-cache';
import { call, fieldChain, isCelNode, mapCel, stringList, type CelNode } from './cel-ast';
import { changed, changedFrom, changedTo } from './change-functions';
import { valueAtPath } from './json-path';

/** Structural limits of a condition (parse time): CEL has no loops, so these bound evaluation too (with the event's size). */
export const CONDITION_LIMITS = { maxAstNodes: 500, maxDepth: 32, maxListElements: 100, maxMapEntries: 100, maxCallArguments: 8 };

/** The outcome of one evaluation: an error is no match (the caller counts it), never an exception. */
export interface ConditionResult {
  matched: boolean;
  error?: Error;
}

/** A condition parsed and rewritten once; `evaluate` runs per event. */
export interface CompiledCondition {
  readonly source: string;
  evaluate(event: EntityEvent): ConditionResult;
}

type Program = (context: Record<string, unknown>) => unknown;

const pathArg = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/**
 * The evaluation environment: untyped (`dyn`) values, since type checking happened at validation
 * against the entity's fields, and field reads go through `__path` so that a missing field, or a
 * field below a null object, reads as null.
 */
const runtime = new Environment({ limits: CONDITION_LIMITS })
  .registerVariable('event_type', 'dyn')
  .registerVariable('entity_type', 'dyn')
  .registerVariable('entity_id', 'dyn')
  .registerVariable('org_id', 'dyn')
  .registerVariable('user_id', 'dyn')
  .registerVariable('data', 'dyn')
  .registerVariable('before', 'dyn')
  .registerVariable('changed_fields', 'dyn')
  .registerVariable('__event', 'dyn')
  .registerFunction('__path(dyn, list): dyn', (root: unknown, path: unknown) => valueAtPath(root, pathArg(path)))
  .registerFunction('__has(dyn, list): bool', (root: unknown, path: unknown) => valueAtPath(root, pathArg(path)) !== null)
  .registerFunction('__changed(dyn, string): bool', (event: EntityEvent, path: string) => changed(event, path))
  .registerFunction('__changed_to(dyn, string, dyn): bool', (event: EntityEvent, path: string, value: unknown) =>
    changedTo(event, path, value),
  )
  .registerFunction('__changed_from(dyn, string, dyn): bool', (event: EntityEvent, path: string, value: unknown) =>
    changedFrom(event, path, value),
  );

const CHANGE_FUNCTIONS: Readonly<Record<string, string>> = {
  changed: '__changed',
  changed_to: '__changed_to',
  changed_from: '__changed_from',
};

/** The source of the runtime form: field reads, `has()` and the change functions rewritten (docs/adr/0101). */
export function rewriteCondition(ast: unknown): string {
  const rewritten = mapCel(ast, (node): CelNode | undefined => {
    if (node.op === '.' || node.op === '[]') {
      const chain = fieldChain(node);
      if (chain) return call('__path', [{ op: 'id', args: chain.root }, stringList(chain.path)]);
      return undefined;
    }
    if (node.op !== 'call') return undefined;
    const [name, args] = node.args as [string, unknown[]];
    if (name === 'has' && args.length === 1 && isCelNode(args[0])) {
      const chain = fieldChain(args[0]);
      if (chain) return call('__has', [{ op: 'id', args: chain.root }, stringList(chain.path)]);
    }
    const target = CHANGE_FUNCTIONS[name];
    if (target) return call(target, [{ op: 'id', args: '__event' }, ...(mapCel(args, () => undefined) as CelNode[])]);
    return undefined;
  });
  return serialize(rewritten as Parameters<typeof serialize>[0]);
}

function contextOf(event: EntityEvent): Record<string, unknown> {
  return {
    event_type: event.event_type,
    entity_type: event.entity_type,
    entity_id: event.entity_id,
    org_id: event.org_id ?? null,
    user_id: event.user_id ?? null,
    data: event.data ?? {},
    before: event.before ?? null,
    changed_fields: event.changed_fields ?? [],
    __event: event,
  };
}

class RuntimeCondition implements CompiledCondition {
  constructor(
    readonly source: string,
    private readonly program: Program,
  ) {}

  evaluate(event: EntityEvent): ConditionResult {
    try {
      const value = this.program(contextOf(event));
      if (typeof value === 'boolean') return { matched: value };
      return { matched: false, error: new TypeError(`the condition gave ${typeof value === 'bigint' ? 'int' : typeof value}, not a bool`) };
    } catch (error) {
      return { matched: false, error: error instanceof Error ? error : new Error(String(error)) };
    }
  }
}

const cache = new LRUCache<string, CompiledCondition>({ max: 10_000 });

/**
 * The runtime form of a condition, compiled once per text (cached). Throws when the text does not
 * parse; validation (`validateObserverRule`) has type-checked it against the entity beforehand.
 */
export function compileCondition(source: string): CompiledCondition {
  const known = cache.get(source);
  if (known) return known;
  const parsed = runtime.parse(source);
  const program: Program = runtime.parse(rewriteCondition(parsed.ast));
  const compiled = new RuntimeCondition(source, program);
  cache.set(source, compiled);
  return compiled;
}
