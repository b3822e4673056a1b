-- The audit log (docs/security.md, "Audit log"; docs/adr/0137-audit-log.md): admin actions, credential failures,
-- rate-limit refusals and role changes. Services publish each entry on fraiseql.v1.audit.<org> (stream FRAISEQL_AUDIT);
-- the query-executor's recorder (consumer query-executor-audit) inserts it here, once per audit_id, and serves it to
-- admins through the `auditLog` query of `admin: { audit: true }`.
--
-- Append-only: a trigger refuses UPDATE. DELETE is allowed, for retention only (the operator's periodic
-- `DELETE FROM fraiseql.tb_audit_log WHERE at < now() - interval '…'`, run as the system role).
--
-- Row-level security (0006's rule for later framework tables): the recorder and the resolver use the query-executor's
-- own pool, as the system role, so nothing is granted to fraiseql_app or fraiseql_flight. RLS is enabled (not forced:
-- the owner passes) with the tenant policy, so a role that is granted SELECT one day still sees its own org's entries
-- only, and never org-less ones.

CREATE TABLE fraiseql.tb_audit_log (
  -- The entry's id (UUID v7), also its event_id and Nats-Msg-Id: a redelivered entry is written once.
  audit_id      uuid        PRIMARY KEY,
  at            timestamptz NOT NULL,
  -- NULL: no org was known (a credential refused before it was read); visible to operators only, not through the API.
  org_id        uuid,
  kind          text        NOT NULL CHECK (kind IN ('admin_action', 'credential_failure', 'rate_limited', 'role_change')),
  action        text        NOT NULL CHECK (action ~ '^[A-Z][A-Z0-9_]{0,99}$'),
  outcome       text        NOT NULL CHECK (outcome IN ('ok', 'refused')),
  actor_subject text,
  actor_roles   text[],
  target        text,
  -- The service that recorded it (gateway, query-executor, flight-server).
  source        text        NOT NULL,
  ip            text,
  request_id    text,
  code          text,
  details       jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
  recorded_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The API's query: one org, newest first, keyset on (at, audit_id).
CREATE INDEX tb_audit_log_org_at_idx ON fraiseql.tb_audit_log (org_id, at DESC, audit_id DESC);

COMMENT ON TABLE fraiseql.tb_audit_log IS
  'Audit entries (append-only; DELETE for retention only), recorded from the JetStream stream FRAISEQL_AUDIT by the query-executor.';

CREATE FUNCTION fraiseql.tg_audit_log_append_only() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'fraiseql.tb_audit_log is append-only: entries are never updated (DELETE old ones for retention)'
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER tb_audit_log_append_only
  BEFORE UPDATE ON fraiseql.tb_audit_log
  FOR EACH ROW EXECUTE FUNCTION fraiseql.tg_audit_log_append_only();

-- TRUNCATE bypasses row triggers: refuse it too (retention deletes rows by age).
CREATE TRIGGER tb_audit_log_no_truncate
  BEFORE TRUNCATE ON fraiseql.tb_audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION fraiseql.tg_audit_log_append_only();

REVOKE ALL ON fraiseql.tb_audit_log FROM PUBLIC;
ALTER TABLE fraiseql.tb_audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY fraiseql_tenant ON fraiseql.tb_audit_log
  FOR SELECT TO PUBLIC
  USING (org_id = nullif(current_setting('fraiseql.org_id', true), '')::uuid);
