-- Analytics datasets served over Arrow Flight (issue 4, docs/flight.md), declared with the same
-- columns in src/schema.ts (arrowDataset): va_* views read as they are, ta_* tables Flight writes.
-- Typed columns, read from the tb_* tables (not from the GraphQL JSON), so that millions of rows
-- stream without building or parsing any document.
--
--   va_order         one row per order
--   va_product       one row per product
--   ta_order_fact    va_order's rows stored (the Flight action `refresh` replaces an org's rows)
--   ta_sales_target  sales targets uploaded with DoPut

-- One row per order. The per-order item figures come from one aggregate over the items, grouped
-- by (org_id, order_id) and joined on both: a filter on org_id (Flight always scopes by org) or on
-- id reaches the aggregate's scan through the join's equivalence, and a full read is one pass over
-- the items instead of a subquery per order.
--   item_count      number of item lines (GraphQL Order.itemCount)
--   units           sum of the quantities
--   avg_unit_price  price per unit over the items: sum(quantity × unit_price) / units; NULL without items
--   product_skus    each line's product sku, in item id order (GraphQL Order.items); '{}' without items
--   placed_on       the UTC date of placed_at (GraphQL DateTime values are UTC)
--   shipping_address as stored: {street, city, postal_code, country}
CREATE VIEW va_order AS
SELECT o.id,
       o.org_id,
       o.status,
       o.total,
       o.currency::text                                      AS currency,
       coalesce(i.item_count, 0)::int4                       AS item_count,
       coalesce(i.units, 0)::int8                            AS units,
       o.placed_at,
       (o.placed_at AT TIME ZONE 'UTC')::date                AS placed_on,
       o.customer_id,
       u.email                                               AS customer_email,
       o.status = 'CANCELLED'                                AS is_cancelled,
       (i.amount / nullif(i.units, 0))::float8               AS avg_unit_price,
       coalesce(i.product_skus, '{}'::text[])                AS product_skus,
       o.shipping_address,
       o.notes
FROM tb_order o
JOIN tb_user u ON u.id = o.customer_id
LEFT JOIN (
  SELECT oi.org_id,
         oi.order_id,
         count(*)                                AS item_count,
         sum(oi.quantity)                        AS units,
         sum(oi.quantity * oi.unit_price)        AS amount,
         array_agg(p.sku ORDER BY oi.id)         AS product_skus
  FROM tb_order_item oi
  JOIN tb_product p ON p.id = oi.product_id
  GROUP BY oi.org_id, oi.order_id
) i ON i.org_id = o.org_id AND i.order_id = o.id;

COMMENT ON VIEW va_order IS
  'Flight dataset: one row per order, typed columns (id, org_id, status, total, currency, item_count, units, placed_at, placed_on, customer_id, customer_email, is_cancelled, avg_unit_price, product_skus, shipping_address, notes).';

-- One row per product; category is the category's name (NULL without a category).
CREATE VIEW va_product AS
SELECT p.id,
       p.org_id,
       p.sku,
       p.name,
       p.price,
       p.stock,
       p.is_active,
       p.tags,
       c.name AS category,
       p.attributes,
       p.created_at
FROM tb_product p
LEFT JOIN tb_category c ON c.id = p.category_id;

COMMENT ON VIEW va_product IS
  'Flight dataset: one row per product, typed columns (id, org_id, sku, name, price, stock, is_active, tags, category, attributes, created_at).';

-- va_order's columns, stored: what an analyst reads repeatedly without recomputing. Filled per
-- org by the Flight action `refresh` (DELETE the org's rows, INSERT ... SELECT FROM va_order);
-- no foreign keys, the rows are a snapshot.
CREATE TABLE ta_order_fact (
  id               uuid          NOT NULL,
  org_id           uuid          NOT NULL,
  status           text          NOT NULL,
  total            numeric(12,2) NOT NULL,
  currency         text          NOT NULL,
  item_count       int4          NOT NULL,
  units            int8          NOT NULL,
  placed_at        timestamptz   NOT NULL,
  placed_on        date          NOT NULL,
  customer_id      uuid          NOT NULL,
  customer_email   text          NOT NULL,
  is_cancelled     bool          NOT NULL,
  avg_unit_price   float8,
  product_skus     text[]        NOT NULL,
  shipping_address jsonb         NOT NULL,
  notes            text,
  PRIMARY KEY (org_id, id)
);

COMMENT ON TABLE ta_order_fact IS 'Flight dataset: va_order''s rows as of the last `refresh` of each org.';

-- Uploaded by analysts with DoPut (one row per org, month and region).
CREATE TABLE ta_sales_target (
  org_id uuid          NOT NULL,
  month  date          NOT NULL,
  region text          NOT NULL,
  target numeric(14,2) NOT NULL,
  note   text,
  PRIMARY KEY (org_id, month, region)
);

COMMENT ON TABLE ta_sales_target IS 'Flight dataset: sales targets per org, month and region, uploaded with DoPut.';

-- fraiseql_flight (framework migration 0004): SELECT on va_*, ta_*, v_*, INSERT and DELETE on ta_*.
SELECT fraiseql.grant_flight_access();
