import type { CompiledSchema } from '@fraiseql/schema';
import { FieldAccess } from './field-access';
import { GraphqlRequestError } from './graphql-request-error';
import { schemaIndexOf, type ValueTarget } from './schema-index';
import { StatementParams } from './statement-params';
import { WhereReader, type WhereNode } from './where-filter';

/**
 * `where` evaluated in Node against one entity's `data` (a change event), with the semantics
 * of the SQL the planner renders for the same input (docs/adr/0083-subscriptions.md): the input
 * is read by the planner's own WhereReader (same validation, same bound values, same LIKE
 * escaping), then each node is compiled once into a closure. SQL's three-valued logic is kept:
 * a condition on a missing or JSON-null value is unknown (null), `not` is the complement
 * (`NOT coalesce(x, false)`), and only `true` matches.
 */
export type WhereMatcher = (data: Readonly<Record<string, unknown>>) => boolean;

type Truth = boolean | null;
type Evaluate = (scope: unknown) => Truth;

/**
 * Compiles a `<Type>WhereInput` value (as graphql-js coerced it) into a predicate over the
 * entity's `data`. Null or absent `where` matches everything. Throws GraphqlRequestError
 * (BAD_USER_INPUT) for input the planner would refuse. With `callerRoles`, a condition on a field
 * the caller may not read is FRAISEQL_FORBIDDEN, as in the planner (docs/adr/0136-authorization-in-the-plan.md).
 */
export function compileWhereMatcher(
  compiled: CompiledSchema,
  typeName: string,
  where: unknown,
  callerRoles?: readonly string[],
): WhereMatcher {
  const params = new StatementParams();
  const index = schemaIndexOf(compiled);
  const access = callerRoles === undefined ? undefined : new FieldAccess(index, callerRoles);
  const node = new WhereReader(index, params, access).read(where, typeName);
  if (node === null) return () => true;
  const evaluate = compileNode(node, params.values);
  return (data) => evaluate(data) === true;
}

function compileNode(node: WhereNode, values: readonly unknown[]): Evaluate {
  switch (node.k) {
    case 'and': {
      const items = node.items.map((n) => compileNode(n, values));
      return (scope) => {
        let unknown = false;
        for (const item of items) {
          const t = item(scope);
          if (t === false) return false;
          if (t === null) unknown = true;
        }
        return unknown ? null : true;
      };
    }
    case 'or': {
      const items = node.items.map((n) => compileNode(n, values));
      return (scope) => {
        let unknown = false;
        for (const item of items) {
          const t = item(scope);
          if (t === true) return true;
          if (t === null) unknown = true;
        }
        return unknown ? null : false;
      };
    }
    case 'not': {
      const item = compileNode(node.item, values);
      return (scope) => item(scope) !== true;
    }
    case 'null': {
      const { path } = node.target;
      const wanted = node.isNull;
      return (scope) => isSqlNull(valueAt(scope, path)) === wanted;
    }
    case 'quant': {
      const { path } = node.target;
      const item = compileNode(node.item, values);
      const q = node.q;
      return (scope) => {
        const list = valueAt(scope, path);
        const elements = Array.isArray(list) ? list : [];
        if (q === 'some') return elements.some((e) => item(e) === true);
        if (q === 'none') return !elements.some((e) => item(e) === true);
        return elements.every((e) => item(e) === true);
      };
    }
    case 'cmp':
      return compileComparison(node.target, node.op, values[node.p - 1]);
  }
}

function compileComparison(target: ValueTarget, op: Extract<WhereNode, { k: 'cmp' }>['op'], param: unknown): Evaluate {
  const { path, sqlType } = target;
  switch (op) {
    case 'in':
    case 'nin': {
      const items = (param as unknown[]).map((v) => cast(sqlType, v));
      const compare = comparer(sqlType);
      // `x = ANY('{}')` is false and `x <> ALL('{}')` true even when x is NULL.
      if (items.length === 0) return () => op === 'nin';
      return (scope) => {
        const value = typedAt(scope, path, sqlType);
        if (value === null) return null;
        const found = items.some((item) => item !== null && compare(value, item) === 0);
        return op === 'in' ? found : !found;
      };
    }
    case 'like':
    case 'ilike': {
      const pattern = likePattern(param as string, op === 'ilike');
      return (scope) => {
        const raw = valueAt(scope, path);
        return isSqlNull(raw) ? null : pattern.test(textOf(raw));
      };
    }
    case 'json=':
    case 'json@>':
    case 'json<@': {
      const other = JSON.parse(param as string) as unknown;
      return (scope) => {
        const raw = valueAt(scope, path);
        if (isSqlNull(raw)) return null;
        if (op === 'json=') return jsonbEquals(raw, other);
        return op === 'json@>' ? jsonbContains(raw, other) : jsonbContains(other, raw);
      };
    }
    case 'json?': {
      const key = param as string;
      return (scope) => {
        const raw = valueAt(scope, path);
        return isSqlNull(raw) ? null : jsonbHasKey(raw, key);
      };
    }
    case 'list@>': {
      const other = JSON.parse(param as string) as unknown;
      return (scope) => {
        const raw = valueAt(scope, path);
        return isSqlNull(raw) ? null : jsonbContains(raw, other);
      };
    }
    case 'listOverlaps': {
      const candidates = (param as string[]).map((text) => JSON.parse(text) as unknown);
      // `x @> ANY('{}')` is false even when x is NULL.
      if (candidates.length === 0) return () => false;
      return (scope) => {
        const raw = valueAt(scope, path);
        return isSqlNull(raw) ? null : candidates.some((c) => jsonbContains(raw, c));
      };
    }
    default: {
      const compare = comparer(sqlType);
      const value = cast(sqlType, param);
      const test = ORDER_TESTS[op];
      return (scope) => {
        const actual = typedAt(scope, path, sqlType);
        if (actual === null || value === null) return null;
        return test(compare(actual, value));
      };
    }
  }
}

const ORDER_TESTS: Record<string, (c: number) => boolean> = {
  '=': (c) => c === 0,
  '<>': (c) => c !== 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
};

/** The JSON value at `path` as `->` reads it: only objects have keys; anything else gives undefined. */
function valueAt(scope: unknown, path: readonly string[]): unknown {
  let value = scope;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

const isSqlNull = (value: unknown): boolean => value === undefined || value === null;

/** What `->>` gives for a (non-null) JSON value. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

type Typed = string | number | boolean | Decimal;

function typedAt(scope: unknown, path: readonly string[], sqlType: string): Typed | null {
  const raw = valueAt(scope, path);
  return isSqlNull(raw) ? null : cast(sqlType, raw);
}

/** The value as the SQL cast `::<sqlType>` reads it; null where PostgreSQL would refuse the cast (no match instead of an error). */
function cast(sqlType: string, value: unknown): Typed | null {
  if (isSqlNull(value)) return null;
  switch (sqlType) {
    case 'bigint':
    case 'double precision': {
      const n = typeof value === 'number' ? value : Number(textOf(value).trim());
      return Number.isFinite(n) ? n : null;
    }
    case 'numeric':
      return parseDecimal(textOf(value));
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      const text = textOf(value).trim().toLowerCase();
      if (['t', 'true', 'yes', 'y', 'on', '1'].includes(text)) return true;
      if (['f', 'false', 'no', 'n', 'off', '0'].includes(text)) return false;
      return null;
    }
    case 'timestamptz':
      return parseInstantMicros(textOf(value));
    case 'date': {
      const m = /^\s*(\d{4}-\d{2}-\d{2})/.exec(textOf(value));
      return m ? m[1]! : null;
    }
    case 'uuid':
      return textOf(value).toLowerCase();
    default:
      return textOf(value);
  }
}

function comparer(sqlType: string): (a: Typed, b: Typed) => number {
  switch (sqlType) {
    case 'bigint':
    case 'double precision':
    case 'timestamptz':
      return (a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);
    case 'numeric':
      return (a, b) => compareDecimals(a as Decimal, b as Decimal);
    case 'boolean':
      return (a, b) => Number(a) - Number(b);
    case 'text':
      return (a, b) => compareCodePoints(a as string, b as string);
    default:
      // uuid (lower-case hex at fixed positions) and date (YYYY-MM-DD) order as plain strings.
      return (a, b) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0);
  }
}

/** Text order of the C / C.UTF-8 collation: Unicode code points (UTF-16 code units differ above U+FFFF). */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

/** An exact decimal: sign, significant digits without leading or trailing zeros, and the exponent of the first digit. */
interface Decimal {
  sign: -1 | 0 | 1;
  digits: string;
  exponent: number;
}

function parseDecimal(text: string): Decimal | null {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const all = `${m[2]}${m[3] ?? ''}`;
  const leading = all.length - all.replace(/^0+/, '').length;
  const digits = all.slice(leading).replace(/0+$/, '');
  if (digits === '') return { sign: 0, digits: '', exponent: 0 };
  return { sign: m[1] === '-' ? -1 : 1, digits, exponent: m[2]!.length - leading + Number(m[4] ?? 0) };
}

function compareDecimals(a: Decimal, b: Decimal): number {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign === 0) return 0;
  let magnitude: number;
  if (a.exponent !== b.exponent) magnitude = a.exponent < b.exponent ? -1 : 1;
  else magnitude = a.digits === b.digits ? 0 : a.digits < b.digits ? -1 : 1;
  return magnitude * a.sign;
}

const INSTANT = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?\s*$/;

/** Microseconds since the epoch; text without an offset is read as UTC (the time zone data is rendered in). */
function parseInstantMicros(text: string): number | null {
  const m = INSTANT.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  let ms = Date.UTC(y, mo - 1, d, h, mi, s);
  if (Number.isNaN(ms)) return null;
  const zone = m[8];
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0)) * 60_000;
  }
  const fraction = m[7] ?? '';
  // PostgreSQL keeps microseconds and rounds what is beyond them.
  let micros = Number(fraction.slice(0, 6).padEnd(6, '0'));
  if (fraction.length > 6 && Number(fraction[6]) >= 5) micros += 1;
  return ms * 1000 + micros;
}

/** A LIKE / ILIKE pattern (backslash escapes, `%` any run, `_` one character) as an anchored regular expression. */
function likePattern(pattern: string, insensitive: boolean): RegExp {
  let source = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\') {
      const next = chars[++i];
      if (next === undefined) throw GraphqlRequestError.of('BAD_USER_INPUT', 'A LIKE pattern must not end with the escape character "\\".');
      source += escapeRegExp(next);
    } else if (c === '%') {
      source += '[\\s\\S]*';
    } else if (c === '_') {
      source += '[\\s\\S]';
    } else {
      source += escapeRegExp(c);
    }
  }
  return new RegExp(`^${source}$`, insensitive ? 'iu' : 'u');
}

const escapeRegExp = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isContainer = (v: unknown): boolean => typeof v === 'object' && v !== null;

/** jsonb scalar equality: numbers numerically, the rest by value. */
function scalarEquals(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  return a === b;
}

/** jsonb `=`: objects regardless of key order, arrays in order. */
function jsonbEquals(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonbEquals(v, b[i]));
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonbEquals(a[k], b[k]))
    );
  }
  return !isContainer(b) && scalarEquals(a, b);
}

/**
 * jsonb `@>` (PostgreSQL's JsonbDeepContains): objects contain the keys and contained values of
 * the other; arrays contain every element of the other (order and duplicates ignored); at the top
 * level only, an array also contains a scalar it holds.
 */
function jsonbContains(a: unknown, b: unknown, top = true): boolean {
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return top && !isContainer(b) && a.some((e) => !isContainer(e) && scalarEquals(e, b));
    return b.every((item) =>
      isContainer(item)
        ? a.some((e) => isContainer(e) && Array.isArray(e) === Array.isArray(item) && jsonbContains(e, item, false))
        : a.some((e) => !isContainer(e) && scalarEquals(e, item)),
    );
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    return Object.keys(b).every((k) => {
      if (!Object.prototype.hasOwnProperty.call(a, k)) return false;
      const x = a[k];
      const y = b[k];
      if (isContainer(x) || isContainer(y))
        return isContainer(x) && isContainer(y) && Array.isArray(x) === Array.isArray(y) && jsonbContains(x, y, false);
      return scalarEquals(x, y);
    });
  }
  // A scalar contains only an equal scalar (never an array).
  return !isContainer(b) && scalarEquals(a, b);
}

/** jsonb `?`: a top-level key of an object, a string element of an array, or the string itself. */
function jsonbHasKey(value: unknown, key: string): boolean {
  if (Array.isArray(value)) return value.some((e) => e === key);
  if (isPlainObject(value)) return Object.prototype.hasOwnProperty.call(value, key);
  return value === key;
}
