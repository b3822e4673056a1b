import type { CompiledQuery } from '@fraiseql/schema';
import type { FieldNode } from 'graphql';
import { collectSubfields, type SelectionContext } from './collect-fields';
import { CursorCodec } from './cursor-codec';
import type { FieldAccess } from './field-access';
import { Projection } from './projection';
import type { SchemaIndex } from './schema-index';
import { keysetAfter, orderSql, type SortKey } from './sort-keys';
import { jsonObject, quoteLiteral } from './sql-text';
import { renderWhere, type WhereNode } from './where-filter';

/**
 * SQL text of the three root field kinds. Each statement returns one row with one text
 * column `result` holding the field's JSON. Inputs are shapes: everything a caller gave
 * is already bound, and shapes only carry $n numbers.
 */

const ROOT_SCOPE = { row: 't', data: 't.data' };

export interface FilterShape {
  /** $n of the caller's org, or null for an entity that is not tenant-scoped. */
  org: number | null;
  where: WhereNode | null;
}

export interface ListShape extends FilterShape {
  keys: SortKey[];
  limit: number;
  offset: number;
}

export interface LookupShape extends FilterShape {
  id: number;
}

export interface ConnectionShape extends FilterShape {
  keys: SortKey[];
  /** Paging backwards (`last`): the page is read in reverse order, then put back in order. */
  backward: boolean;
  /** $n of the page size (first/last). */
  size: number;
  /** $n of each key value of the `after` / `before` cursor (null: that value is NULL); null when not given. */
  after: Array<number | null> | null;
  before: Array<number | null> | null;
  /** $n of the cursor fingerprint and HMAC pads, when the selection asks for cursors. */
  cursor: { fp: number; innerPad: number; outerPad: number } | null;
}

/** What a connection's selection asks for (aliases kept). */
export interface ConnectionSelection {
  typeName: string;
  members: Array<[key: string, kind: string, nodes: FieldNode[]]>;
  edgeTypeName: string;
  edgeMembers: Array<[key: string, kind: string, nodes: FieldNode[]]>;
  pageInfoMembers: Array<[key: string, kind: string]>;
  /** Edges or page info are selected: the page is read. */
  needsPage: boolean;
  needsCursor: boolean;
}

export function readConnectionSelection(
  ctx: SelectionContext,
  nodes: readonly FieldNode[],
  typeName: string,
  edgeTypeName: string,
): ConnectionSelection {
  const members: ConnectionSelection['members'] = [];
  const edgeMembers: ConnectionSelection['edgeMembers'] = [];
  const pageInfoMembers: ConnectionSelection['pageInfoMembers'] = [];
  let needsCursor = false;
  for (const [key, group] of collectSubfields(ctx, nodes)) {
    const kind = group[0].name.value;
    members.push([key, kind, group]);
    if (kind === 'edges') {
      for (const [edgeKey, edgeGroup] of collectSubfields(ctx, group)) {
        const edgeKind = edgeGroup[0].name.value;
        if (edgeKind === 'cursor') needsCursor = true;
        edgeMembers.push([edgeKey, edgeKind, edgeGroup]);
      }
    } else if (kind === 'pageInfo') {
      for (const [infoKey, infoGroup] of collectSubfields(ctx, group)) {
        const infoKind = infoGroup[0].name.value;
        if (infoKind === 'startCursor' || infoKind === 'endCursor') needsCursor = true;
        pageInfoMembers.push([infoKey, infoKind]);
      }
    }
  }
  const needsPage = members.some(([, kind]) => kind === 'edges' || kind === 'pageInfo');
  return { typeName, members, edgeTypeName, edgeMembers, pageInfoMembers, needsPage, needsCursor };
}

/** The WHERE conditions of a root statement: the org predicate, then the caller's filter as one conjunct. */
export function filterConditions(shape: FilterShape, aliases: { n: number }, extra: string[] = []): string {
  const parts: string[] = [];
  if (shape.org !== null) parts.push(`t.org_id = $${shape.org}::uuid`);
  // The caller's filter is one parenthesised conjunct: no `or` inside it can escape the org predicate.
  if (shape.where) parts.push(renderWhere(shape.where, ROOT_SCOPE, aliases));
  parts.push(...extra);
  return parts.length === 0 ? 'TRUE' : parts.join(' AND ');
}

/** Page subquery columns: id, data and every sort key that is not the id. */
function pageColumns(keys: readonly SortKey[]): string {
  return ['t.id', 't.data', ...keys.filter((k) => k.col !== 'id').map((k) => `${k.expr} AS ${k.col}`)].join(', ');
}

export function listStatement(
  index: SchemaIndex,
  query: CompiledQuery,
  shape: ListShape,
  ctx: SelectionContext,
  nodes: readonly FieldNode[],
  access?: FieldAccess,
): string {
  const projection = new Projection(index, ctx, access).object(query.type, collectSubfields(ctx, nodes), 't.data', [responseKeyOf(nodes)]);
  const where = filterConditions(shape, { n: 0 });
  return (
    `SELECT coalesce(json_agg(${projection} ORDER BY ${orderSql(shape.keys, 't', false)}), '[]'::json)::text AS result ` +
    `FROM (SELECT ${pageColumns(shape.keys)} FROM ${index.view(query)} t WHERE ${where} ` +
    `ORDER BY ${orderSql(shape.keys, null, false)} LIMIT $${shape.limit}::bigint OFFSET $${shape.offset}::bigint) t`
  );
}

export function lookupStatement(
  index: SchemaIndex,
  query: CompiledQuery,
  shape: LookupShape,
  ctx: SelectionContext,
  nodes: readonly FieldNode[],
  access?: FieldAccess,
): string {
  const projection = new Projection(index, ctx, access).object(query.type, collectSubfields(ctx, nodes), 't.data', [responseKeyOf(nodes)]);
  const where = filterConditions(shape, { n: 0 }, [`t.id = $${shape.id}::uuid`]);
  return `SELECT (SELECT ${projection} FROM ${index.view(query)} t WHERE ${where})::text AS result`;
}

export function connectionStatement(
  index: SchemaIndex,
  query: CompiledQuery,
  shape: ConnectionShape,
  ctx: SelectionContext,
  selection: ConnectionSelection,
  access?: FieldAccess,
  responseKey = '',
): string {
  const view = index.view(query);
  const { keys, backward } = shape;
  const aliases = { n: 0 };
  const filter = filterConditions(shape, aliases);
  const size = `$${shape.size}::bigint`;
  const forwardOrder = (alias: string): string => orderSql(keys, alias, false);
  const ctes: string[] = [];

  if (selection.needsPage) {
    const bounds: string[] = [];
    if (shape.after) bounds.push(keysetAfter(keys, shape.after, false));
    if (shape.before) bounds.push(keysetAfter(keys, shape.before, true));
    const pageWhere = bounds.length === 0 ? filter : `${filter} AND ${bounds.join(' AND ')}`;
    // One row more than asked for tells whether another page follows.
    ctes.push(
      `page AS (SELECT ${pageColumns(keys)} FROM ${view} t WHERE ${pageWhere} ` +
        `ORDER BY ${orderSql(keys, null, backward)} LIMIT ${size} + 1)`,
    );
    const pageRows = `(SELECT * FROM page p ORDER BY ${orderSql(keys, 'p', backward)} LIMIT ${size}) p`;
    if (shape.cursor) {
      const texts = keys.map((k) =>
        k.col === 'id' ? 'p.id::text' : k.sqlType === 'jsonb' ? `p.${k.col}::text` : `to_jsonb(p.${k.col}) #>> '{}'`,
      );
      const { lateral, cursor } = CursorCodec.sqlCursor(texts, shape.cursor.fp, shape.cursor.innerPad, shape.cursor.outerPad);
      ctes.push(`edges AS (SELECT p.*, ${cursor} AS cursor FROM ${pageRows} ${lateral})`);
    } else {
      ctes.push(`edges AS (SELECT p.* FROM ${pageRows})`);
    }
  }

  const extraRow = `((SELECT count(*) FROM page) > ${size})`;
  const exists = (cursorParams: Array<number | null>, reversed: boolean): string =>
    `EXISTS (SELECT 1 FROM ${view} t WHERE ${filter} AND ${keysetAfter(keys, cursorParams, reversed)})`;
  const pageInfoValue = (kind: string): string => {
    switch (kind) {
      case 'hasNextPage':
        if (!backward) return extraRow;
        return shape.before ? exists(shape.before, false) : 'false';
      case 'hasPreviousPage':
        if (backward) return extraRow;
        return shape.after ? exists(shape.after, true) : 'false';
      case 'startCursor':
        return `(SELECT e.cursor FROM edges e ORDER BY ${forwardOrder('e')} LIMIT 1)`;
      case 'endCursor':
        return `(SELECT e.cursor FROM edges e ORDER BY ${orderSql(keys, 'e', true)} LIMIT 1)`;
      default:
        return `${quoteLiteral('PageInfo')}::text`;
    }
  };

  const members: Array<[string, string]> = selection.members.map(([key, kind]) => {
    switch (kind) {
      case 'edges': {
        const projection = new Projection(index, ctx, access);
        const edge = jsonObject(
          selection.edgeMembers.map(([edgeKey, edgeKind, edgeNodes]): [string, string] => {
            if (edgeKind === 'cursor') return [edgeKey, 'e.cursor'];
            if (edgeKind === 'node')
              return [edgeKey, projection.object(query.type, collectSubfields(ctx, edgeNodes), 'e.data', [responseKey, key, edgeKey])];
            return [edgeKey, `${quoteLiteral(selection.edgeTypeName)}::text`];
          }),
        );
        return [key, `(SELECT coalesce(json_agg(${edge} ORDER BY ${forwardOrder('e')}), '[]'::json) FROM edges e)`];
      }
      case 'pageInfo':
        return [
          key,
          jsonObject(selection.pageInfoMembers.map(([infoKey, infoKind]): [string, string] => [infoKey, pageInfoValue(infoKind)])),
        ];
      case 'totalCount':
        return [key, `(SELECT count(*) FROM ${view} t WHERE ${filter})`];
      default:
        return [key, `${quoteLiteral(selection.typeName)}::text`];
    }
  });
  const body = `SELECT ${jsonObject(members)}::text AS result`;
  return ctes.length === 0 ? body : `WITH ${ctes.join(', ')} ${body}`;
}

/** The response key of a root field's nodes (its alias, else its name). */
function responseKeyOf(nodes: readonly FieldNode[]): string {
  return nodes[0]?.alias?.value ?? nodes[0]?.name.value ?? '';
}
