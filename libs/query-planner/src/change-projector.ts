import type { CompiledSchema, CompiledSubscription } from '@fraiseql/schema';
import type { FieldNode, FragmentDefinitionNode } from 'graphql';
import { FraiseqlError } from '@fraiseql/errors';
import { holdsAnyRole } from '@fraiseql/schema';
import { collectSubfields, type FieldGroups, type SelectionContext } from './collect-fields';
import { FieldAccess } from './field-access';
import { schemaIndexOf, type SchemaIndex } from './schema-index';

/** The members of an EntityEvent a change projection reads (libs/events, docs/architecture.md, "The event"). */
export interface ChangeEventFields {
  event_id: string;
  event_type: string;
  timestamp: string;
  changed_fields: readonly string[];
  data: Readonly<Record<string, unknown>>;
  before: Readonly<Record<string, unknown>> | null;
}

export interface ChangeSelection {
  /** The subscription root field's nodes (one per occurrence of its response key). */
  fieldNodes: readonly FieldNode[];
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  /** Coerced variables (for @skip / @include). */
  variables: Readonly<Record<string, unknown>>;
  /**
   * The subscriber's roles: the subscription's rule, the entity's type rule and the field rules apply (ADR 0136) —
   * refused at subscribe with FRAISEQL_FORBIDDEN, masked fields null in every delivered change. Absent: no rule applies.
   */
  callerRoles?: readonly string[];
}

/** Builds the `<Entity>Change` value of one event, holding only the selected fields. */
export type ChangeProjector = (event: ChangeEventFields) => Record<string, unknown>;

type ObjectProjector = (source: Readonly<Record<string, unknown>>) => Record<string, unknown>;

/**
 * Compiles a subscription's selection once into a function from an event to the change value
 * (docs/adr/0083-subscriptions.md): each selected field is read at its compiled JSON `path`
 * (as the SQL projection does), nested objects and lists of objects are projected recursively,
 * and nothing unselected is copied. Keys are field names — several aliases of one field share
 * its merged sub-selection — because graphql-js, which mercurius runs over the value, resolves
 * fields by name and applies the aliases and scalar serialization.
 */
export function compileChangeProjector(
  compiled: CompiledSchema,
  subscription: CompiledSubscription,
  selection: ChangeSelection,
): ChangeProjector {
  const index = schemaIndexOf(compiled);
  const ctx: SelectionContext = { fragments: selection.fragments, variables: selection.variables };
  let access: FieldAccess | undefined;
  if (selection.callerRoles !== undefined) {
    if (!holdsAnyRole(subscription.roles, selection.callerRoles))
      throw new FraiseqlError(
        'FRAISEQL_FORBIDDEN',
        `Subscribing to ${subscription.name} needs the role ${subscription.roles!.join(' or ')}.`,
        {
          details: { roles: subscription.roles },
        },
      );
    access = new FieldAccess(index, selection.callerRoles);
    access.requireType(subscription.entityType, `Subscribing to ${subscription.name}`);
  }
  const root = selection.fieldNodes[0]?.alias?.value ?? subscription.name;
  const members = byFieldName(collectSubfields(ctx, selection.fieldNodes));
  const steps: Array<(event: ChangeEventFields, out: Record<string, unknown>) => void> = [];
  for (const [name, nodes] of members) {
    switch (name) {
      case 'operation':
        steps.push((e, out) => {
          out.operation = e.event_type;
        });
        break;
      case 'eventId':
        steps.push((e, out) => {
          out.eventId = e.event_id;
        });
        break;
      case 'timestamp':
        steps.push((e, out) => {
          out.timestamp = e.timestamp;
        });
        break;
      case 'changedFields':
        steps.push((e, out) => {
          out.changedFields = e.changed_fields;
        });
        break;
      case 'before': {
        const project = objectProjector(index, ctx, subscription.entityType, collectSubfields(ctx, nodes), access, [root, name]);
        steps.push((e, out) => {
          out.before = e.before === null ? null : project(e.before);
        });
        break;
      }
      default:
        if (name === subscription.entityField) {
          const project = objectProjector(index, ctx, subscription.entityType, collectSubfields(ctx, nodes), access, [root, name]);
          steps.push((e, out) => {
            out[name] = project(e.data);
          });
        }
    }
  }
  return (event) => {
    const out: Record<string, unknown> = {};
    for (const step of steps) step(event, out);
    return out;
  };
}

/** Response keys regrouped by field name (`__typename` left to graphql-js). */
function byFieldName(groups: FieldGroups): Map<string, FieldNode[]> {
  const out = new Map<string, FieldNode[]>();
  for (const nodes of groups.values()) {
    const name = nodes[0]!.name.value;
    if (name === '__typename') continue;
    const list = out.get(name);
    if (list) list.push(...nodes);
    else out.set(name, [...nodes]);
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function objectProjector(
  index: SchemaIndex,
  ctx: SelectionContext,
  typeName: string,
  groups: FieldGroups,
  access: FieldAccess | undefined,
  responsePath: readonly string[],
): ObjectProjector {
  const readers: Array<[name: string, read: (source: Readonly<Record<string, unknown>>) => unknown]> = [];
  for (const [name, nodes] of byFieldName(groups)) {
    const field = index.field(typeName, name);
    if (!field) continue; // graphql-js validation already refused unknown fields
    const decision = access ? access.decide(field) : 'allow';
    if (decision === 'refuse') throw access!.refusal(typeName, field, [...responsePath, name]);
    if (decision === 'mask') {
      // The event carries the value; the subscriber never gets it.
      readers.push([name, () => null]);
      continue;
    }
    const path = field.path;
    const at = (source: Readonly<Record<string, unknown>>): unknown => {
      let value: unknown = source;
      for (const key of path) {
        if (!isPlainObject(value)) return null;
        value = value[key];
      }
      return value === undefined ? null : value;
    };
    if (field.type.kind !== 'object') {
      readers.push([name, at]);
      continue;
    }
    const project = objectProjector(index, ctx, field.type.name, collectSubfields(ctx, nodes), access, [...responsePath, name]);
    if (field.type.list) {
      readers.push([
        name,
        (source) => {
          const value = at(source);
          return Array.isArray(value) ? value.map((item) => (isPlainObject(item) ? project(item) : null)) : null;
        },
      ]);
    } else {
      readers.push([
        name,
        (source) => {
          const value = at(source);
          return isPlainObject(value) ? project(value) : null;
        },
      ]);
    }
  }
  return (source) => {
    const out: Record<string, unknown> = {};
    for (const [name, read] of readers) out[name] = read(source);
    return out;
  };
}
