-- Mutations (docs/adr/0082-mutations.md): idempotency keys, and constructors of the
-- fraiseql.mutation_response rows (0001) that mutation functions return.

-- One row per (org, Idempotency-Key) of a mutation request that committed. The query-executor
-- inserts the row FIRST in the mutation's transaction (a concurrent request with the same key
-- waits on it), runs the mutation, stores the response text and commits: the row exists if and
-- only if the mutation committed, and a retry returns `response` without running anything.
-- operation_hash identifies what was asked (document, operation name, variables, caller): the
-- same key with anything else is refused (FRAISEQL_IDEMPOTENCY_KEY_REUSED).
CREATE TABLE fraiseql.tb_idempotency_key (
  -- The caller's org; the nil UUID for callers without one.
  org_id         uuid        NOT NULL,
  key            text        NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  operation_hash text        NOT NULL,
  -- The GraphQL response body as sent the first time; NULL only inside the writing transaction.
  response       text,
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (org_id, key)
);

CREATE INDEX tb_idempotency_key_created_at_idx ON fraiseql.tb_idempotency_key (created_at);

COMMENT ON TABLE fraiseql.tb_idempotency_key IS
  'Responses of mutations sent with an Idempotency-Key, kept for the retention (24 h by default), then pruned by fraiseql.prune_idempotency_keys.';

-- Deletes keys created before now() - older_than, at most batch_size rows per call (call again
-- while it returns batch_size). Returns the number of rows deleted.
CREATE FUNCTION fraiseql.prune_idempotency_keys(older_than interval, batch_size integer DEFAULT 1000) RETURNS bigint
  LANGUAGE sql
AS $$
  WITH doomed AS (
    SELECT org_id, key FROM fraiseql.tb_idempotency_key
    WHERE created_at < clock_timestamp() - older_than
    ORDER BY created_at
    LIMIT batch_size
    FOR UPDATE SKIP LOCKED
  ), deleted AS (
    DELETE FROM fraiseql.tb_idempotency_key k USING doomed d
    WHERE k.org_id = d.org_id AND k.key = d.key
    RETURNING 1
  )
  SELECT count(*) FROM deleted
$$;

-- {field, message}: one element of metadata.field_errors (MutationError.fieldErrors). `field` is
-- the path of the input field, dot-separated, list indexes from 0: items.0.quantity.
CREATE FUNCTION fraiseql.field_error(field text, message text) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN jsonb_build_object('field', field, 'message', message);

-- A failed mutation: nothing was written. field_errors: a JSON array of fraiseql.field_error.
CREATE FUNCTION fraiseql.mutation_error(error_class fraiseql.error_class, message text, field_errors jsonb DEFAULT '[]')
  RETURNS fraiseql.mutation_response
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ROW(false, false, error_class, message, NULL, NULL, NULL, NULL,
             jsonb_build_object('field_errors', coalesce(field_errors, '[]'::jsonb)))::fraiseql.mutation_response;

-- A successful mutation: `entity` is the entity's view data after the change (what a query of
-- it returns), updated_fields the GraphQL fields that changed.
CREATE FUNCTION fraiseql.mutation_ok(entity_type text, entity_id text, entity jsonb, updated_fields text[] DEFAULT '{}',
                                     message text DEFAULT NULL, state_changed boolean DEFAULT true)
  RETURNS fraiseql.mutation_response
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ROW(true, state_changed, NULL, message, entity_id, entity_type, entity, coalesce(updated_fields, '{}'), NULL)::fraiseql.mutation_response;
