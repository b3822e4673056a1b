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

/** Members added after format version 1 was released: left out of the file and the hash while empty. */
const ADDITIVE_LISTS = ['inputTypes', 'mutations', 'subscriptions', 'datasets', 'observers', 'nativeFields'] as const;

type HashInput = Omit<CompiledSchema, 'hash' | (typeof ADDITIVE_LISTS)[number]> &
  Partial<Pick<CompiledSchema, (typeof ADDITIVE_LISTS)[number]>> & { hash?: string };

/**
 * sha256 (hex) of the canonical JSON of every member except `hash`: the schema version. Empty
 * `inputTypes` / `mutations` / `subscriptions` / `datasets` / `observers` / `nativeFields` count as absent, so a schema without
 * mutations has the hash it had before mutations existed (its cursors and its KV entry stay valid).
 */
export function computeSchemaHash(schema: HashInput): string {
  const { hash: _hash, ...rest } = schema;
  const body: Record<string, unknown> = { ...rest };
  for (const key of ADDITIVE_LISTS) if (Array.isArray(body[key]) && (body[key] as unknown[]).length === 0) delete body[key];
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** The file form of a compiled schema (stable member order, 2-space indent, trailing newline; empty additive lists left out). */
export function serializeCompiledSchema(
  schema: Omit<CompiledSchema, (typeof ADDITIVE_LISTS)[number]> & Partial<Pick<CompiledSchema, (typeof ADDITIVE_LISTS)[number]>>,
): string {
  const { formatVersion, hash, sdl, types, queries, inputTypes, mutations, subscriptions, datasets, observers, nativeFields } = schema;
  const file: Record<string, unknown> = { formatVersion, hash, sdl, types, queries };
  if (inputTypes && inputTypes.length > 0) file.inputTypes = inputTypes;
  if (mutations && mutations.length > 0) file.mutations = mutations;
  if (subscriptions && subscriptions.length > 0) file.subscriptions = subscriptions;
  if (datasets && datasets.length > 0) file.datasets = datasets;
  if (observers && observers.length > 0) file.observers = observers;
  if (nativeFields && nativeFields.length > 0) file.nativeFields = nativeFields;
  return `${JSON.stringify(file, null, 2)}\n`;
}
