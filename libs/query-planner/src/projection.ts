import type { CompiledField } from '@fraiseql/schema';
import { collectSubfields, type FieldGroups, type SelectionContext } from './collect-fields';
import type { FieldAccess } from './field-access';
import type { SchemaIndex } from './schema-index';
import { jsonObject, jsonbAt, quoteLiteral } from './sql-text';

/**
 * The SQL expression building the JSON of a selection over an object held in jsonb:
 * `json_build_object('alias', t.data->'field', ...)`, keys in response order. Nested
 * objects are built only when the value is an object; nested lists keep their array
 * order (WITH ORDINALITY). Scalars, scalar lists and JSON pass through unchanged.
 *
 * With a `FieldAccess` (docs/adr/0136-authorization-in-the-plan.md), a field the caller may not read is either
 * `NULL` in the SQL (masked: its value is never read) or refused with FRAISEQL_FORBIDDEN naming its path (thrown
 * while the statement is built, so no SQL runs).
 */
export class Projection {
  private elementAliases = 0;

  constructor(
    private readonly index: SchemaIndex,
    private readonly ctx: SelectionContext,
    private readonly access?: FieldAccess,
  ) {}

  /** `path`: response keys from the root field to this object (names the field a refusal is about). */
  object(typeName: string, fields: FieldGroups, data: string, path: readonly string[] = []): string {
    const pairs: Array<[string, string]> = [];
    for (const [key, nodes] of fields) {
      const name = nodes[0].name.value;
      if (name === '__typename') {
        pairs.push([key, `${quoteLiteral(typeName)}::text`]);
        continue;
      }
      const field = this.index.field(typeName, name);
      if (!field) throw new Error(`Compiled schema has no field ${typeName}.${name}`);
      const decision = this.access ? this.access.decide(field) : 'allow';
      if (decision === 'refuse') throw this.access!.refusal(typeName, field, [...path, key]);
      pairs.push([key, decision === 'mask' ? 'NULL' : this.value(field, collectSubfields(this.ctx, nodes), data, [...path, key])]);
    }
    return jsonObject(pairs);
  }

  /** The JSON of one field of the object held in `data`, projected to the selection `sub`. */
  value(field: CompiledField, sub: FieldGroups, data: string, path: readonly string[] = []): string {
    const value = jsonbAt(data, field.path);
    if (field.type.kind !== 'object') return value;
    if (!field.type.list) {
      return `CASE WHEN jsonb_typeof(${value}) = 'object' THEN ${this.object(field.type.name, sub, value, path)} END`;
    }
    const e = `e${++this.elementAliases}`;
    const item = `CASE WHEN jsonb_typeof(${e}.v) = 'object' THEN ${this.object(field.type.name, sub, `${e}.v`, path)} END`;
    return (
      `CASE WHEN jsonb_typeof(${value}) = 'array' THEN (SELECT coalesce(json_agg(${item} ORDER BY ${e}.o), '[]'::json) ` +
      `FROM jsonb_array_elements(${value}) WITH ORDINALITY AS ${e}(v, o)) END`
    );
  }
}
