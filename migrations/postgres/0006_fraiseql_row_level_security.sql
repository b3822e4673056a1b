-- Row-level security: the second tenancy wall (docs/adr/0132-row-level-security.md). The planner puts the
-- caller's org predicate into every statement it plans; these policies make PostgreSQL itself refuse another
-- org's rows to the roles requests run as, so a statement that lost its predicate still sees one org only.
--
-- Roles:
--   fraiseql_app     NOLOGIN, no BYPASSRLS, owns nothing. query-executor's request transactions run as it
--                    (SET LOCAL ROLE through libs/identity's request settings); the connection's own role (the
--                    system role: migrations, relay, observer-rule mirror, pruning, seeding) is untouched.
--   fraiseql_flight  (0004) LOGIN, no BYPASSRLS, owns nothing: flight-server and job-runner exports.
--   system role      whoever runs the migrations and owns the tables: superuser, or BYPASSRLS (application
--                    tables FORCE row-level security, so an owner without BYPASSRLS sees no org's rows).
--
-- The tenant policy, on every table an application isolates (fraiseql.isolate_tenant_rows), for every role
-- (TO PUBLIC, so a role forgotten here is confined too, never let through):
--   USING / WITH CHECK (org_column = nullif(current_setting('fraiseql.org_id', true), '')::uuid)
-- No org set (anonymous, org-less callers, a statement outside a request) matches no row: NULL = x is never true.
--
-- Framework tables, decided one by one (ENABLE without FORCE: their owner, the system role, passes):
--   tb_entity_change_pending  request roles write their own transaction's pending rows (capture triggers):
--                             policy txid = pg_current_xact_id(), so no transaction reads another's pre-images
--   tb_entity_change_log      request roles only INSERT (capture flush at commit), and only events of their own
--                             org or of org-less entities; they cannot read it. The relay runs as the system role
--   tb_idempotency_key        the caller's org, or the nil UUID for callers without one (as query-executor keys it)
--   tb_observer               the caller's org (admin observer mutations); the KV mirror runs as the system role
--   tb_observer_history       INSERT only (the trigger of tb_observer), own org
--   v_observer                security_invoker, so tb_observer's policy applies through it
--   later framework tables    a migration creating one that request transactions use grants fraiseql_app what they
--                             need, with a policy like these (0007's tb_api_key is written by query-executor's own
--                             pool, as the system role: nothing granted)
--   schema_migrations         nothing granted

-- Roles belong to the cluster: same concurrency guard as 0004.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'fraiseql_app') THEN
    BEGIN
      CREATE ROLE fraiseql_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
      COMMENT ON ROLE fraiseql_app IS
        'Request transactions of query-executor (SET LOCAL ROLE): no BYPASSRLS, owns nothing; confined to fraiseql.org_id by row-level security.';
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END
$$;

-- The system role must be able to SET ROLE fraiseql_app. A superuser always can; another role (the database
-- owner of a managed service) gets the membership here when it may grant it, else the operator grants it
-- (docs/deploying.md).
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
     AND NOT pg_catalog.pg_has_role(current_user, 'fraiseql_app', 'MEMBER') THEN
    BEGIN
      EXECUTE format('GRANT fraiseql_app TO %I', current_user);
    EXCEPTION WHEN insufficient_privilege OR duplicate_object OR unique_violation THEN
      RAISE NOTICE 'fraiseql_app could not be granted to %: GRANT fraiseql_app TO % as a role that may', current_user, current_user;
    END;
  END IF;
END
$$;

-- Enables and forces row-level security on an application table and (re)creates its tenant policy on the
-- given org column (uuid). Idempotent. The caller must own the table. Refuses a column that is not uuid.
CREATE FUNCTION fraiseql.isolate_tenant_rows(p_table regclass, p_org_column name DEFAULT 'org_id') RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  column_type regtype;
  predicate text;
BEGIN
  SELECT a.atttypid::regtype INTO column_type
  FROM pg_attribute a
  WHERE a.attrelid = p_table AND a.attname = p_org_column AND a.attnum > 0 AND NOT a.attisdropped;
  IF column_type IS DISTINCT FROM 'uuid'::regtype THEN
    RAISE EXCEPTION 'fraiseql.isolate_tenant_rows: % has no uuid column %', p_table, quote_ident(p_org_column)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  predicate := format('%I = nullif(current_setting(''fraiseql.org_id'', true), '''')::uuid', p_org_column);
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_table);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', p_table);
  EXECUTE format('DROP POLICY IF EXISTS fraiseql_tenant ON %s', p_table);
  EXECUTE format('CREATE POLICY fraiseql_tenant ON %s AS PERMISSIVE FOR ALL TO PUBLIC USING (%s) WITH CHECK (%s)',
                 p_table, predicate, predicate);
END;
$$;

COMMENT ON FUNCTION fraiseql.isolate_tenant_rows(regclass, name) IS
  'ENABLE + FORCE ROW LEVEL SECURITY and policy fraiseql_tenant: rows of the org in fraiseql.org_id only, for every role without BYPASSRLS.';

-- Grants fraiseql_app what request transactions need in an application schema: USAGE on it; SELECT, INSERT,
-- UPDATE, DELETE on tb_* and tv_* tables (mutation functions, projection triggers); SELECT on v_*, va_* and ta_*
-- relations; USAGE and SELECT on its sequences. Views should be security_invoker (PostgreSQL 15) so the table
-- policies apply through them. Call it at the end of each migration that creates such objects. Idempotent.
-- Returns the number of relations granted on. Refuses the framework's schema and the system schemas.
CREATE FUNCTION fraiseql.grant_request_access(p_schema text DEFAULT 'public') RETURNS integer
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  relation record;
  granted integer := 0;
BEGIN
  IF p_schema IS NULL OR p_schema IN ('fraiseql', 'pg_catalog', 'information_schema') OR p_schema LIKE 'pg\_%' THEN
    RAISE EXCEPTION 'fraiseql.grant_request_access: schema % is not an application schema', coalesce(quote_literal(p_schema), 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO fraiseql_app', p_schema);
  FOR relation IN
    SELECT c.relname, c.relkind
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = p_schema
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
      AND (c.relname LIKE 'tb\_%' OR c.relname LIKE 'tv\_%' OR c.relname LIKE 'v\_%' OR c.relname LIKE 'va\_%'
           OR c.relname LIKE 'ta\_%' OR c.relkind = 'S')
    ORDER BY c.relname
  LOOP
    IF relation.relkind = 'S' THEN
      EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %I.%I TO fraiseql_app', p_schema, relation.relname);
    ELSIF (relation.relname LIKE 'tb\_%' OR relation.relname LIKE 'tv\_%') AND relation.relkind IN ('r', 'p') THEN
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I.%I TO fraiseql_app', p_schema, relation.relname);
    ELSE
      EXECUTE format('GRANT SELECT ON %I.%I TO fraiseql_app', p_schema, relation.relname);
    END IF;
    granted := granted + 1;
  END LOOP;
  RETURN granted;
END;
$$;

COMMENT ON FUNCTION fraiseql.grant_request_access(text) IS
  'GRANT fraiseql_app USAGE on the schema, SELECT/INSERT/UPDATE/DELETE on tb_*/tv_*, SELECT on v_*/va_*/ta_*, its sequences. Call after creating them.';

-- 0004's grant, plus SELECT on tb_* and tv_* tables: security_invoker views read the tables with the reader's
-- rights, so fraiseql_flight needs them to read va_*/v_* views; the tenant policies confine what it sees.
CREATE OR REPLACE FUNCTION fraiseql.grant_flight_access(p_schema text DEFAULT 'public') RETURNS integer
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  relation record;
  granted integer := 0;
BEGIN
  IF p_schema IS NULL OR p_schema IN ('fraiseql', 'pg_catalog', 'information_schema') OR p_schema LIKE 'pg\_%' THEN
    RAISE EXCEPTION 'fraiseql.grant_flight_access: schema % is not an application schema', coalesce(quote_literal(p_schema), 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO fraiseql_flight', p_schema);
  FOR relation IN
    SELECT c.relname, c.relkind
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = p_schema
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND (c.relname LIKE 'va\_%' OR c.relname LIKE 'ta\_%' OR c.relname LIKE 'v\_%'
           OR c.relname LIKE 'tb\_%' OR c.relname LIKE 'tv\_%')
    ORDER BY c.relname
  LOOP
    EXECUTE format('GRANT SELECT ON %I.%I TO fraiseql_flight', p_schema, relation.relname);
    IF relation.relname LIKE 'ta\_%' AND relation.relkind IN ('r', 'p') THEN
      EXECUTE format('GRANT INSERT, DELETE ON %I.%I TO fraiseql_flight', p_schema, relation.relname);
    END IF;
    granted := granted + 1;
  END LOOP;
  RETURN granted;
END;
$$;

COMMENT ON FUNCTION fraiseql.grant_flight_access(text) IS
  'GRANT fraiseql_flight USAGE on the schema, SELECT on its va_*/ta_*/v_*/tb_*/tv_* relations, INSERT and DELETE on its ta_* tables. Call after creating them.';

-- What request transactions use in schema fraiseql (functions: EXECUTE is PUBLIC's by default).
GRANT USAGE ON SCHEMA fraiseql TO fraiseql_app;

GRANT SELECT, INSERT, DELETE ON fraiseql.tb_entity_change_pending TO fraiseql_app;
GRANT INSERT ON fraiseql.tb_entity_change_log TO fraiseql_app;
GRANT SELECT, INSERT, UPDATE ON fraiseql.tb_idempotency_key TO fraiseql_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON fraiseql.tb_observer TO fraiseql_app;
GRANT INSERT ON fraiseql.tb_observer_history TO fraiseql_app;
GRANT SELECT ON fraiseql.v_observer TO fraiseql_app;
DO $$
DECLARE
  owned text;
BEGIN
  -- The sequences behind bigserial / identity columns the grants above insert into.
  FOREACH owned IN ARRAY ARRAY[
    pg_get_serial_sequence('fraiseql.tb_entity_change_log', 'seq'),
    pg_get_serial_sequence('fraiseql.tb_entity_change_pending', 'touch'),
    pg_get_serial_sequence('fraiseql.tb_observer_history', 'id')]
  LOOP
    EXECUTE format('GRANT USAGE ON SEQUENCE %s TO fraiseql_app', owned);
  END LOOP;
END
$$;

ALTER TABLE fraiseql.tb_entity_change_pending ENABLE ROW LEVEL SECURITY;
CREATE POLICY fraiseql_own_transaction ON fraiseql.tb_entity_change_pending
  FOR ALL TO PUBLIC
  USING (txid = pg_current_xact_id())
  WITH CHECK (txid = pg_current_xact_id());

ALTER TABLE fraiseql.tb_entity_change_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY fraiseql_own_events ON fraiseql.tb_entity_change_log
  FOR INSERT TO PUBLIC
  WITH CHECK (org_id IS NULL OR org_id = nullif(current_setting('fraiseql.org_id', true), '')::uuid);

ALTER TABLE fraiseql.tb_idempotency_key ENABLE ROW LEVEL SECURITY;
CREATE POLICY fraiseql_tenant ON fraiseql.tb_idempotency_key
  FOR ALL TO PUBLIC
  USING (org_id = coalesce(nullif(current_setting('fraiseql.org_id', true), '')::uuid, '00000000-0000-0000-0000-000000000000'))
  WITH CHECK (org_id = coalesce(nullif(current_setting('fraiseql.org_id', true), '')::uuid, '00000000-0000-0000-0000-000000000000'));

ALTER TABLE fraiseql.tb_observer ENABLE ROW LEVEL SECURITY;
CREATE POLICY fraiseql_tenant ON fraiseql.tb_observer
  FOR ALL TO PUBLIC
  USING (org_id = nullif(current_setting('fraiseql.org_id', true), '')::uuid)
  WITH CHECK (org_id = nullif(current_setting('fraiseql.org_id', true), '')::uuid);

ALTER TABLE fraiseql.tb_observer_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY fraiseql_tenant ON fraiseql.tb_observer_history
  FOR INSERT TO PUBLIC
  WITH CHECK (org_id = nullif(current_setting('fraiseql.org_id', true), '')::uuid);

ALTER VIEW fraiseql.v_observer SET (security_invoker = true);
