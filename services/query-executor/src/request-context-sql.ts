/**
 * The two fixed statements that open every read: a read-only transaction, and the request
 * context as transaction-local settings (ARCHITECTURE §5) so views, row-level security and
 * triggers can read them with `current_setting('fraiseql.org_id', true)`. Values are always
 * parameters; `fraiseql.roles` is a comma-separated list (roles are simple tokens).
 */
export const BEGIN_READ_ONLY = 'BEGIN READ ONLY';

export const SET_REQUEST_CONTEXT = `SELECT set_config('fraiseql.org_id', $1, true),
       set_config('fraiseql.user_id', $2, true),
       set_config('fraiseql.roles', $3, true),
       set_config('fraiseql.trace_id', $4, true),
       set_config('statement_timeout', $5, true)`;

export const COMMIT = 'COMMIT';
