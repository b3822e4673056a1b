import { field } from './field';
import { listQuery, mutation } from './query-builders';
import type { EntityDefinition, InputTypeDefinition, MutationDefinition, QueryDefinition } from './schema-definition';
import { entity, inputType } from './type-builders';

/**
 * The admin GraphQL surface for observer rules created at run time (docs/adr/0104-admin-observer-api.md):
 * what `defineSchema({ admin: { observers: true } })` adds to a schema. It reads and writes the framework's
 * objects of migrations/postgres/0005 (view `fraiseql.v_observer`, functions `fraiseql.fn_*_observer`), so it
 * is declared with the ordinary builders and planned like any other query and mutation.
 */
export const OBSERVER_ADMIN = {
  /** Roles that may read and change the rules of their org (the SQL functions check the same two for writes). */
  roles: ['admin', 'observers:admin'],
  typeName: 'Observer',
  query: 'observers',
  functions: {
    create: 'fraiseql.fn_create_observer',
    update: 'fraiseql.fn_update_observer',
    delete: 'fraiseql.fn_delete_observer',
  },
} as const;

const Observer: EntityDefinition = entity(
  OBSERVER_ADMIN.typeName,
  {
    view: 'fraiseql.v_observer',
    description: "An observer rule of the caller's organization, created at run time (docs/observers.md).",
  },
  {
    id: field.uuid({ description: 'The id updateObserver and deleteObserver take.' }),
    name: field.string({ description: 'Unique within the organization.' }),
    enabled: field.boolean({ description: 'A disabled rule never fires.' }),
    version: field.int({ description: '1 at creation, +1 at each update.', filterable: false }),
    entityType: field.string({ path: ['rule', 'entityType'], description: 'The entity whose events the rule watches.' }),
    eventTypes: field.list(field.string(), {
      path: ['rule', 'eventTypes'],
      description: 'The event types the rule fires on (INSERT, UPDATE, DELETE or custom names).',
      filterable: false,
    }),
    description: field.string({ nullable: true, path: ['rule', 'description'], filterable: false, sortable: false }),
    rule: field.json({
      description:
        'The rule as docs/observers.md describes it (entityType, eventTypes, condition, actions, ...), without name, orgId and enabled.',
      filterable: false,
    }),
    createdAt: field.dateTime({ filterable: false }),
    createdBy: field.string({ nullable: true, filterable: false, sortable: false }),
    updatedAt: field.dateTime(),
    updatedBy: field.string({ nullable: true, filterable: false, sortable: false }),
  },
);

const RULE_DESCRIPTION =
  'The rule as docs/observers.md describes it: entityType, eventTypes, condition, actions, retryPolicy, timeoutMs, description. ' +
  "Validated against the active schema before anything is written; orgId is always the caller's.";

const CreateObserverInput: InputTypeDefinition = inputType(
  'CreateObserverInput',
  {
    name: field.string({ description: 'An identifier, unique within the organization.' }),
    rule: field.json({ description: RULE_DESCRIPTION }),
    enabled: field.boolean({ nullable: true, description: 'Default true.' }),
  },
  { description: 'A new observer rule.' },
);

const UpdateObserverInput: InputTypeDefinition = inputType(
  'UpdateObserverInput',
  {
    id: field.uuid(),
    rule: field.json({ nullable: true, description: `Replaces the whole rule; left out, the rule is kept. ${RULE_DESCRIPTION}` }),
    enabled: field.boolean({ nullable: true, description: 'Left out, the rule keeps its state.' }),
  },
  { description: 'A change of an observer rule; what is left out keeps its value.' },
);

const DeleteObserverInput: InputTypeDefinition = inputType(
  'DeleteObserverInput',
  { id: field.uuid() },
  { description: 'The rule to delete.' },
);

const needs = `Roles ${OBSERVER_ADMIN.roles.join(' or ')} of the caller's organization.`;

/** The surface's definitions, appended after the schema's own (so the authored part of the SDL keeps its order). */
export function observerAdminDefinitions(): { types: EntityDefinition[]; queries: QueryDefinition[]; mutations: MutationDefinition[] } {
  return {
    types: [Observer],
    queries: [
      listQuery(OBSERVER_ADMIN.query, Observer, {
        description: `Observer rules of the caller's organization created at run time. ${needs}`,
        defaultOrderBy: ['name'],
        maxLimit: 500,
        roles: OBSERVER_ADMIN.roles,
      }),
    ],
    mutations: [
      mutation('createObserver', {
        input: CreateObserverInput,
        entity: Observer,
        function: OBSERVER_ADMIN.functions.create,
        description: `Creates an observer rule for the caller's organization. ${needs}`,
      }),
      mutation('updateObserver', {
        input: UpdateObserverInput,
        entity: Observer,
        function: OBSERVER_ADMIN.functions.update,
        description: `Replaces the rule and/or enables or disables it. ${needs}`,
      }),
      mutation('deleteObserver', {
        input: DeleteObserverInput,
        entity: Observer,
        function: OBSERVER_ADMIN.functions.delete,
        description: `Deletes an observer rule; returns it as it was. ${needs}`,
      }),
    ],
  };
}
