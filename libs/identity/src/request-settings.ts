import type { Caller } from './caller';

/**
 * What a transaction knows of its request (docs/architecture.md, "PostgreSQL conventions"): the caller, and what change capture
 * records with each event. Views, row-level security and triggers read them with
 * `current_setting('fraiseql.org_id', true)`; an absent value is the empty string.
 */
export interface RequestSettings {
  caller: Caller;
  /**
   * Milliseconds; 0 means none (PostgreSQL's own meaning). A positive fraction of a millisecond
   * becomes 1, never 0: a request with almost no time left must not run without a limit.
   */
  statementTimeoutMs: number;
  /** The request's trace id (32 hex digits), when traced. */
  traceId?: string;
  /** The W3C traceparent of the writing span: recorded with change events. */
  traceparent?: string;
  /** Hash of the compiled schema the statements were planned with: recorded with change events. */
  schemaVersion?: string;
  /**
   * The PostgreSQL role the transaction's statements run as (SET LOCAL ROLE; docs/adr/0132-row-level-security.md):
   * a role without BYPASSRLS that owns nothing, so row-level security confines it to `fraiseql.org_id`. Omitted:
   * the connection's own role (a connection that logs in as such a role, like flight-server's `fraiseql_flight`).
   */
  role?: string;
}

/**
 * The one statement that writes the request settings, transaction-locally. Its text never
 * changes (every value is a parameter), so any caller may prepare it under one name.
 */
export const SET_REQUEST_SETTINGS_SQL = `SELECT set_config('fraiseql.org_id', $1, true),
       set_config('fraiseql.user_id', $2, true),
       set_config('fraiseql.roles', $3, true),
       set_config('fraiseql.trace_id', $4, true),
       set_config('fraiseql.traceparent', $5, true),
       set_config('fraiseql.schema_version', $6, true),
       set_config('statement_timeout', $7, true),
       set_config('role', $8, true)`;

/** SET_REQUEST_SETTINGS_SQL with its parameters, ready for `client.query(text, values)`. */
export function requestSettingsStatement(settings: RequestSettings): { text: string; values: string[] } {
  const { caller } = settings;
  return {
    text: SET_REQUEST_SETTINGS_SQL,
    values: [
      caller.orgId ?? '',
      caller.subject ?? '',
      caller.roles.join(','),
      settings.traceId ?? '',
      settings.traceparent ?? '',
      settings.schemaVersion ?? '',
      settings.statementTimeoutMs <= 0 ? '0' : String(Math.max(1, Math.floor(settings.statementTimeoutMs))),
      // 'none' is SET ROLE NONE: the connection's own role.
      settings.role ?? 'none',
    ],
  };
}
