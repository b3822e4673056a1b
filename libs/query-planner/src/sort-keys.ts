import type { CompiledQuery } from '@fraiseql/schema';
import { GraphqlRequestError } from './graphql-request-error';
import { typedValue, type SchemaIndex } from './schema-index';

/** One ordering key of a statement; the last is always the id tie-breaker. */
export interface SortKey {
  /** `<Type>SortField` value, or `id` for the tie-breaker. */
  name: string;
  /** Typed expression over the view row `t`. */
  expr: string;
  /** Output column name in page subqueries (`k0`, ..., `id`). */
  col: string;
  sqlType: string;
  nullable: boolean;
  desc: boolean;
  nullsFirst: boolean;
}

const ROW_SCOPE = { row: 't', data: 't.data' };
const MAX_ORDER_KEYS = 10;

/**
 * The effective ordering of a list or connection: the caller's `orderBy` (or the query's
 * default), then `id` in the direction of the last key. NULLS defaults follow PostgreSQL:
 * last for ASC, first for DESC.
 */
export function readSortKeys(orderBy: unknown, query: CompiledQuery, index: SchemaIndex): SortKey[] {
  const given: Array<{ field: string; direction?: string; nulls?: string | null }> =
    Array.isArray(orderBy) && orderBy.length > 0 ? orderBy : query.defaultOrderBy;
  if (given.length > MAX_ORDER_KEYS) throw GraphqlRequestError.of('BAD_USER_INPUT', `orderBy has more than ${MAX_ORDER_KEYS} keys`);
  const keys: SortKey[] = [];
  let hasId = false;
  for (const item of given) {
    if (typeof item !== 'object' || item === null) throw GraphqlRequestError.of('BAD_USER_INPUT', 'orderBy items must be objects');
    const target = index.sortKey(query.type, String(item.field));
    if (!target) throw GraphqlRequestError.of('BAD_USER_INPUT', `orderBy: ${query.type} cannot be ordered by "${String(item.field)}"`);
    const desc = item.direction === 'DESC';
    const nullsFirst = item.nulls === 'FIRST' ? true : item.nulls === 'LAST' ? false : desc;
    if (target.entityId) hasId = true;
    keys.push({
      name: target.name,
      expr: typedValue(target, ROW_SCOPE),
      col: target.entityId ? 'id' : `k${keys.length}`,
      sqlType: target.sqlType,
      nullable: target.nullable && !target.entityId,
      desc,
      nullsFirst,
    });
  }
  if (!hasId) {
    const desc = keys.length > 0 && keys[keys.length - 1].desc;
    keys.push({ name: 'id', expr: 't.id', col: 'id', sqlType: 'uuid', nullable: false, desc, nullsFirst: desc });
  }
  return keys;
}

/** `placedAt:DESC:FIRST,id:DESC:FIRST`: the ordering as it enters the cursor fingerprint and the shape signature. */
export function orderingSignature(keys: readonly SortKey[]): string {
  return keys.map((k) => `${k.name}:${k.desc ? 'DESC' : 'ASC'}:${k.nullsFirst ? 'FIRST' : 'LAST'}`).join(',');
}

/** ORDER BY list; `alias` reads the page columns (`p.k0`), null the expressions over `t`. */
export function orderSql(keys: readonly SortKey[], alias: string | null, reversed: boolean): string {
  return keys
    .map((k) => {
      const desc = k.desc !== reversed;
      const nullsFirst = k.nullsFirst !== reversed;
      return `${alias === null ? k.expr : `${alias}.${k.col}`} ${desc ? 'DESC' : 'ASC'} NULLS ${nullsFirst ? 'FIRST' : 'LAST'}`;
    })
    .join(', ');
}

/**
 * Rows strictly after a cursor position in the ordering (or in the reversed ordering).
 * `params[i]` is the $n of key i's cursor value, or null when that value is NULL.
 * A row comparison is used when it is exact (all keys NOT NULL, same direction, no NULL
 * in the cursor); otherwise the expanded OR form, which places NULLs where ORDER BY does.
 */
export function keysetAfter(keys: readonly SortKey[], params: ReadonlyArray<number | null>, reversed: boolean): string {
  const cast = (i: number): string => `$${params[i]}::${keys[i].sqlType}`;
  const desc = (i: number): boolean => keys[i].desc !== reversed;
  const rowComparable = keys.every((k, i) => !k.nullable && params[i] !== null && desc(i) === desc(0));
  if (rowComparable) {
    if (keys.length === 1) return `(${keys[0].expr} ${desc(0) ? '<' : '>'} ${cast(0)})`;
    return `((${keys.map((k) => k.expr).join(', ')}) ${desc(0) ? '<' : '>'} (${keys.map((_, i) => cast(i)).join(', ')}))`;
  }
  const branches: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const nullsFirst = k.nullsFirst !== reversed;
    let after: string;
    if (params[i] === null) {
      if (!nullsFirst) continue; // nothing sorts after NULL when NULLs come last
      after = `${k.expr} IS NOT NULL`;
    } else {
      const cmp = `${k.expr} ${desc(i) ? '<' : '>'} ${cast(i)}`;
      after = k.nullable && !nullsFirst ? `(${cmp} OR ${k.expr} IS NULL)` : cmp;
    }
    const equal = keys.slice(0, i).map((e, j) => (params[j] === null ? `${e.expr} IS NULL` : `${e.expr} = ${cast(j)}`));
    branches.push(equal.length === 0 ? after : `(${[...equal, after].join(' AND ')})`);
  }
  if (branches.length === 0) return 'FALSE';
  const expanded = branches.length === 1 ? branches[0] : `(${branches.join(' OR ')})`;
  // A redundant range on the leading key lets an index on it bound the scan.
  if (!keys[0].nullable && params[0] !== null && keys.length > 1) {
    return `(${keys[0].expr} ${desc(0) ? '<=' : '>='} ${cast(0)} AND ${expanded})`;
  }
  return expanded;
}
