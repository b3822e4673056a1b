import type { CompiledField } from '@fraiseql/schema';
import { isUuid } from '@fraiseql/identity';
import { GraphqlRequestError } from './graphql-request-error';
import type { FieldAccess } from './field-access';
import { jsonbValue, textValue, typedValue, type SchemaIndex, type ValueScope, type ValueTarget } from './schema-index';
import type { StatementParams } from './statement-params';

/**
 * `where` arguments: read into a tree whose leaves hold $n parameter numbers (values are
 * bound while reading), then rendered to SQL. Rendering depends only on the tree's shape,
 * which the reader records in the statement signature.
 */
export type WhereNode =
  | { k: 'and' | 'or'; items: WhereNode[] }
  | { k: 'not'; item: WhereNode }
  | { k: 'cmp'; target: ValueTarget; op: ComparisonOp; p: number }
  | { k: 'null'; target: ValueTarget; isNull: boolean; list: boolean }
  | { k: 'quant'; target: ValueTarget; q: 'some' | 'none' | 'every'; item: WhereNode };

type ComparisonOp =
  | '='
  | '<>'
  | '>'
  | '>='
  | '<'
  | '<='
  | 'in'
  | 'nin'
  | 'like'
  | 'ilike'
  | 'json='
  | 'json@>'
  | 'json<@'
  | 'json?'
  | 'list@>'
  | 'listOverlaps';

const ORDER_OPS: Record<string, ComparisonOp> = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };
/** Pattern operators taking a literal fragment: [prefix wildcard, suffix wildcard, case-insensitive]. */
const FRAGMENT_OPS: Record<string, [boolean, boolean, boolean]> = {
  contains: [true, true, false],
  startsWith: [false, true, false],
  endsWith: [true, false, false],
  icontains: [true, true, true],
  istartsWith: [false, true, true],
  iendsWith: [true, false, true],
};
const JSON_OPS: Record<string, ComparisonOp> = { eq: 'json=', contains: 'json@>', containedBy: 'json<@', hasKey: 'json?' };

/** Bounds on one `where` value, so that a huge filter cannot become a huge statement. */
const MAX_WHERE_DEPTH = 32;
const MAX_WHERE_CONDITIONS = 500;

/** Escapes LIKE metacharacters (backslash is PostgreSQL's default LIKE escape). */
function escapeLike(fragment: string): string {
  return fragment.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const badInput = (message: string): GraphqlRequestError => GraphqlRequestError.of('BAD_USER_INPUT', message);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export class WhereReader {
  private conditions = 0;

  constructor(
    private readonly index: SchemaIndex,
    private readonly params: StatementParams,
    /** The caller's read rules (ADR 0136): a filter on a field it may not read (masked too) is FRAISEQL_FORBIDDEN. */
    private readonly access?: FieldAccess,
  ) {}

  /** Reads a root `where` (null or absent: no condition). */
  read(where: unknown, entityName: string): WhereNode | null {
    if (where === undefined || where === null) return null;
    this.params.mark('where{');
    const node = this.object(where, entityName, entityName, [], 'where', 0);
    this.params.mark('}');
    return node;
  }

  private object(value: unknown, typeName: string, entity: string | null, prefix: CompiledField[], at: string, depth: number): WhereNode {
    if (!isObject(value)) throw badInput(`${at} must be an object`);
    if (depth > MAX_WHERE_DEPTH) throw badInput(`${at}: filters are nested more than ${MAX_WHERE_DEPTH} levels deep`);
    const items: WhereNode[] = [];
    for (const [key, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const here = `${at}.${key}`;
      if (v === null) throw badInput(`${here} is null; leave it out, or use isNull to match missing values`);
      if (key === 'and' || key === 'or') {
        if (!Array.isArray(v)) throw badInput(`${here} must be a list`);
        this.params.mark(`${key}[`);
        const parts = v.map((item, i) => this.object(item, typeName, entity, prefix, `${here}[${i}]`, depth + 1));
        this.params.mark(']');
        items.push({ k: key, items: parts });
      } else if (key === 'not') {
        this.params.mark('not(');
        items.push({ k: 'not', item: this.object(v, typeName, entity, prefix, here, depth + 1) });
        this.params.mark(')');
      } else {
        const field = this.index.field(typeName, key);
        if (!field || !field.filterable) throw badInput(`${here}: ${typeName} has no filterable field "${key}"`);
        this.access?.requireFilterable(typeName, field, here, 'Filtering');
        this.params.mark(`${key}{`);
        items.push(this.field(v, field, entity, prefix, here, depth));
        this.params.mark('}');
      }
    }
    return items.length === 1 ? items[0] : { k: 'and', items };
  }

  private field(
    value: unknown,
    field: CompiledField,
    entity: string | null,
    prefix: CompiledField[],
    at: string,
    depth: number,
  ): WhereNode {
    if (field.type.kind === 'object' && !field.type.list) {
      return this.object(value, field.type.name, entity, [...prefix, field], at, depth + 1);
    }
    if (!isObject(value)) throw badInput(`${at} must be an object`);
    const target = this.index.target(entity, prefix, field);
    const items: WhereNode[] = [];
    for (const [op, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const here = `${at}.${op}`;
      if (v === null) throw badInput(`${here} is null; leave it out, or use isNull to match missing values`);
      if (++this.conditions > MAX_WHERE_CONDITIONS) throw badInput(`where has more than ${MAX_WHERE_CONDITIONS} conditions`);
      this.params.mark(op);
      items.push(this.condition(op, v, field, target, here, depth));
    }
    return items.length === 1 ? items[0] : { k: 'and', items };
  }

  private condition(op: string, value: unknown, field: CompiledField, target: ValueTarget, at: string, depth: number): WhereNode {
    if (op === 'isNull') {
      if (typeof value !== 'boolean') throw badInput(`${at} must be a boolean`);
      this.params.mark(String(value));
      return { k: 'null', target, isNull: value, list: field.type.list !== undefined || field.type.kind === 'object' };
    }
    if (field.type.list && field.type.kind === 'object') {
      if (op !== 'some' && op !== 'none' && op !== 'every') throw badInput(`${at}: unknown list condition "${op}"`);
      this.params.mark('(');
      const item = this.object(value, field.type.name, null, [], at, depth + 1);
      this.params.mark(')');
      return { k: 'quant', target, q: op, item };
    }
    if (field.type.list) {
      if (!Array.isArray(value)) throw badInput(`${at} must be a list`);
      const items = value.map((v, i) => this.scalar(v, target, `${at}[${i}]`));
      if (op === 'contains') return { k: 'cmp', target, op: 'list@>', p: this.params.add(JSON.stringify(items)) };
      if (op === 'overlaps') return { k: 'cmp', target, op: 'listOverlaps', p: this.params.add(items.map((v) => JSON.stringify([v]))) };
      throw badInput(`${at}: unknown list condition "${op}"`);
    }
    if (target.sqlType === 'jsonb') {
      const jsonOp = JSON_OPS[op];
      if (!jsonOp) throw badInput(`${at}: unknown JSON condition "${op}"`);
      if (jsonOp === 'json?') {
        if (typeof value !== 'string') throw badInput(`${at} must be a string`);
        return { k: 'cmp', target, op: jsonOp, p: this.params.add(value) };
      }
      return { k: 'cmp', target, op: jsonOp, p: this.params.add(JSON.stringify(value)) };
    }
    const orderOp = ORDER_OPS[op];
    if (orderOp) return { k: 'cmp', target, op: orderOp, p: this.params.add(this.scalar(value, target, at)) };
    if (op === 'in' || op === 'nin') {
      if (!Array.isArray(value)) throw badInput(`${at} must be a list`);
      return { k: 'cmp', target, op, p: this.params.add(value.map((v, i) => this.scalar(v, target, `${at}[${i}]`))) };
    }
    if (op === 'like' || op === 'ilike') {
      if (typeof value !== 'string') throw badInput(`${at} must be a string`);
      return { k: 'cmp', target, op, p: this.params.add(value) };
    }
    const fragment = FRAGMENT_OPS[op];
    if (fragment) {
      if (typeof value !== 'string') throw badInput(`${at} must be a string`);
      const [before, after, insensitive] = fragment;
      const pattern = `${before ? '%' : ''}${escapeLike(value)}${after ? '%' : ''}`;
      return { k: 'cmp', target, op: insensitive ? 'ilike' : 'like', p: this.params.add(pattern) };
    }
    throw badInput(`${at}: unknown condition "${op}"`);
  }

  /** One value as bound to a parameter of the target's type. */
  private scalar(value: unknown, target: ValueTarget, at: string): unknown {
    if (value === null || value === undefined) throw badInput(`${at} is null`);
    if (value instanceof Date) return value.toISOString();
    if (target.sqlType === 'uuid' && !isUuid(value)) {
      throw badInput(`${at}: ${JSON.stringify(value)} is not a valid id (a UUID is expected)`);
    }
    if (target.sqlType === 'jsonb') return JSON.stringify(value);
    return value;
  }
}

/** Renders a where tree; `aliases` numbers the JSON array elements of some/none/every. */
export function renderWhere(node: WhereNode, scope: ValueScope, aliases: { n: number }): string {
  switch (node.k) {
    case 'and':
      if (node.items.length === 0) return 'TRUE';
      return node.items.length === 1
        ? renderWhere(node.items[0], scope, aliases)
        : `(${node.items.map((n) => renderWhere(n, scope, aliases)).join(' AND ')})`;
    case 'or':
      if (node.items.length === 0) return 'FALSE';
      return `(${node.items.map((n) => renderWhere(n, scope, aliases)).join(' OR ')})`;
    case 'not':
      // The complement of the filter: rows where it is false or unknown (NULL).
      return `(NOT coalesce(${renderWhere(node.item, scope, aliases)}, false))`;
    case 'null': {
      const value = node.list ? jsonbValue(node.target, scope) : typedValue(node.target, scope);
      return `(${value} ${node.isNull ? 'IS NULL' : 'IS NOT NULL'})`;
    }
    case 'quant': {
      const list = jsonbValue(node.target, scope);
      const alias = `w${++aliases.n}`;
      const item = renderWhere(node.item, { row: null, data: `${alias}.v` }, aliases);
      const from = `FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${list}) = 'array' THEN ${list} END) AS ${alias}(v)`;
      if (node.q === 'some') return `EXISTS (SELECT 1 ${from} WHERE ${item})`;
      if (node.q === 'none') return `(NOT EXISTS (SELECT 1 ${from} WHERE ${item}))`;
      return `(NOT EXISTS (SELECT 1 ${from} WHERE NOT coalesce(${item}, false)))`;
    }
    case 'cmp':
      return renderComparison(node.target, node.op, node.p, scope);
  }
}

function renderComparison(target: ValueTarget, op: ComparisonOp, p: number, scope: ValueScope): string {
  const type = target.sqlType;
  switch (op) {
    case 'in':
      return `(${typedValue(target, scope)} = ANY($${p}::${type}[]))`;
    case 'nin':
      return `(${typedValue(target, scope)} <> ALL($${p}::${type}[]))`;
    case 'like':
      return `(${textValue(target, scope)} LIKE $${p}::text)`;
    case 'ilike':
      return `(${textValue(target, scope)} ILIKE $${p}::text)`;
    case 'json=':
      return `(${typedValue(target, scope)} = $${p}::jsonb)`;
    case 'json@>':
      return `(${typedValue(target, scope)} @> $${p}::jsonb)`;
    case 'json<@':
      return `(${typedValue(target, scope)} <@ $${p}::jsonb)`;
    case 'json?':
      return `(${typedValue(target, scope)} ? $${p}::text)`;
    case 'list@>':
      return `(${jsonbValue(target, scope)} @> $${p}::jsonb)`;
    case 'listOverlaps':
      return `(${jsonbValue(target, scope)} @> ANY($${p}::jsonb[]))`;
    default:
      return `(${typedValue(target, scope)} ${op} $${p}::${type})`;
  }
}
