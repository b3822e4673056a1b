/** The value at `path` below `root`; a missing key, or a step through null or a non-object, gives null. */
export function valueAtPath(root: unknown, path: readonly string[]): unknown {
  let current = root;
  for (const segment of path) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)];
    else if (current !== null && typeof current === 'object' && !Array.isArray(current) && Object.hasOwn(current, segment))
      current = (current as Record<string, unknown>)[segment];
    else return null;
    if (current === undefined) return null;
  }
  return current ?? null;
}

/** Deep equality of JSON values, with CEL ints (bigint) equal to the same JSON number. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const x = typeof a === 'bigint' ? Number(a) : (a ?? null);
  const y = typeof b === 'bigint' ? Number(b) : (b ?? null);
  if (x === y) return true;
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (Array.isArray(x)) return x.length === (y as unknown[]).length && x.every((v, i) => jsonEqual(v, (y as unknown[])[i]));
  const xs = x instanceof Map ? Object.fromEntries(x) : (x as Record<string, unknown>);
  const ys = y instanceof Map ? Object.fromEntries(y) : (y as Record<string, unknown>);
  const keys = new Set([...Object.keys(xs), ...Object.keys(ys)]);
  return [...keys].every((k) => jsonEqual(xs[k], ys[k]));
}
