-- GraphQL views: typed columns for filtering/ordering (indexed in 0002) + `data jsonb`, whose
-- keys are the GraphQL field names. Each JSON shape is written once, as a function, and reused
-- wherever it is embedded (User in v_user, Order.customer and Review.author; ProductSummary in
-- Order.items and Review.product; Category in v_category and Product.category).
--
-- The shape functions are SQL functions with SQL-standard bodies: the planner inlines the simple
-- ones (they become plain expressions over the columns), their dependencies are recorded, and
-- they do not depend on search_path. The ones with a subquery (order items) stay function calls;
-- PostgreSQL evaluates such expensive select-list expressions only for the rows that survive
-- WHERE/ORDER BY/LIMIT. Joins to one-row parents are LEFT JOINs on a primary key, so a query that
-- does not read `data` (count(*), id lists) has them removed by the planner.
--
-- Timestamps: fraiseql.to_iso8601 (UTC, 6 fractional digits, Z). Numerics: JSON numbers.

CREATE FUNCTION user_data(u tb_user) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN jsonb_build_object(
    'id', u.id,
    'email', u.email,
    'name', u.name,
    'isActive', u.is_active,
    'tags', to_jsonb(u.tags),
    'createdAt', fraiseql.to_iso8601(u.created_at));

CREATE FUNCTION category_data(c tb_category) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN jsonb_build_object(
    'id', c.id,
    'name', c.name,
    'slug', c.slug,
    'createdAt', fraiseql.to_iso8601(c.created_at));

CREATE FUNCTION product_summary_data(p tb_product) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN jsonb_build_object('id', p.id, 'sku', p.sku, 'name', p.name);

-- category: the Category JSON or NULL.
CREATE FUNCTION product_data(p tb_product, category jsonb) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN jsonb_build_object(
    'id', p.id,
    'sku', p.sku,
    'name', p.name,
    'description', p.description,
    'price', p.price,
    'stock', p.stock,
    'isActive', p.is_active,
    'tags', to_jsonb(p.tags),
    'attributes', p.attributes,
    'category', category,
    'createdAt', fraiseql.to_iso8601(p.created_at),
    'updatedAt', fraiseql.to_iso8601(p.updated_at));

-- tb_order.shipping_address {street, city, postal_code, country} → Address.
CREATE FUNCTION address_data(a jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN jsonb_build_object(
    'street', a ->> 'street',
    'city', a ->> 'city',
    'postalCode', a ->> 'postal_code',
    'country', a ->> 'country');

-- [OrderItem] of one order, ordered by item id (stable; the seed's ids follow insertion order).
CREATE FUNCTION order_items_data(order_id uuid) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (
    SELECT coalesce(
             jsonb_agg(jsonb_build_object(
                         'id', i.id,
                         'quantity', i.quantity,
                         'unitPrice', i.unit_price,
                         'product', product_summary_data(p))
                       ORDER BY i.id),
             '[]'::jsonb)
    FROM tb_order_item i
    JOIN tb_product p ON p.id = i.product_id
    WHERE i.order_id = $1);

-- customer: User JSON; items: [OrderItem] JSON (itemCount = number of item lines).
CREATE FUNCTION order_data(o tb_order, customer jsonb, items jsonb) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN jsonb_build_object(
    'id', o.id,
    'status', o.status,
    'total', o.total,
    'currency', o.currency,
    'notes', o.notes,
    'placedAt', fraiseql.to_iso8601(o.placed_at),
    'createdAt', fraiseql.to_iso8601(o.created_at),
    'updatedAt', fraiseql.to_iso8601(o.updated_at),
    'itemCount', jsonb_array_length(items),
    'shippingAddress', address_data(o.shipping_address),
    'customer', customer,
    'items', items);

-- product: ProductSummary JSON; author: User JSON.
CREATE FUNCTION review_data(r tb_review, product jsonb, author jsonb) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN jsonb_build_object(
    'id', r.id,
    'rating', r.rating,
    'title', r.title,
    'body', r.body,
    'createdAt', fraiseql.to_iso8601(r.created_at),
    'product', product,
    'author', author);

CREATE VIEW v_user AS
SELECT u.id, u.org_id, u.email, u.created_at, user_data(u) AS data
FROM tb_user u;

CREATE VIEW v_category AS
SELECT c.id, c.org_id, c.slug, category_data(c) AS data
FROM tb_category c;

CREATE VIEW v_product AS
SELECT p.id, p.org_id, p.sku, p.price, p.created_at,
       product_data(p, CASE WHEN c.id IS NULL THEN NULL ELSE category_data(c) END) AS data
FROM tb_product p
LEFT JOIN tb_category c ON c.id = p.category_id;

CREATE VIEW v_order AS
SELECT o.id, o.org_id, o.status, o.total, o.placed_at, o.customer_id,
       order_data(o, user_data(u), order_items_data(o.id)) AS data
FROM tb_order o
LEFT JOIN tb_user u ON u.id = o.customer_id;

CREATE VIEW v_review AS
SELECT r.id, r.org_id, r.rating, r.created_at,
       review_data(r, product_summary_data(p), user_data(u)) AS data
FROM tb_review r
LEFT JOIN tb_product p ON p.id = r.product_id
LEFT JOIN tb_user u ON u.id = r.author_id;

COMMENT ON VIEW v_user IS 'GraphQL User. data: {id, email, name, isActive, tags, createdAt}';
COMMENT ON VIEW v_category IS 'GraphQL Category. data: {id, name, slug, createdAt}';
COMMENT ON VIEW v_product IS 'GraphQL Product. data: {id, sku, name, description, price, stock, isActive, tags, attributes, category, createdAt, updatedAt}';
COMMENT ON VIEW v_order IS 'GraphQL Order. data: {id, status, total, currency, notes, placedAt, createdAt, updatedAt, itemCount, shippingAddress, customer, items}';
COMMENT ON VIEW v_review IS 'GraphQL Review. data: {id, rating, title, body, createdAt, product, author}';
