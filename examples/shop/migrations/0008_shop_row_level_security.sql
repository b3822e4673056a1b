-- Row-level security on every tenant-owned relation of the shop (docs/adr/0132-row-level-security.md; the
-- roles, the policy and the grant functions are the framework migration 0006_fraiseql_row_level_security).
--
-- Tables: each gets ENABLE + FORCE ROW LEVEL SECURITY and the policy fraiseql_tenant (its org column equals
-- the request's fraiseql.org_id), for every role without BYPASSRLS: fraiseql_app (query-executor's requests:
-- reads, mutation functions, the capture and tv_order triggers they fire) and fraiseql_flight (Flight reads,
-- DoPut and `refresh`, job exports). tb_organization's org column is its id: an org sees its own row.
--
-- Views: security_invoker, so that the policies of the tables they read apply to whoever reads the view.
-- A plain view reads its tables with its owner's rights — the migration role, which bypasses row-level
-- security — and would hand every org's rows to any reader.
--
-- The system role (migrations, seeding, the relay, capture of writes made straight in SQL) is superuser or
-- BYPASSRLS and sees every org, as before.

ALTER VIEW v_user SET (security_invoker = true);
ALTER VIEW v_category SET (security_invoker = true);
ALTER VIEW v_product SET (security_invoker = true);
ALTER VIEW v_order SET (security_invoker = true);
ALTER VIEW v_order_source SET (security_invoker = true);
ALTER VIEW v_review SET (security_invoker = true);
ALTER VIEW va_order SET (security_invoker = true);
ALTER VIEW va_product SET (security_invoker = true);

SELECT fraiseql.isolate_tenant_rows('tb_organization', 'id');
SELECT fraiseql.isolate_tenant_rows('tb_user');
SELECT fraiseql.isolate_tenant_rows('tb_category');
SELECT fraiseql.isolate_tenant_rows('tb_product');
SELECT fraiseql.isolate_tenant_rows('tb_order');
SELECT fraiseql.isolate_tenant_rows('tb_order_item');
SELECT fraiseql.isolate_tenant_rows('tb_review');
SELECT fraiseql.isolate_tenant_rows('tv_order');
SELECT fraiseql.isolate_tenant_rows('ta_order_fact');
SELECT fraiseql.isolate_tenant_rows('ta_sales_target');

-- fraiseql_app: what requests read and write; fraiseql_flight: SELECT on the tables its views now read.
SELECT fraiseql.grant_request_access();
SELECT fraiseql.grant_flight_access();
