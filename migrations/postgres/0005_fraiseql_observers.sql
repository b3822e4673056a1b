-- Observer rules managed at run time (docs/observers.md). Rules declared in the TypeScript schema live in
-- schema.compiled.json; rules created through the admin API live here, one organization each. The
-- query-executor validates a rule (libs/observer-rules) before it calls these functions, and mirrors this
-- table into the NATS KV bucket FRAISEQL_OBSERVERS, which every observer-worker watches: a trigger NOTIFYs
-- `fraiseql_observers` with `<org_id>.<name>` after each change, and a periodic full sync repairs any
-- notification missed while the executor was away.

CREATE TABLE fraiseql.tb_observer (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Admin-created rules always belong to one organization (the caller's).
  org_id     uuid        NOT NULL,
  -- An identifier (libs/observer-rules), also the last token of the KV key `<org_id>.<name>`.
  name       text        NOT NULL CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_]{0,99}$'),
  -- The rule as libs/observer-rules' JSON Schema describes it (without name and org, held above).
  rule       jsonb       NOT NULL CHECK (jsonb_typeof(rule) = 'object'),
  enabled    boolean     NOT NULL DEFAULT true,
  -- 1 at creation, +1 at each update: the KV mirror skips values it already holds.
  version    integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  created_by text,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_by text,
  UNIQUE (org_id, name)
);

COMMENT ON TABLE fraiseql.tb_observer IS
  'Observer rules created at run time through the admin API, mirrored into the NATS KV bucket FRAISEQL_OBSERVERS.';

-- Every change of every rule, in order: who changed what, and the rule as it was after the change.
CREATE TABLE fraiseql.tb_observer_history (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  observer_id uuid        NOT NULL,
  org_id      uuid        NOT NULL,
  name        text        NOT NULL,
  version     integer     NOT NULL,
  operation   text        NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
  -- The rule after the change; NULL for a deletion.
  rule        jsonb,
  enabled     boolean,
  changed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  changed_by  text
);

CREATE INDEX tb_observer_history_observer_idx ON fraiseql.tb_observer_history (observer_id, id);

CREATE FUNCTION fraiseql.observer_changed() RETURNS trigger
  LANGUAGE plpgsql
AS $$
DECLARE
  row_after fraiseql.tb_observer := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
BEGIN
  INSERT INTO fraiseql.tb_observer_history (observer_id, org_id, name, version, operation, rule, enabled, changed_by)
  VALUES (row_after.id, row_after.org_id, row_after.name, row_after.version, lower(TG_OP)::text,
          CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE row_after.rule END,
          CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE row_after.enabled END,
          nullif(current_setting('fraiseql.user_id', true), ''));
  -- Delivered at COMMIT only: the mirror never sees a rule that was rolled back.
  PERFORM pg_notify('fraiseql_observers', row_after.org_id::text || '.' || row_after.name);
  IF TG_OP = 'UPDATE' AND OLD.name <> NEW.name THEN
    PERFORM pg_notify('fraiseql_observers', OLD.org_id::text || '.' || OLD.name);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER tb_observer_changed AFTER INSERT OR UPDATE OR DELETE ON fraiseql.tb_observer
  FOR EACH ROW EXECUTE FUNCTION fraiseql.observer_changed();

-- The rule as the admin API returns it (the Observer type): id, org_id and data, like every v_<entity>.
CREATE VIEW fraiseql.v_observer AS
SELECT o.id,
       o.org_id,
       jsonb_build_object(
         'id', o.id,
         'name', o.name,
         'enabled', o.enabled,
         'version', o.version,
         'rule', o.rule,
         'createdAt', fraiseql.to_iso8601(o.created_at),
         'createdBy', o.created_by,
         'updatedAt', fraiseql.to_iso8601(o.updated_at),
         'updatedBy', o.updated_by
       ) AS data
FROM fraiseql.tb_observer o;

-- Who may manage rules: role `admin` or `observers:admin` of the caller's organization.
CREATE FUNCTION fraiseql.may_manage_observers(ctx jsonb) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN coalesce(ctx ->> 'user_id', '') <> ''
     AND coalesce(ctx ->> 'org_id', '') <> ''
     AND jsonb_typeof(ctx -> 'roles') = 'array'
     AND (ctx -> 'roles') ?| ARRAY['admin', 'observers:admin'];

CREATE FUNCTION fraiseql.observer_refusal(ctx jsonb) RETURNS fraiseql.mutation_response
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE
    WHEN coalesce(ctx ->> 'user_id', '') = '' THEN fraiseql.mutation_error('unauthorized', 'Managing observer rules needs credentials')
    WHEN coalesce(ctx ->> 'org_id', '') = '' THEN fraiseql.mutation_error('forbidden', 'Observer rules belong to an organization: the caller belongs to none')
    ELSE fraiseql.mutation_error('forbidden', 'Managing observer rules needs the role admin or observers:admin')
  END;

-- createObserver: input {name, rule, enabled?}; the rule was validated by the query-executor.
CREATE FUNCTION fraiseql.fn_create_observer(input jsonb, ctx jsonb) RETURNS fraiseql.mutation_response
  LANGUAGE plpgsql
AS $$
DECLARE
  created fraiseql.tb_observer;
BEGIN
  IF NOT fraiseql.may_manage_observers(ctx) THEN
    RETURN fraiseql.observer_refusal(ctx);
  END IF;
  INSERT INTO fraiseql.tb_observer (org_id, name, rule, enabled, created_by, updated_by)
  VALUES ((ctx ->> 'org_id')::uuid, input ->> 'name', input -> 'rule', coalesce((input ->> 'enabled')::boolean, true),
          ctx ->> 'user_id', ctx ->> 'user_id')
  ON CONFLICT (org_id, name) DO NOTHING
  RETURNING * INTO created;
  IF created.id IS NULL THEN
    RETURN fraiseql.mutation_error('conflict', format('An observer rule named %s already exists', input ->> 'name'),
                                   jsonb_build_array(fraiseql.field_error('name', 'already used by another rule of this organization')));
  END IF;
  RETURN fraiseql.mutation_ok('Observer', created.id::text, (SELECT data FROM fraiseql.v_observer WHERE id = created.id),
                              ARRAY['name', 'rule', 'enabled'], 'Observer rule created');
END
$$;

-- updateObserver: input {id, rule?, enabled?}; fields left out keep their value.
CREATE FUNCTION fraiseql.fn_update_observer(input jsonb, ctx jsonb) RETURNS fraiseql.mutation_response
  LANGUAGE plpgsql
AS $$
DECLARE
  updated fraiseql.tb_observer;
  changed text[] := '{}';
BEGIN
  IF NOT fraiseql.may_manage_observers(ctx) THEN
    RETURN fraiseql.observer_refusal(ctx);
  END IF;
  IF input ? 'rule' THEN changed := array_append(changed, 'rule'); END IF;
  IF input ? 'enabled' THEN changed := array_append(changed, 'enabled'); END IF;
  UPDATE fraiseql.tb_observer o
     SET rule = coalesce(input -> 'rule', o.rule),
         enabled = coalesce((input ->> 'enabled')::boolean, o.enabled),
         version = o.version + 1,
         updated_at = clock_timestamp(),
         updated_by = ctx ->> 'user_id'
   WHERE o.id = (input ->> 'id')::uuid AND o.org_id = (ctx ->> 'org_id')::uuid
  RETURNING * INTO updated;
  IF updated.id IS NULL THEN
    -- Another organization's rule is indistinguishable from a missing one.
    RETURN fraiseql.mutation_error('not_found', 'No observer rule with this id');
  END IF;
  RETURN fraiseql.mutation_ok('Observer', updated.id::text, (SELECT data FROM fraiseql.v_observer WHERE id = updated.id),
                              array_append(changed, 'version'), 'Observer rule updated');
END
$$;

-- deleteObserver: input {id}; returns the rule as it was.
CREATE FUNCTION fraiseql.fn_delete_observer(input jsonb, ctx jsonb) RETURNS fraiseql.mutation_response
  LANGUAGE plpgsql
AS $$
DECLARE
  gone jsonb;
BEGIN
  IF NOT fraiseql.may_manage_observers(ctx) THEN
    RETURN fraiseql.observer_refusal(ctx);
  END IF;
  SELECT data INTO gone FROM fraiseql.v_observer WHERE id = (input ->> 'id')::uuid AND org_id = (ctx ->> 'org_id')::uuid;
  DELETE FROM fraiseql.tb_observer WHERE id = (input ->> 'id')::uuid AND org_id = (ctx ->> 'org_id')::uuid;
  IF NOT FOUND THEN
    RETURN fraiseql.mutation_error('not_found', 'No observer rule with this id');
  END IF;
  RETURN fraiseql.mutation_ok('Observer', input ->> 'id', gone, '{}', 'Observer rule deleted');
END
$$;

-- What the KV mirror reads: every rule, or the one named by a notification.
CREATE FUNCTION fraiseql.observer_rules(only_org uuid DEFAULT NULL, only_name text DEFAULT NULL)
  RETURNS TABLE (id uuid, org_id uuid, name text, version integer, enabled boolean, rule jsonb, updated_at text)
  LANGUAGE sql STABLE
AS $$
  SELECT o.id, o.org_id, o.name, o.version, o.enabled, o.rule, fraiseql.to_iso8601(o.updated_at)
  FROM fraiseql.tb_observer o
  WHERE (only_org IS NULL OR o.org_id = only_org) AND (only_name IS NULL OR o.name = only_name)
  ORDER BY o.org_id, o.name
$$;
