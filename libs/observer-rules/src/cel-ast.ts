/**
 * The parts of @marcbachmann/cel-js's AST the rule code reads and rewrites: plain objects
 * `{ op, args }` (`id`: a name; `.`: [object, field]; `[]`: [object, index]; `call`: [name, args];
 * `rcall`: [name, receiver, args]; `value`: a literal; `list`: items; binary and ternary operators).
 */
export interface CelNode {
  op: string;
  args: unknown;
  start?: number;
}

export const FIELD_ROOTS = ['data', 'before'] as const;
export type FieldRoot = (typeof FIELD_ROOTS)[number];

export function isCelNode(value: unknown): value is CelNode {
  return typeof value === 'object' && value !== null && typeof (value as CelNode).op === 'string' && 'args' in value;
}

/** `data.customer.address.city` (or `data["customer"]`, `data.items[0]`) as root and segments; undefined for anything else. */
export function fieldChain(node: CelNode): { root: FieldRoot; path: string[] } | undefined {
  const path: string[] = [];
  let current: CelNode = node;
  for (;;) {
    if (current.op === 'id') {
      const name = current.args;
      if (name !== 'data' && name !== 'before') return undefined;
      return { root: name, path: path.reverse() };
    }
    if (current.op !== '.' && current.op !== '[]') return undefined;
    const [object, key] = current.args as [CelNode, unknown];
    if (current.op === '.') {
      if (typeof key !== 'string') return undefined;
      path.push(key);
    } else {
      const literal = isCelNode(key) && key.op === 'value' ? key.args : undefined;
      if (typeof literal === 'string') path.push(literal);
      else if (typeof literal === 'bigint' && literal >= 0n) path.push(literal.toString());
      else return undefined;
    }
    if (!isCelNode(object)) return undefined;
    current = object;
  }
}

/** Visits every node once, depth first. */
export function walkCel(node: unknown, visit: (node: CelNode) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walkCel(item, visit);
    return;
  }
  if (!isCelNode(node)) return;
  visit(node);
  if (node.op !== 'value' && node.op !== 'id') walkCel(node.args, visit);
}

/** A copy of the tree with `replace` applied top-down (a replaced node is not descended into). */
export function mapCel(node: unknown, replace: (node: CelNode) => CelNode | undefined): unknown {
  if (Array.isArray(node)) return node.map((item) => mapCel(item, replace));
  if (!isCelNode(node)) return node;
  const replaced = replace(node);
  if (replaced) return replaced;
  if (node.op === 'value' || node.op === 'id') return node;
  return { op: node.op, args: mapCel(node.args, replace) };
}

export const literal = (value: unknown): CelNode => ({ op: 'value', args: value });
export const call = (name: string, args: CelNode[]): CelNode => ({ op: 'call', args: [name, args] });
export const stringList = (items: readonly string[]): CelNode => ({ op: 'list', args: items.map(literal) });
