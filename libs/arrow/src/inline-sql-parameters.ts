import { escapeLiteral } from 'pg';
import { FraiseqlError } from '@fraiseql/errors';

/** A value that may stand for a `$n` placeholder in a COPY query. */
export type SqlParameter = string | number | bigint | boolean | Date | null;

/**
 * COPY takes no bind parameters, so `$n` placeholders are replaced by literals quoted with
 * pg's `escapeLiteral` (an untyped literal, like a bound parameter, takes its type from
 * context; add `::type` casts where PostgreSQL cannot infer it). Only placeholders in SQL
 * code are replaced: string literals, quoted identifiers, dollar-quoted bodies and comments
 * are copied untouched, so a `$1` inside them never changes.
 */
export function inlineSqlParameters(sql: string, params: readonly SqlParameter[]): string {
  if (params.length === 0) return sql;
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    let end = i + 1;
    if (c === "'" || c === '"') {
      end = quotedEnd(sql, i, c, c === "'" && isEscapeString(sql, i));
    } else if (c === '-' && sql[i + 1] === '-') {
      const newline = sql.indexOf('\n', i);
      end = newline < 0 ? n : newline + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      end = blockCommentEnd(sql, i);
    } else if (c === '$') {
      const digits = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      if (digits && !isIdentifierChar(sql[i - 1])) {
        const index = Number(digits[1]) - 1;
        if (index < 0 || index >= params.length) {
          throw new FraiseqlError('BAD_USER_INPUT', `The query uses $${index + 1} but ${params.length} parameter(s) were given`);
        }
        out += literal(params[index]!);
        i += digits[0].length;
        continue;
      }
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag && !isIdentifierChar(sql[i - 1])) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        end = close < 0 ? n : close + tag[0].length;
      }
    }
    out += sql.slice(i, end);
    i = end;
  }
  return out;
}

function literal(value: SqlParameter): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return escapeLiteral(value);
  if (typeof value === 'bigint') return escapeLiteral(value.toString());
  if (typeof value === 'boolean') return value ? "'true'" : "'false'";
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return escapeLiteral(String(value).replace('Infinity', 'infinity'));
    return escapeLiteral(String(value));
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new FraiseqlError('BAD_USER_INPUT', 'Invalid Date given as a query parameter');
    return escapeLiteral(value.toISOString());
  }
  throw new FraiseqlError('BAD_USER_INPUT', `Unsupported query parameter type: ${typeof value}`);
}

function isIdentifierChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$]/.test(c);
}

function isEscapeString(sql: string, quoteAt: number): boolean {
  const prefix = sql[quoteAt - 1];
  return (prefix === 'E' || prefix === 'e') && !isIdentifierChar(sql[quoteAt - 2]);
}

function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}
