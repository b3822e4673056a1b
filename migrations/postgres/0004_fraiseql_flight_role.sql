-- Arrow Flight (issue 4, docs/flight.md): the role flight-server connects as, and the one way an
-- application grants it what Flight serves.
--
-- fraiseql_flight reads the datasets (va_* views, ta_* tables) and the GraphQL views (v_*), and
-- writes only ta_* tables (DoPut uploads, the `refresh` action: INSERT and DELETE). It has nothing
-- on the base tables (tb_*), the projections (tv_*) or schema fraiseql (change log, idempotency
-- keys): views read the tables with their owner's rights, so the role needs none of its own.
-- The role has no password here; setting one (or a certificate, or a pg_hba rule) is the
-- operator's business (docs/deploying.md).

-- Roles belong to the cluster, not to the database: several databases migrated at once (tests,
-- replicas of different apps) may all try to create it. A concurrent CREATE ROLE waits for the
-- first one's transaction and then fails with unique_violation (or duplicate_object when the role
-- was already visible); either means the role is there, which is all this needs.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'fraiseql_flight') THEN
    BEGIN
      CREATE ROLE fraiseql_flight LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
      -- Only by the creator: a shared catalog row updated by two transactions at once fails.
      COMMENT ON ROLE fraiseql_flight IS
        'Arrow Flight server (flight-server): SELECT on va_*, ta_*, v_*; INSERT and DELETE on ta_*. Granted per schema by fraiseql.grant_flight_access().';
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END
$$;

-- Grants fraiseql_flight USAGE on the schema, SELECT on every relation named va_*, ta_* or v_*
-- in it, and INSERT and DELETE on the tables named ta_*. Applications call it at the end of each
-- migration that creates such relations (grants are per object: a relation created later needs
-- another call). Idempotent. Returns the number of relations granted on. Refuses the framework's
-- own schema and the system schemas.
CREATE FUNCTION fraiseql.grant_flight_access(p_schema text DEFAULT 'public') RETURNS integer
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
      AND (c.relname LIKE 'va\_%' OR c.relname LIKE 'ta\_%' OR c.relname LIKE 'v\_%')
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
  'GRANT fraiseql_flight USAGE on the schema, SELECT on its va_*/ta_*/v_* relations, INSERT and DELETE on its ta_* tables. Call after creating them.';
