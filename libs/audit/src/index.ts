export {
  AUDIT_ENTITY_TYPE,
  AUDIT_KINDS,
  completeAuditEntry,
  fromAuditEvent,
  REDACTED,
  scrubDetails,
  toAuditEvent,
  type AuditActor,
  type AuditEntry,
  type AuditEntryInput,
  type AuditKind,
  type AuditOutcome,
} from './audit-entry';
export { newAuditId } from './audit-id';
export { AuditLog, type AuditLogOptions } from './audit-log';
export { auditConfigShape } from './audit-config';
export { credentialFailureEntry, credentialKind, rateLimitedEntry, type RateLimitRefusal, type RequestOrigin } from './request-entries';
