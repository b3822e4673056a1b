/** A UUID in its canonical text form (any version, either case): the one check for org ids, event ids, entity ids and UUID scalars. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The canonical (lower-case) form of a UUID, or null when `value` is not one. */
export function normalizeUuid(value: unknown): string | null {
  return isUuid(value) ? value.toLowerCase() : null;
}

/** The nil UUID: stands for "no organization" where a key column cannot be NULL. */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
