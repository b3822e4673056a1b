-- The framework's own objects, shared by every application: schema `fraiseql`, the result type
-- of mutation functions, and the one timestamp format used inside `data` JSON.
-- (fraiseql.schema_migrations is created by @fraiseql/pg-migrations itself; see docs/adr/0040.)

CREATE SCHEMA IF NOT EXISTS fraiseql;

-- The error classes a mutation may report; each maps to one HTTP status (ARCHITECTURE §5).
CREATE DOMAIN fraiseql.error_class AS text
  CHECK (VALUE IN ('validation', 'conflict', 'not_found', 'unauthorized', 'forbidden', 'rate_limited', 'timeout', 'internal'));

COMMENT ON DOMAIN fraiseql.error_class IS
  'validation 422, conflict 409, not_found 404, unauthorized 401, forbidden 403, rate_limited 429, timeout 504, internal 500';

-- What every fn_<mutation>(input jsonb, ctx jsonb) returns (one row).
CREATE TYPE fraiseql.mutation_response AS (
  succeeded      boolean,               -- the mutation did what was asked
  state_changed  boolean,               -- something was written (false for a no-op update)
  error_class    fraiseql.error_class,  -- NULL when succeeded
  message        text,                  -- human-readable, safe to show to the caller
  entity_id      text,                  -- id of the entity created/changed/deleted
  entity_type    text,                  -- GraphQL type name
  entity         jsonb,                 -- the entity after the change, shaped like v_<entity>.data
  updated_fields text[],                -- GraphQL field names that changed
  metadata       jsonb                  -- anything else (validation details, conflict target...)
);

-- Timestamps inside `data` are always UTC, microsecond precision, fixed width, whatever the
-- session TimeZone: 2024-03-01T09:05:00.000000Z. Fixed width keeps text order = time order.
CREATE FUNCTION fraiseql.to_iso8601(ts timestamptz) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');

COMMENT ON FUNCTION fraiseql.to_iso8601(timestamptz) IS 'The DateTime format of data JSON: UTC, ISO-8601, 6 fractional digits, Z.';
