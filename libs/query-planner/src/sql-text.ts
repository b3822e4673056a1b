/**
 * Spelling of SQL identifiers and literals. Only names taken from the compiled schema
 * (views, columns, JSON keys, GraphQL names) ever pass through here; caller values are
 * always bound as $n parameters.
 */

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `v_order` or `shop.v_order`, each part quoted. */
export function quoteRelation(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}

export function quoteLiteral(text: string): string {
  const quoted = `'${text.replace(/'/g, "''")}'`;
  // An E'' literal keeps its meaning whatever standard_conforming_strings says.
  return text.includes('\\') ? `E${quoted.replace(/\\/g, '\\\\')}` : quoted;
}

/** The jsonb at `path` under `base`: `t.data->'customer'->'email'`. */
export function jsonbAt(base: string, path: readonly string[]): string {
  let out = base;
  for (const key of path) out += `->${quoteLiteral(key)}`;
  return out;
}

/** The text at `path` under `base` (JSON null and a missing key both give NULL): `t.data->'customer'->>'email'`. */
export function textAt(base: string, path: readonly string[]): string {
  if (path.length === 0) return `(${base} #>> '{}')`;
  return `${jsonbAt(base, path.slice(0, -1))}->>${quoteLiteral(path[path.length - 1])}`;
}

/**
 * A JSON object built from (key, value) pairs, keeping their order. json_build_object
 * takes at most 100 arguments, so wider objects are spelled as concatenated JSON text.
 */
export function jsonObject(pairs: ReadonlyArray<readonly [string, string]>): string {
  if (pairs.length <= 50) {
    return `json_build_object(${pairs.map(([k, v]) => `${quoteLiteral(k)}, ${v}`).join(', ')})`;
  }
  const members = pairs.map(([k, v]) => `${quoteLiteral(`${JSON.stringify(k)}:`)} || coalesce(to_json(${v})::text, 'null')`);
  return `('{' || ${members.join(` || ',' || `)} || '}')::json`;
}
