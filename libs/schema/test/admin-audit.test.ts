import { isObjectType } from 'graphql';
import { AUDIT_SURFACE, buildGraphQLSchema, compileSchema, defineSchema, entity, field, listQuery } from '../src';

// The audit log as GraphQL (docs/security.md, "Audit log"): what `admin: { audit: true }` adds — one native query the
// executor answers from fraiseql.tb_audit_log, gated by the admin or audit:reader role.

const Ticket = entity('Ticket', { view: 'v_ticket' }, { id: field.id(), title: field.string() });
const base = { types: [Ticket], queries: [listQuery('tickets', Ticket)] };

describe('admin: { audit: true }', () => {
  it('adds auditLog(filter, first, after), gated by admin or audit:reader, returning a page of entries', () => {
    const compiled = compileSchema(defineSchema({ ...base, admin: { audit: true } }));
    expect(compiled.nativeFields.map((f) => [f.operation, f.name, f.resolver, f.type, f.roles])).toEqual([
      ['query', 'auditLog', 'audit.list', 'AuditLogPage!', ['admin', 'audit:reader']],
    ]);
    expect(AUDIT_SURFACE.roles).toEqual(['admin', 'audit:reader']);
    const graphql = buildGraphQLSchema(compiled);
    const auditLog = graphql.getQueryType()!.getFields().auditLog!;
    expect(auditLog.args.map((a) => `${a.name}: ${a.type.toString()}`)).toEqual(['filter: AuditLogFilter', 'first: Int', 'after: String']);
    const entry = graphql.getType('AuditEntry');
    expect(isObjectType(entry) && Object.keys(entry.getFields())).toEqual([
      'id',
      'at',
      'kind',
      'action',
      'outcome',
      'actorSubject',
      'actorRoles',
      'target',
      'source',
      'ip',
      'requestId',
      'code',
      'details',
    ]);
    const page = graphql.getType('AuditLogPage');
    expect(isObjectType(page) && Object.keys(page.getFields())).toEqual(['entries', 'endCursor', 'hasNextPage']);
    // Without the option the schema is unchanged.
    expect(compileSchema(defineSchema({ ...base, admin: { audit: false } })).hash).toBe(compileSchema(defineSchema(base)).hash);
  });
});
