import { createHash } from 'node:crypto';
import type { CompiledSchema } from './compiled-schema';

/** JSON with object keys sorted at every level and `undefined` members dropped: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** sha256 (hex) of the canonical JSON of every member except `hash`: the schema version. */
export function computeSchemaHash(schema: Omit<CompiledSchema, 'hash'> & { hash?: string }): string {
  const { hash: _hash, ...rest } = schema;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** The file form of a compiled schema (stable member order, 2-space indent, trailing newline). */
export function serializeCompiledSchema(schema: CompiledSchema): string {
  const { formatVersion, hash, sdl, types, queries } = schema;
  return `${JSON.stringify({ formatVersion, hash, sdl, types, queries }, null, 2)}\n`;
}
