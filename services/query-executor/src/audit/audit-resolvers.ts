import type { Pool } from 'pg';
import { FraiseqlError } from '@fraiseql/errors';
import { isUuid } from '@fraiseql/identity';
import { AUDIT_SURFACE } from '@fraiseql/schema';
import type { NativeFieldResolvers } from '../native-fields';
import { LIST_AUDIT_ENTRIES } from './audit-sql';

interface AuditRow {
  id: string;
  at_text: string;
  kind: string;
  action: string;
  outcome: string;
  actor_subject: string | null;
  actor_roles: string[] | null;
  target: string | null;
  source: string;
  ip: string | null;
  request_id: string | null;
  code: string | null;
  details: Record<string, unknown>;
}

interface AuditLogFilter {
  kind?: string | null;
  action?: string | null;
  actorSubject?: string | null;
  from?: unknown;
  to?: unknown;
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * The resolver of `auditLog` (`admin: { audit: true }`, ADR 0137): the planner has checked the org and the role (admin or
 * audit:reader). Only the caller's org is read; org-less entries never match. The cursor is the last entry's (at, id):
 * it names a position, not a permission, so it needs no signature (it can only page within the caller's own org).
 */
export function auditResolvers(pool: Pool | undefined): NativeFieldResolvers {
  return {
    [AUDIT_SURFACE.resolvers.list]: async ({ args, orgId }) => {
      if (!pool) throw new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', 'The audit log is off: apply migrations/postgres 0008');
      const filter = (args.filter ?? {}) as AuditLogFilter;
      const first = (args.first as number | null | undefined) ?? DEFAULT_PAGE;
      if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
        throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `first: from 1 to ${MAX_PAGE}, got ${first}`);
      }
      const after = args.after === undefined || args.after === null ? null : readCursor(String(args.after));
      const { rows } = await pool.query<AuditRow>(LIST_AUDIT_ENTRIES, [
        orgId,
        filter.kind ?? null,
        filter.action ?? null,
        filter.actorSubject ?? null,
        readTime(filter.from, 'filter.from'),
        readTime(filter.to, 'filter.to'),
        after?.at ?? null,
        after?.id ?? null,
        first + 1,
      ]);
      const entries = rows.slice(0, first).map((row) => ({
        id: row.id,
        at: row.at_text,
        kind: row.kind,
        action: row.action,
        outcome: row.outcome,
        actorSubject: row.actor_subject,
        actorRoles: row.actor_roles,
        target: row.target,
        source: row.source,
        ip: row.ip,
        requestId: row.request_id,
        code: row.code,
        details: row.details,
      }));
      const last = entries.at(-1);
      return { entries, endCursor: last ? writeCursor(last.at, last.id) : null, hasNextPage: rows.length > first };
    },
  };
}

function writeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id]), 'utf8').toString('base64url');
}

function readCursor(cursor: string): { at: string; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    !CURSOR_TIME.test(parsed[0]) ||
    !isUuid(parsed[1])
  ) {
    throw new FraiseqlError('FRAISEQL_BAD_REQUEST', 'after: not a cursor of auditLog (pass endCursor of the previous page)');
  }
  return { at: parsed[0], id: parsed[1] };
}

function readTime(value: unknown, name: string): Date | null {
  if (value === undefined || value === null) return null;
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `${name}: not a date-time`);
  return date;
}

/** The pool when fraiseql.tb_audit_log exists (migration 0008), else undefined (`auditLog` answers FRAISEQL_OPERATION_NOT_SUPPORTED). */
export async function auditTablePool(pool: Pool): Promise<Pool | undefined> {
  const { rows } = await pool.query<{ present: boolean }>(`SELECT to_regclass('fraiseql.tb_audit_log') IS NOT NULL AS present`);
  return rows[0]?.present ? pool : undefined;
}
