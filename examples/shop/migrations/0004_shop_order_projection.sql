-- Orders are read far more often than they are written, and v_order (0003) composed the whole
-- Order document — customer, items, formatted timestamps — on every read, through order_data(),
-- which PostgreSQL cannot inline (docs/benchmarks.md, docs/adr/0041-table-backed-projections.md).
-- This migration moves that work to write time (ARCHITECTURE §5: tv_<entity> = table-backed view):
--
--   v_order_source   how an Order row is computed from the tb_* tables (the 0003 shape, rewritten
--                    with a LATERAL join so the planner sees one flat query; same data, byte for byte)
--   tv_order         the stored rows of v_order_source, indexed like tb_order for the GraphQL filters
--   v_order          now a plain projection of tv_order: same columns, same types, same data, so the
--                    compiled schema and the planner's SQL are unchanged
--   refresh_tv_order(order_ids uuid[])
--                    the one way rows get into tv_order: recomputes the given orders from
--                    v_order_source (upsert) and deletes the ids whose order no longer exists
--   tv_order_* triggers
--                    statement-level, with transition tables, on every table that feeds the Order
--                    JSON; each collects the affected order ids of the whole statement and calls
--                    refresh_tv_order once, in the writing transaction (a rollback undoes both)
--
-- The pattern for another entity X: v_x_source, tv_x, v_x over tv_x, refresh_tv_x(ids), and
-- tv_x_* triggers on the tables X's JSON reads, each mapping changed rows to X ids.
--
-- Bulk loads (the seed) set the transaction-local setting `fraiseql.defer_projections = on`
-- (SET LOCAL / set_config(..., true)): the triggers then do nothing, and the loader fills the
-- projection once at the end (INSERT INTO tv_order SELECT ... FROM v_order_source, or
-- refresh_tv_order with the loaded ids). Full repair of a projection that drifted (a load that
-- deferred and never refreshed): SELECT refresh_tv_order(array(SELECT id FROM tb_order UNION SELECT id FROM tv_order)).
--
-- Fan-out, the cost this moves to writes: a write to an order or its items recomputes that one
-- order; a change to a user's User JSON fields (email, name, is_active, tags, created_at)
-- recomputes every order of that customer; a change to a product's sku or name recomputes every
-- order that has an item of it (at the 100k demo scale ≈ 150 orders per product; renaming all
-- products at once recomputes every order). Changes to fields the Order JSON does not contain
-- (a product's price or stock, ...) recompute nothing.

CREATE VIEW v_order_source AS
SELECT o.id, o.org_id, o.status, o.total, o.placed_at, o.customer_id,
       jsonb_build_object(
         'id', o.id,
         'status', o.status,
         'total', o.total,
         'currency', o.currency,
         'notes', o.notes,
         'placedAt', fraiseql.to_iso8601(o.placed_at),
         'createdAt', fraiseql.to_iso8601(o.created_at),
         'updatedAt', fraiseql.to_iso8601(o.updated_at),
         'itemCount', jsonb_array_length(i.items),
         'shippingAddress', address_data(o.shipping_address),
         'customer', user_data(u),
         'items', i.items) AS data
FROM tb_order o
LEFT JOIN tb_user u ON u.id = o.customer_id
LEFT JOIN LATERAL (
  -- [OrderItem] ordered by item id, as order_items_data() lists them.
  SELECT coalesce(jsonb_agg(jsonb_build_object(
                              'id', oi.id,
                              'quantity', oi.quantity,
                              'unitPrice', oi.unit_price,
                              'product', product_summary_data(p))
                            ORDER BY oi.id),
                  '[]'::jsonb) AS items
  FROM tb_order_item oi
  JOIN tb_product p ON p.id = oi.product_id
  WHERE oi.order_id = o.id
) i ON true;

COMMENT ON VIEW v_order_source IS
  'How a GraphQL Order row is computed from the tables; tv_order stores its rows (refresh_tv_order). Same data as order_data(o, user_data(u), order_items_data(o.id)).';

-- No foreign keys: the rows are derived, and refresh_tv_order removes an order's row in the same
-- transaction that deletes the order.
CREATE TABLE tv_order (
  id          uuid          PRIMARY KEY,
  org_id      uuid          NOT NULL,
  status      text          NOT NULL,
  total       numeric(12,2) NOT NULL,
  placed_at   timestamptz   NOT NULL,
  customer_id uuid          NOT NULL,
  data        jsonb         NOT NULL
);

-- What the GraphQL layer filters and orders orders by (as 0002 on tb_order), trailing id for the
-- id tie-breaker of ordering and keyset pagination.
CREATE INDEX tv_order_org_placed_idx        ON tv_order (org_id, placed_at, id);
CREATE INDEX tv_order_org_status_placed_idx ON tv_order (org_id, status, placed_at, id);
CREATE INDEX tv_order_org_total_idx         ON tv_order (org_id, total, id);
CREATE INDEX tv_order_customer_idx          ON tv_order (customer_id, placed_at);

COMMENT ON TABLE tv_order IS
  'Table-backed Order projection: the rows of v_order_source, kept current by the tv_order_* triggers through refresh_tv_order (docs/adr/0041).';

-- Recomputes the given orders (duplicates and NULLs in order_ids are fine). Returns the number of
-- tv_order rows written or deleted (rows whose values did not change are not rewritten).
--
-- Concurrency (READ COMMITTED): before computing, it locks the rows the Order JSON is read from —
-- the orders FOR NO KEY UPDATE (refreshes of one order run one after the other), their customers
-- and their items' products FOR SHARE (a concurrent rename waits for this transaction, and its own
-- refresh then sees this transaction's rows; this one waits for a rename in progress). Each
-- statement of a plpgsql function takes a new snapshot, so the INSERT below sees everything
-- committed before the locks were granted: a refresh never overwrites a newer row with an older one.
-- The price: writers of one order serialize on it (they did already, on tb_order's row, for
-- updates), and a user/product rename concurrent with a write to one of its orders can deadlock;
-- PostgreSQL then aborts one of them (40P01), which the caller retries.
CREATE FUNCTION refresh_tv_order(order_ids uuid[]) RETURNS bigint
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
DECLARE
  written bigint;
  deleted bigint;
BEGIN
  IF order_ids IS NULL OR cardinality(order_ids) = 0 THEN
    RETURN 0;
  END IF;

  PERFORM FROM tb_order o WHERE o.id = ANY (order_ids) ORDER BY o.id FOR NO KEY UPDATE OF o;
  PERFORM FROM tb_user u
    WHERE u.id IN (SELECT o.customer_id FROM tb_order o WHERE o.id = ANY (order_ids))
    ORDER BY u.id FOR SHARE OF u;
  PERFORM FROM tb_product p
    WHERE p.id IN (SELECT oi.product_id FROM tb_order_item oi WHERE oi.order_id = ANY (order_ids))
    ORDER BY p.id FOR SHARE OF p;

  INSERT INTO tv_order AS t (id, org_id, status, total, placed_at, customer_id, data)
  SELECT s.id, s.org_id, s.status, s.total, s.placed_at, s.customer_id, s.data
  FROM v_order_source s
  WHERE s.id = ANY (order_ids)
  ON CONFLICT (id) DO UPDATE
    SET org_id = excluded.org_id, status = excluded.status, total = excluded.total,
        placed_at = excluded.placed_at, customer_id = excluded.customer_id, data = excluded.data
    WHERE (t.org_id, t.status, t.total, t.placed_at, t.customer_id, t.data)
          IS DISTINCT FROM (excluded.org_id, excluded.status, excluded.total, excluded.placed_at, excluded.customer_id, excluded.data);
  GET DIAGNOSTICS written = ROW_COUNT;

  DELETE FROM tv_order t
  WHERE t.id = ANY (order_ids)
    AND NOT EXISTS (SELECT FROM tb_order o WHERE o.id = t.id);
  GET DIAGNOSTICS deleted = ROW_COUNT;

  RETURN written + deleted;
END;
$$;

COMMENT ON FUNCTION refresh_tv_order(uuid[]) IS
  'Recomputes tv_order rows of the given order ids from v_order_source; deletes those whose order is gone.';

-- Trigger functions: one per source table, shared by its INSERT/UPDATE/DELETE triggers (a trigger
-- with transition tables can have only one event). Transition tables are named old_rows/new_rows
-- everywhere; each branch reads only the ones its event has.

-- tb_order: the orders themselves (old ids too, so an id change or a delete removes the old row).
CREATE FUNCTION tv_order_on_order_change() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
BEGIN
  IF current_setting('fraiseql.defer_projections', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM refresh_tv_order(array(SELECT n.id FROM new_rows n));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM refresh_tv_order(array(SELECT n.id FROM new_rows n UNION SELECT o.id FROM old_rows o));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM refresh_tv_order(array(SELECT o.id FROM old_rows o));
  END IF;
  RETURN NULL;
END;
$$;

-- tb_order_item: the order of each old and new item (an item moved between orders refreshes both).
CREATE FUNCTION tv_order_on_order_item_change() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
BEGIN
  IF current_setting('fraiseql.defer_projections', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM refresh_tv_order(array(SELECT DISTINCT n.order_id FROM new_rows n));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM refresh_tv_order(array(SELECT n.order_id FROM new_rows n UNION SELECT o.order_id FROM old_rows o));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM refresh_tv_order(array(SELECT DISTINCT o.order_id FROM old_rows o));
  END IF;
  RETURN NULL;
END;
$$;

-- tb_user: the orders of each customer whose User JSON changed (compared as JSON, so this stays
-- right when user_data changes). Inserted users have no orders yet, and a user with orders cannot
-- be deleted or change id (tb_order's foreign key), so only UPDATE has a trigger.
CREATE FUNCTION tv_order_on_user_change() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
BEGIN
  IF current_setting('fraiseql.defer_projections', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM refresh_tv_order(array(
    SELECT o.id
    FROM tb_order o
    WHERE o.customer_id IN (
      SELECT n.id FROM new_rows n JOIN old_rows b ON b.id = n.id
      WHERE user_data(n::tb_user) IS DISTINCT FROM user_data(b::tb_user))));
  RETURN NULL;
END;
$$;

-- tb_product: the orders that have an item of a product whose ProductSummary (id, sku, name)
-- changed. Price, stock, description... are not in the Order JSON and refresh nothing. Same
-- reasoning as tb_user for INSERT/DELETE (tb_order_item's foreign key).
CREATE FUNCTION tv_order_on_product_change() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
BEGIN
  IF current_setting('fraiseql.defer_projections', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM refresh_tv_order(array(
    SELECT DISTINCT oi.order_id
    FROM tb_order_item oi
    WHERE oi.product_id IN (
      SELECT n.id FROM new_rows n JOIN old_rows b ON b.id = n.id
      WHERE product_summary_data(n::tb_product) IS DISTINCT FROM product_summary_data(b::tb_product))));
  RETURN NULL;
END;
$$;

-- TRUNCATE has no transition tables: emptying tb_order (which empties tb_order_item with it)
-- empties the projection; emptying only the items recomputes every order.
CREATE FUNCTION tv_order_on_truncate() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
BEGIN
  IF current_setting('fraiseql.defer_projections', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'tb_order' THEN
    TRUNCATE tv_order;
  ELSE
    PERFORM refresh_tv_order(array(SELECT o.id FROM tb_order o));
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER tv_order_on_insert AFTER INSERT ON tb_order
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tv_order_on_order_change();
CREATE TRIGGER tv_order_on_update AFTER UPDATE ON tb_order
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tv_order_on_order_change();
CREATE TRIGGER tv_order_on_delete AFTER DELETE ON tb_order
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tv_order_on_order_change();
CREATE TRIGGER tv_order_on_truncate AFTER TRUNCATE ON tb_order
  FOR EACH STATEMENT EXECUTE FUNCTION tv_order_on_truncate();

CREATE TRIGGER tv_order_on_insert AFTER INSERT ON tb_order_item
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tv_order_on_order_item_change();
CREATE TRIGGER tv_order_on_update AFTER UPDATE ON tb_order_item
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tv_order_on_order_item_change();
CREATE TRIGGER tv_order_on_delete AFTER DELETE ON tb_order_item
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tv_order_on_order_item_change();
CREATE TRIGGER tv_order_on_truncate AFTER TRUNCATE ON tb_order_item
  FOR EACH STATEMENT EXECUTE FUNCTION tv_order_on_truncate();

CREATE TRIGGER tv_order_on_update AFTER UPDATE ON tb_user
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tv_order_on_user_change();

CREATE TRIGGER tv_order_on_update AFTER UPDATE ON tb_product
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tv_order_on_product_change();

-- Fill the projection from the data already there (a database migrated after it was seeded).
INSERT INTO tv_order (id, org_id, status, total, placed_at, customer_id, data)
SELECT id, org_id, status, total, placed_at, customer_id, data FROM v_order_source;

ANALYZE tv_order;

-- Same columns, names, types and order as 0003's v_order, so CREATE OR REPLACE keeps everything
-- that reads it (the compiled schema's SQL) valid.
CREATE OR REPLACE VIEW v_order AS
SELECT id, org_id, status, total, placed_at, customer_id, data FROM tv_order;

COMMENT ON VIEW v_order IS 'GraphQL Order, read from the table-backed projection tv_order. data: {id, status, total, currency, notes, placedAt, createdAt, updatedAt, itemCount, shippingAddress, customer, items}';
