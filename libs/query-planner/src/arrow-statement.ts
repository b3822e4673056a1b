import type { CompiledField, CompiledQuery, ScalarName } from '@fraiseql/schema';
import type { FieldNode } from 'graphql';
import type { ArrowColumnNode } from './arrow-query-plan';
import { collectSubfields, type FieldGroups, type SelectionContext } from './collect-fields';
import type { FieldAccess } from './field-access';
import { Projection } from './projection';
import { filterConditions, type FilterShape } from './root-statements';
import { jsonbValue, typedValue, type SchemaIndex, type ValueTarget } from './schema-index';
import { orderSql, type SortKey } from './sort-keys';
import { jsonbAt, quoteLiteral } from './sql-text';

/**
 * The typed SELECT of a list query for Arrow Flight: one column per selected leaf, so that
 * COPY BINARY hands the Flight server values it can put straight into Arrow buffers.
 */

/** The type a scalar read from jsonb is cast to (GraphQL Int is 32-bit, hence int4). */
const ARROW_SCALAR_TYPE: Readonly<Record<ScalarName, string>> = {
  ID: 'text',
  String: 'text',
  Int: 'int4',
  Float: 'float8',
  Boolean: 'bool',
  DateTime: 'timestamptz',
  Date: 'date',
  UUID: 'uuid',
  Decimal: 'numeric',
  JSON: 'jsonb',
};

const ROOT_SCOPE = { row: 't', data: 't.data' };

export interface ArrowListShape extends FilterShape {
  keys: SortKey[];
  /** $n of the limit, or null: every matching row. */
  limit: number | null;
  /** $n of the offset, or null: none. */
  offset: number | null;
}

export interface ArrowStatement {
  sql: string;
  columns: ArrowColumnNode[];
}

export function arrowListStatement(
  index: SchemaIndex,
  query: CompiledQuery,
  shape: ArrowListShape,
  ctx: SelectionContext,
  nodes: readonly FieldNode[],
  access?: FieldAccess,
): ArrowStatement {
  const select = new ArrowSelect(index, ctx, query.type, access);
  const root = nodes[0]?.alias?.value ?? query.name;
  const columns = select.nodes(query.type, collectSubfields(ctx, nodes), [], [root], false);
  let sql =
    `SELECT ${select.expressions.join(', ')} FROM ${index.view(query)} t WHERE ${filterConditions(shape, { n: 0 })} ` +
    `ORDER BY ${orderSql(shape.keys, null, false)}`;
  if (shape.limit !== null) sql += ` LIMIT $${shape.limit}::bigint`;
  if (shape.offset !== null) sql += ` OFFSET $${shape.offset}::bigint`;
  return { sql, columns };
}

/** Collects the SELECT list (`<expr> AS cN`) while walking the selection. */
class ArrowSelect {
  readonly expressions: string[] = [];
  private elementAliases = 0;
  private readonly projection: Projection;

  constructor(
    private readonly index: SchemaIndex,
    private readonly ctx: SelectionContext,
    private readonly entity: string,
    private readonly access?: FieldAccess,
  ) {
    this.projection = new Projection(index, ctx, access);
  }

  /**
   * The nodes of an object's selection; `prefix` is the chain of nested object fields from the entity, `path` the
   * response keys to it. Under a masked field (`masked`, ADR 0136) every column is a typed NULL: the value is never read.
   */
  nodes(
    typeName: string,
    fields: FieldGroups,
    prefix: readonly CompiledField[],
    path: readonly string[],
    masked: boolean,
  ): ArrowColumnNode[] {
    const out: ArrowColumnNode[] = [];
    for (const [key, group] of fields) {
      const name = group[0].name.value;
      if (name === '__typename') {
        out.push({ kind: 'value', name: key, sqlColumn: this.column(`${quoteLiteral(typeName)}::text`) });
        continue;
      }
      const field = this.index.field(typeName, name);
      if (!field) throw new Error(`Compiled schema has no field ${typeName}.${name}`);
      const decision = masked || !this.access ? (masked ? 'mask' : 'allow') : this.access.decide(field);
      if (decision === 'refuse') throw this.access!.refusal(typeName, field, [...path, key]);
      if (decision === 'mask') {
        out.push(this.maskedNode(field, key, [...path, key], group));
        continue;
      }
      const data = jsonbAt(
        't.data',
        prefix.flatMap((f) => f.path),
      );
      if (field.type.kind === 'object') {
        const sub = collectSubfields(this.ctx, group);
        if (field.type.list) {
          out.push({
            kind: 'json',
            name: key,
            sqlColumn: this.column(`(${this.projection.value(field, sub, data, [...path, key])})::jsonb`),
          });
        } else {
          const value = jsonbAt(data, field.path);
          const presentColumn = this.column(`(jsonb_typeof(${value}) = 'object') IS TRUE`);
          out.push({
            kind: 'struct',
            name: key,
            presentColumn,
            children: this.nodes(field.type.name, sub, [...prefix, field], [...path, key], false),
          });
        }
        continue;
      }
      const target = this.index.target(this.entity, prefix, field);
      const isJson = field.type.kind === 'scalar' && field.type.name === 'JSON';
      out.push({ kind: isJson && !field.type.list ? 'json' : 'value', name: key, sqlColumn: this.column(this.leaf(field, target)) });
    }
    return out;
  }

  /** A masked field: the same column shape as when it is read, every value a typed NULL. */
  private maskedNode(field: CompiledField, key: string, path: readonly string[], group: FieldNode[]): ArrowColumnNode {
    if (field.type.kind === 'object') {
      if (field.type.list) return { kind: 'json', name: key, sqlColumn: this.column('NULL::jsonb') };
      const sub = collectSubfields(this.ctx, group);
      return { kind: 'struct', name: key, presentColumn: this.column('false'), children: this.nodes(field.type.name, sub, [], path, true) };
    }
    const type = field.type.kind === 'enum' ? 'text' : (ARROW_SCALAR_TYPE[field.type.name as ScalarName] ?? 'text');
    const isJson = field.type.kind === 'scalar' && field.type.name === 'JSON';
    return {
      kind: isJson && !field.type.list ? 'json' : 'value',
      name: key,
      sqlColumn: this.column(`NULL::${type}${field.type.list ? '[]' : ''}`),
    };
  }

  private column(expression: string): string {
    const name = `c${this.expressions.length}`;
    this.expressions.push(`${expression} AS ${name}`);
    return name;
  }

  /** A scalar or enum (or a list of them) as a typed value. */
  private leaf(field: CompiledField, target: ValueTarget): string {
    const type = field.type.kind === 'enum' ? 'text' : (ARROW_SCALAR_TYPE[field.type.name as ScalarName] ?? 'text');
    if (target.entityId || target.column !== undefined) {
      // A typed view column keeps its type; an enum column may be a PostgreSQL enum, which Arrow has no type for.
      const column = typedValue(target, ROOT_SCOPE);
      if (field.type.kind !== 'enum') return column;
      return field.type.list ? `${column}::text[]` : `${column}::text`;
    }
    if (!field.type.list) {
      return type === 'jsonb' ? jsonbValue(target, ROOT_SCOPE) : typedValue({ ...target, sqlType: type }, ROOT_SCOPE);
    }
    const list = jsonbAt(ROOT_SCOPE.data, target.path);
    const a = `a${++this.elementAliases}`;
    const [elements, element] =
      type === 'jsonb'
        ? ['jsonb_array_elements', `nullif(${a}.v, 'null'::jsonb)`]
        : ['jsonb_array_elements_text', type === 'text' ? `${a}.v` : `${a}.v::${type}`];
    return (
      `CASE WHEN jsonb_typeof(${list}) = 'array' THEN ARRAY(SELECT ${element} FROM ${elements}(${list}) WITH ORDINALITY AS ${a}(v, o) ` +
      `ORDER BY ${a}.o) END`
    );
  }
}
