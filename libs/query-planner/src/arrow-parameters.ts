/**
 * Statement values in a form the Flight server can inline as SQL literals (COPY takes no bind
 * parameters): scalars stay as they are, lists become PostgreSQL array literals (`{"a","b"}`,
 * read by the `$n::type[]` cast next to their placeholder), anything else its JSON text.
 */
export type InlinableValue = string | number | boolean | null;

export function inlinableValues(values: readonly unknown[]): InlinableValue[] {
  return values.map(inlinableValue);
}

function inlinableValue(value: unknown): InlinableValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return arrayLiteral(value);
  return elementText(value);
}

/** `{"a","b\"c",NULL}`: every element quoted, so commas, braces, spaces and the word NULL stay data. */
function arrayLiteral(items: readonly unknown[]): string {
  return `{${items.map((item) => (item === null || item === undefined ? 'NULL' : `"${elementText(item).replace(/[\\"]/g, '\\$&')}"`)).join(',')}}`;
}

function elementText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return arrayLiteral(value);
  return JSON.stringify(value);
}
