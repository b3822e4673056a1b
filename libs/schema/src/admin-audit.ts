import type { CompiledNativeField } from './compiled-schema';
import { field } from './field';
import type { InputTypeDefinition, ObjectTypeDefinition } from './schema-definition';
import { inputType, objectType } from './type-builders';

/**
 * The audit log as GraphQL (issue 12, docs/security.md "Audit log", docs/adr/0137-audit-log.md): what
 * `defineSchema({ admin: { audit: true } })` adds. The query-executor answers it from fraiseql.tb_audit_log, the
 * caller's org only (entries without an org are for operators, in PostgreSQL).
 */
export const AUDIT_SURFACE = {
  roles: ['admin', 'audit:reader'],
  resolvers: { list: 'audit.list' },
} as const;

const native = (type: ObjectTypeDefinition): ObjectTypeDefinition => Object.freeze({ ...type, native: true as const });

const AuditEntry = native(
  objectType(
    'AuditEntry',
    {
      id: field.id({ description: 'The entry id (a UUID v7), also its event_id on fraiseql.v1.audit.<org>.' }),
      at: field.dateTime(),
      kind: field.string({ description: 'admin_action, credential_failure, rate_limited or role_change.' }),
      action: field.string({ description: 'What was done or tried, in SCREAMING_SNAKE (CREATE_API_KEY, CREDENTIAL_REFUSED, …).' }),
      outcome: field.string({ description: 'ok or refused.' }),
      actorSubject: field.string({ nullable: true, description: 'Who acted (JWT sub, or apikey:<id>); null when nobody was identified.' }),
      actorRoles: field.list(field.string(), { nullable: true, description: 'The roles the actor held.' }),
      target: field.string({ nullable: true, description: 'What was acted on (an id, a list of ids, a limiter).' }),
      source: field.string({ description: 'The service that recorded it.' }),
      ip: field.string({ nullable: true, description: 'The client address, when the entry came from a request.' }),
      requestId: field.string({ nullable: true }),
      code: field.string({ nullable: true, description: 'The error code of a refusal (docs/errors.md).' }),
      details: field.json({ description: 'What else the recorder kept (never a secret).' }),
    },
    { description: "An audit entry of the caller's organization." },
  ),
);

const AuditLogPage = native(
  objectType(
    'AuditLogPage',
    {
      entries: field.list(field.object(AuditEntry), { description: 'Newest first.' }),
      endCursor: field.string({ nullable: true, description: 'Pass it as `after` for the next page; null on an empty page.' }),
      hasNextPage: field.boolean(),
    },
    { description: 'One page of audit entries.' },
  ),
);

const AuditLogFilter: InputTypeDefinition = inputType(
  'AuditLogFilter',
  {
    kind: field.string({ nullable: true, description: 'admin_action, credential_failure, rate_limited or role_change.' }),
    action: field.string({ nullable: true }),
    actorSubject: field.string({ nullable: true }),
    from: field.dateTime({ nullable: true, description: 'Entries at or after this time.' }),
    to: field.dateTime({ nullable: true, description: 'Entries before this time.' }),
  },
  { description: 'Narrows auditLog; every part given must match.' },
);

/** The surface's definitions, appended after the schema's own. */
export function auditAdminDefinitions(): {
  types: Array<ObjectTypeDefinition | InputTypeDefinition>;
  nativeFields: CompiledNativeField[];
} {
  const roles = [...AUDIT_SURFACE.roles];
  return {
    types: [AuditEntry, AuditLogPage, AuditLogFilter],
    nativeFields: [
      {
        name: 'auditLog',
        operation: 'query',
        resolver: AUDIT_SURFACE.resolvers.list,
        arguments: [
          { name: 'filter', type: 'AuditLogFilter' },
          { name: 'first', type: 'Int', description: 'Entries per page (1–500, default 50).' },
          { name: 'after', type: 'String', description: 'The endCursor of the previous page.' },
        ],
        type: 'AuditLogPage!',
        roles,
        description: `The audit log of the caller's organization, newest first. Roles ${roles.join(' or ')}.`,
      },
    ],
  };
}
