import { Environment } from '@marcbachmann/cel-js';
import { fieldChain, isCelNode, walkCel, type CelNode } from './cel-ast';
import { CONDITION_LIMITS, rewriteCondition } from './compile-condition';
import { describeFieldType, fieldAtPath, type ObserverEntity, type ObserverFieldMap, type ObserverFieldType } from './observer-entity';

/** The variables a condition may read (docs/observers.md, "Conditions"). */
export const CONDITION_VARIABLES = ['event_type', 'entity_type', 'entity_id', 'org_id', 'user_id', 'data', 'before', 'changed_fields'];

type SchemaNode = string | { [field: string]: SchemaNode };

/** The CEL type of a field for the type checker: nullable fields are `dyn` (they compare with null), literal checks cover them. */
function celType(type: ObserverFieldType): SchemaNode {
  if (type.nullable) return 'dyn';
  if (type.kind === 'list') {
    const item = type.item;
    return item.kind === 'scalar' && !item.nullable && item.type !== 'json' ? `list<${celScalar(item.type)}>` : 'list';
  }
  if (type.kind === 'object') return Object.keys(type.fields).length === 0 ? 'map' : celSchema(type.fields);
  return celScalar(type.type);
}

const celScalar = (type: string): string => ({ string: 'string', int: 'int', float: 'double', bool: 'bool' })[type] ?? 'dyn';

function celSchema(fields: ObserverFieldMap): { [field: string]: SchemaNode } {
  return Object.fromEntries(Object.entries(fields).map(([name, type]) => [name, celType(type)]));
}

const checkers = new WeakMap<ObserverEntity, Environment>();

/** The type-checking environment of an entity (cached per entity object). */
function checkerFor(entity: ObserverEntity): Environment {
  const known = checkers.get(entity);
  if (known) return known;
  const schema = celSchema(entity.fields);
  const env = new Environment({ limits: CONDITION_LIMITS })
    .registerVariable('event_type', 'string')
    .registerVariable('entity_type', 'string')
    .registerVariable('entity_id', 'string')
    .registerVariable('org_id', 'dyn')
    .registerVariable('user_id', 'dyn')
    .registerVariable('changed_fields', 'list<string>')
    .registerFunction('changed(string): bool', () => false)
    .registerFunction('changed_to(string, dyn): bool', () => false)
    .registerFunction('changed_from(string, dyn): bool', () => false);
  if (Object.keys(schema).length > 0) {
    env.registerVariable({ name: 'data', schema }).registerVariable({ name: 'before', schema });
  } else {
    env.registerVariable('data', 'map').registerVariable('before', 'map');
  }
  checkers.set(entity, env);
  return env;
}

/** The first line of a cel-js error, which otherwise carries a source excerpt. */
const firstLine = (error: unknown): string => String((error as Error)?.message ?? error).split('\n')[0];

interface FieldUse {
  root: 'data' | 'before';
  path: string[];
  type: ObserverFieldType | 'json';
}

/** Resolves a field chain against the entity, or reports why it does not resolve. */
function resolveField(entity: ObserverEntity, root: 'data' | 'before', path: readonly string[]): FieldUse | string {
  // A field below a nullable object (or a list item, which may be out of range) may read as null too.
  let nullableAbove = false;
  for (let i = 1; i <= path.length; i++) {
    const type = fieldAtPath(entity.fields, path.slice(0, i));
    const shown = `${root}.${path.slice(0, i).join('.')}`;
    if (!type) {
      const parent = i === 1 ? undefined : fieldAtPath(entity.fields, path.slice(0, i - 1));
      if (parent?.kind === 'list') return `${shown}: ${root}.${path.slice(0, i - 1).join('.')} is a list (index it with [n])`;
      return `unknown field ${shown} (${entity.name} has no field "${path.slice(0, i).join('.')}")`;
    }
    if (type.kind === 'scalar' && type.type === 'json') return { root, path: [...path], type: 'json' };
    if (type.kind === 'scalar' && i < path.length) return `${shown} is a ${type.type}, it has no field "${path[i]}"`;
    if (i < path.length) nullableAbove ||= type.nullable || type.kind === 'list';
  }
  const type = fieldAtPath(entity.fields, path) as ObserverFieldType;
  return { root, path: [...path], type: nullableAbove && !type.nullable ? { ...type, nullable: true } : type };
}

/** Why a literal can never equal a value of the field, or undefined when it can. */
function literalProblem(field: string, type: ObserverFieldType | 'json', value: unknown): string | undefined {
  if (type === 'json') return undefined;
  if (value === null) return type.nullable ? undefined : `${field} is never null (${describeFieldType(type)})`;
  if (type.kind !== 'scalar') return undefined;
  const kind = typeof value === 'bigint' || typeof value === 'number' ? 'number' : typeof value;
  const expected =
    type.type === 'int' || type.type === 'float' ? 'number' : type.type === 'bool' ? 'boolean' : type.type === 'string' ? 'string' : kind;
  if (kind !== expected)
    return `${field} is a ${type.type}, it is compared with ${JSON.stringify(typeof value === 'bigint' ? Number(value) : value)}`;
  if (type.values && typeof value === 'string' && !type.values.includes(value)) {
    return `${field} is one of ${type.values.map((v) => JSON.stringify(v)).join(', ')}; ${JSON.stringify(value)} is none of them`;
  }
  return undefined;
}

const literalOf = (node: unknown): { value: unknown } | undefined =>
  isCelNode(node) && node.op === 'value' && !(node.args instanceof Uint8Array) ? { value: node.args } : undefined;

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const CHANGE_FUNCTIONS = new Set(['changed', 'changed_to', 'changed_from']);

export interface ConditionCheckOptions {
  /** The rule's event types: `before` and `changed_from` on UPDATE need pre-images. */
  eventTypes: readonly string[];
}

/**
 * Every reason the condition would be refused for this entity: it does not parse, reads an unknown
 * variable or field, compares a field with a literal it can never equal, does not type-check, or
 * reads the pre-image of an entity that has none. Empty when the condition is accepted.
 */
export function checkCondition(source: string, entity: ObserverEntity, options: ConditionCheckOptions): string[] {
  const env = checkerFor(entity);
  let ast: unknown;
  try {
    ast = env.parse(source).ast;
  } catch (error) {
    return [`does not parse: ${firstLine(error)}`];
  }
  const problems: string[] = [];
  const updates = options.eventTypes.some((t) => t !== 'INSERT' && t !== 'DELETE');
  const fieldOf = (node: unknown): FieldUse | undefined => {
    if (!isCelNode(node)) return undefined;
    const chain = fieldChain(node);
    if (!chain || chain.path.length === 0) return undefined;
    const resolved = resolveField(entity, chain.root, chain.path);
    return typeof resolved === 'string' ? undefined : resolved;
  };
  const show = (use: FieldUse) => `${use.root}.${use.path.join('.')}`;
  let readsBefore = false;

  walkCel(ast, (node: CelNode) => {
    if (node.op === 'id' && node.args === 'before') readsBefore = true;
    if ((node.op === '.' || node.op === '[]') && isCelNode((node.args as unknown[])[0])) {
      const chain = fieldChain(node);
      // Only the outermost select of a chain is checked (its prefixes are visited after it).
      if (chain && !isParentOfCheckedChain(node, ast)) {
        const resolved = resolveField(entity, chain.root, chain.path);
        if (typeof resolved === 'string') problems.push(resolved);
      }
    }
    if (COMPARISONS.has(node.op) || node.op === 'in') {
      const [left, right] = node.args as [unknown, unknown];
      const field = fieldOf(left);
      const other = node.op === 'in' ? right : right;
      if (field && node.op === 'in' && isCelNode(other) && other.op === 'list') {
        for (const item of other.args as unknown[]) {
          const lit = literalOf(item);
          const problem = lit && literalProblem(show(field), field.type, lit.value);
          if (problem) problems.push(problem);
        }
      } else if (node.op !== 'in') {
        for (const [f, l] of [
          [field, literalOf(right)],
          [fieldOf(right), literalOf(left)],
        ] as const) {
          const problem = f && l && literalProblem(show(f), f.type, l.value);
          if (problem) problems.push(problem);
        }
      }
    }
    if (node.op === 'call') {
      const [name, args] = node.args as [string, unknown[]];
      if (CHANGE_FUNCTIONS.has(name)) problems.push(...changeCallProblems(entity, name, args, updates));
    }
  });
  if (readsBefore && updates && !entity.preImages) {
    problems.push(`reads before, but ${entity.name} has no pre-images (before is null on its UPDATE events; enable capture preImages)`);
  } else if (readsBefore && !updates) {
    problems.push('reads before, which is null on INSERT and DELETE events (use data)');
  }
  if (problems.length > 0) return [...new Set(problems)];

  const checked = env.check(source);
  if (!checked.valid) return [`does not type-check: ${firstLine(checked.error)}`];
  if (checked.type !== 'bool' && checked.type !== 'dyn') return [`gives ${checked.type}, not a bool`];
  try {
    rewriteCondition(ast);
  } catch (error) {
    return [`cannot be compiled: ${firstLine(error)}`];
  }
  return [];
}

/** Whether `node` is the object of another `.`/`[]` node that itself forms a field chain (so only the longest chain is checked). */
function isParentOfCheckedChain(node: CelNode, ast: unknown): boolean {
  let parentIsChain = false;
  walkCel(ast, (candidate) => {
    if ((candidate.op === '.' || candidate.op === '[]') && (candidate.args as unknown[])[0] === node && fieldChain(candidate)) {
      parentIsChain = true;
    }
  });
  return parentIsChain;
}

function changeCallProblems(entity: ObserverEntity, name: string, args: unknown[], updates: boolean): string[] {
  const expected = name === 'changed' ? 1 : 2;
  if (args.length !== expected)
    return [`${name}() takes ${expected === 1 ? "a field ('status')" : "a field and a value ('status', 'SHIPPED')"}`];
  const path = literalOf(args[0])?.value;
  if (typeof path !== 'string') return [`${name}(): the field must be a string literal ('status', 'customer.email')`];
  const segments = path.split('.');
  const resolved = resolveField(entity, 'data', segments);
  if (typeof resolved === 'string') return [`${name}('${path}'): ${resolved}`];
  const problems: string[] = [];
  if (name !== 'changed') {
    const value = literalOf(args[1]);
    const problem = value && literalProblem(path, resolved.type, value.value);
    if (problem) problems.push(`${name}('${path}', …): ${problem}`);
  }
  if (name === 'changed_from' && updates && !entity.preImages) {
    problems.push(
      `changed_from('${path}', …) can never be true on UPDATE: ${entity.name} has no pre-images (enable capture preImages, or use changed_to)`,
    );
  }
  return problems;
}
