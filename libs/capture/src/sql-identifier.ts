import { FraiseqlError } from '@fraiseql/errors';

// PostgreSQL truncates longer identifiers silently (NAMEDATALEN - 1); two long names could then collide.
const MAX_IDENTIFIER_BYTES = 63;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * Checks one SQL identifier taken from the compiled schema (a table, column or view name) and
 * returns it double-quoted. Only plain identifiers are accepted, so the generated SQL never
 * carries anything but names; `what` says where the name came from, for the error.
 */
export function quoteIdentifier(name: string, what: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name) || Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) {
    throw new FraiseqlError(
      'FRAISEQL_SCHEMA_INVALID',
      `${what}: ${JSON.stringify(name)} is not a plain SQL identifier (letters, digits, _ and $, at most ${MAX_IDENTIFIER_BYTES} bytes)`,
    );
  }
  return `"${name}"`;
}

/** A table or view name, optionally schema-qualified (`tb_order`, `shop.tb_order`), quoted part by part. */
export function quoteRelation(name: string, what: string): string {
  const parts = typeof name === 'string' ? name.split('.') : [name];
  if (parts.length > 2) throw new FraiseqlError('FRAISEQL_SCHEMA_INVALID', `${what}: ${JSON.stringify(name)} has more than one "."`);
  return parts.map((part) => quoteIdentifier(part, what)).join('.');
}

/** A SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** `OrderItem` → `order_item`: the entity's part of generated function and trigger names. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}
