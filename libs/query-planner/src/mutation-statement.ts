import { FIELD_ERROR_TYPE as FIELD_ERROR, MUTATION_ERROR_TYPE as MUTATION_ERROR, type CompiledMutation } from '@fraiseql/schema';
import type { FieldNode } from 'graphql';
import { collectSubfieldsFor, type FieldGroups, type SelectionContext } from './collect-fields';
import type { FieldAccess } from './field-access';
import { Projection } from './projection';
import type { SchemaIndex } from './schema-index';
import { jsonObject, quoteLiteral, quoteRelation } from './sql-text';

/**
 * The statement of one mutation root field (docs/adr/0082-mutations.md): it calls
 * `fn_<mutation>($1::jsonb, $2::jsonb)` — $1 the coerced `input`, $2 the caller context — and
 * PostgreSQL builds the result union's JSON from the returned `fraiseql.mutation_response` row:
 *
 *   SELECT CASE WHEN r.succeeded IS TRUE
 *     THEN json_build_object('__typename', 'CreateOrderSuccess', 'order', <projection of r.entity>, 'message', coalesce(r.message, ''))
 *     ELSE json_build_object('__typename', 'MutationError', 'errorClass', upper(...), 'message', ..., 'fieldErrors', ...)
 *   END::text AS result FROM "fn_create_order"($1::jsonb, $2::jsonb) r
 *
 * Each branch holds only the members the caller selected for that type (`... on CreateOrderSuccess`,
 * `... on MutationError`, fields on the union itself such as `__typename`). The entity is projected
 * with the query projection builder, so a mutation's entity reads exactly like a query's.
 * Field errors come from `r.metadata->'field_errors'` (a JSON array of {field, message}).
 */
export function mutationStatement(
  index: SchemaIndex,
  mutation: CompiledMutation,
  ctx: SelectionContext,
  nodes: readonly FieldNode[],
  access?: FieldAccess,
): string {
  const abstract = [mutation.resultType];
  const root = nodes[0]?.alias?.value ?? mutation.name;
  const success = successObject(index, mutation, ctx, collectSubfieldsFor(ctx, nodes, mutation.successType, abstract), access, root);
  const failure = errorObject(ctx, collectSubfieldsFor(ctx, nodes, MUTATION_ERROR, abstract));
  return (
    `SELECT CASE WHEN r.succeeded IS TRUE THEN ${success} ELSE ${failure} END::text AS result ` +
    `FROM ${quoteRelation(mutation.function)}($1::jsonb, $2::jsonb) r`
  );
}

/**
 * The success branch. The returned entity obeys the read rules (ADR 0136): selecting it needs its type's rule, and each
 * field is masked or refused as in a query — refused while the statement is built, so the function never runs.
 */
function successObject(
  index: SchemaIndex,
  mutation: CompiledMutation,
  ctx: SelectionContext,
  fields: FieldGroups,
  access: FieldAccess | undefined,
  root: string,
): string {
  const pairs: Array<[string, string]> = [];
  for (const [key, nodes] of fields) {
    const name = nodes[0].name.value;
    if (name === '__typename') pairs.push([key, `${quoteLiteral(mutation.successType)}::text`]);
    // Success messages are `String!` like MutationError.message (one type for both branches of
    // the union); a function that returned none (fraiseql.mutation_ok's default) gives ''.
    else if (name === 'message') pairs.push([key, `coalesce(r.message, '')`]);
    else if (name === mutation.entityField) {
      access?.requireType(mutation.entityType, `Reading ${root}.${key}`);
      const entity = new Projection(index, ctx, access).object(
        mutation.entityType,
        collectSubfieldsFor(ctx, nodes, mutation.entityType, []),
        'r.entity',
        [root, key],
      );
      pairs.push([key, `CASE WHEN jsonb_typeof(r.entity) = 'object' THEN ${entity} END`]);
    } else throw new Error(`Compiled schema has no field ${mutation.successType}.${name}`);
  }
  return jsonObject(pairs);
}

function errorObject(ctx: SelectionContext, fields: FieldGroups): string {
  const pairs: Array<[string, string]> = [];
  for (const [key, nodes] of fields) {
    const name = nodes[0].name.value;
    switch (name) {
      case '__typename':
        pairs.push([key, `${quoteLiteral(MUTATION_ERROR)}::text`]);
        break;
      case 'errorClass':
        // error_class is the fraiseql.error_class domain (lower case); a failure without one is INTERNAL.
        pairs.push([key, `upper(coalesce(r.error_class::text, 'internal'))`]);
        break;
      case 'message':
        pairs.push([key, `coalesce(r.message, 'The mutation failed')`]);
        break;
      case 'fieldErrors': {
        const item = fieldErrorObject(collectSubfieldsFor(ctx, nodes, FIELD_ERROR, []), 'fe.v');
        const list = `CASE WHEN jsonb_typeof(r.metadata->'field_errors') = 'array' THEN r.metadata->'field_errors' ELSE '[]'::jsonb END`;
        pairs.push([
          key,
          `(SELECT coalesce(json_agg(${item} ORDER BY fe.o), '[]'::json) FROM jsonb_array_elements(${list}) WITH ORDINALITY AS fe(v, o))`,
        ]);
        break;
      }
      default:
        throw new Error(`Compiled schema has no field ${MUTATION_ERROR}.${name}`);
    }
  }
  return jsonObject(pairs);
}

function fieldErrorObject(fields: FieldGroups, element: string): string {
  const pairs: Array<[string, string]> = [];
  for (const [key, nodes] of fields) {
    const name = nodes[0].name.value;
    if (name === '__typename') pairs.push([key, `${quoteLiteral(FIELD_ERROR)}::text`]);
    else if (name === 'field' || name === 'message') pairs.push([key, `coalesce(${element}->>${quoteLiteral(name)}, '')`]);
    else throw new Error(`Compiled schema has no field ${FIELD_ERROR}.${name}`);
  }
  return jsonObject(pairs);
}
