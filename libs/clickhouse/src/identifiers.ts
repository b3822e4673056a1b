import { FraiseqlError } from '@fraiseql/errors';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const QUALIFIED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
const FORMAT = /^[A-Za-z][A-Za-z0-9]*$/;

/** A database name written unquoted into DDL: letters, digits and `_` only (FRAISEQL_CONFIG_INVALID otherwise). */
export function databaseName(name: string, what = 'database'): string {
  if (!NAME.test(name))
    throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `ClickHouse ${what} ${JSON.stringify(name)} is not a plain identifier`);
  return name;
}

/** Table, column and format names come from code, never from input: anything else is a bug. */
export function tableName(name: string): string {
  if (!QUALIFIED.test(name))
    throw new FraiseqlError('FRAISEQL_INTERNAL', `ClickHouse table name ${JSON.stringify(name)} is not [db.]identifier`);
  return name;
}

export function columnNames(columns: readonly string[] | undefined): string {
  if (columns === undefined) return '';
  if (columns.length === 0 || !columns.every((c) => NAME.test(c))) {
    throw new FraiseqlError('FRAISEQL_INTERNAL', `ClickHouse insert columns ${JSON.stringify(columns)} are not identifiers`);
  }
  return ` (${columns.join(', ')})`;
}

export function formatName(format: string): string {
  if (!FORMAT.test(format))
    throw new FraiseqlError('FRAISEQL_INTERNAL', `ClickHouse format ${JSON.stringify(format)} is not a format name`);
  return format;
}

/** A ClickHouse string literal. */
export function stringLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A setting's value as SQL: numbers and booleans bare, the rest as a string literal. */
export function settingLiteral(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') return String(value);
  return /^-?\d+(\.\d+)?$/.test(value) ? value : stringLiteral(value);
}

export function settingName(name: string): string {
  if (!NAME.test(name)) throw new FraiseqlError('FRAISEQL_INTERNAL', `ClickHouse setting ${JSON.stringify(name)} is not an identifier`);
  return name;
}
