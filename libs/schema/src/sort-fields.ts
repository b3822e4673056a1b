import type { CompiledField, CompiledType } from './compiled-schema';
import { SORT_PATH_SEPARATOR } from './sdl-names';

export interface SortField {
  /** The `<Type>SortField` enum value: field names joined with `__` (`customer__email`). */
  name: string;
  /** The fields walked from the entity to the sorted value; the last one is a scalar or enum. */
  fields: CompiledField[];
}

/**
 * The sortable values of a type, in field declaration order: its own sortable scalar and
 * enum fields, then (in place) those of nested non-list objects. A type already on the
 * path is not entered again, so cyclic references end.
 */
export function listSortFields(types: readonly CompiledType[] | ReadonlyMap<string, CompiledType>, typeName: string): SortField[] {
  const byName = types instanceof Map ? types : new Map((types as readonly CompiledType[]).map((t) => [t.name, t]));
  const result: SortField[] = [];
  const walk = (type: CompiledType, prefix: CompiledField[], visiting: Set<string>): void => {
    for (const f of type.fields) {
      if (f.type.list) continue;
      if (f.type.kind === 'object') {
        const nested = byName.get(f.type.name);
        if (!nested || visiting.has(nested.name)) continue;
        visiting.add(nested.name);
        walk(nested, [...prefix, f], visiting);
        visiting.delete(nested.name);
      } else if (f.sortable) {
        const fields = [...prefix, f];
        result.push({ name: fields.map((x) => x.name).join(SORT_PATH_SEPARATOR), fields });
      }
    }
  };
  const root = byName.get(typeName);
  if (root) walk(root, [], new Set([root.name]));
  return result;
}
