-- Indexes for what the GraphQL layer does: every query is scoped by org_id, then filters and
-- orders on the typed view columns (created_at, placed_at, status, total, sku, email, slug),
-- LIMIT n, tie-broken by id. Unique constraints in 0001 already index (org_id, email),
-- (org_id, sku), (org_id, slug) and (org_id, id).

CREATE INDEX tb_user_org_created_idx     ON tb_user (org_id, created_at, id);
CREATE INDEX tb_user_tags_idx            ON tb_user USING gin (tags);

CREATE INDEX tb_category_org_created_idx ON tb_category (org_id, created_at, id);

CREATE INDEX tb_product_org_created_idx  ON tb_product (org_id, created_at, id);
CREATE INDEX tb_product_org_price_idx    ON tb_product (org_id, price, id);
CREATE INDEX tb_product_category_idx     ON tb_product (category_id);
CREATE INDEX tb_product_tags_idx         ON tb_product USING gin (tags);
CREATE INDEX tb_product_attributes_idx   ON tb_product USING gin (attributes);

CREATE INDEX tb_order_org_created_idx    ON tb_order (org_id, created_at, id);
CREATE INDEX tb_order_org_placed_idx     ON tb_order (org_id, placed_at, id);
CREATE INDEX tb_order_org_status_placed_idx ON tb_order (org_id, status, placed_at, id);
CREATE INDEX tb_order_org_total_idx      ON tb_order (org_id, total, id);
CREATE INDEX tb_order_customer_idx       ON tb_order (customer_id, placed_at);

-- (order_id, id): the items of one order, already in the order v_order lists them.
CREATE INDEX tb_order_item_order_idx     ON tb_order_item (order_id, id);
CREATE INDEX tb_order_item_product_idx   ON tb_order_item (product_id);

CREATE INDEX tb_review_product_idx       ON tb_review (product_id);
CREATE INDEX tb_review_author_idx        ON tb_review (author_id);
CREATE INDEX tb_review_org_created_idx   ON tb_review (org_id, created_at, id);
CREATE INDEX tb_review_org_rating_idx    ON tb_review (org_id, rating, created_at, id);
