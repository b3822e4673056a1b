-- The demo shop's data, generated inside PostgreSQL (INSERT ... SELECT FROM generate_series).
-- Deterministic: every value is a function of (org number, row number, salt) through
-- hashint8extended, never random() or now(), so the same plan gives byte-identical data.
-- Reads its sizes from the temp table seed_plan (filled by seed.ts with $n parameters).
-- seed.ts runs the steps below one by one ("-- step: <name>" markers) in one transaction, with the
-- projection triggers deferred (0004); the "order projection" step fills tv_order at the end.
-- Ids: <kind:8>-<org:4>-4000-8000-<row:12>, decimal digits (valid v4-shaped UUIDs):
--   kind 0 organization (org part 0000), 1 user, 2 category, 3 product, 4 order, 5 order item, 6 review.

-- step: helpers
CREATE OR REPLACE FUNCTION pg_temp.pick(k bigint, salt bigint, n bigint) RETURNS bigint
  LANGUAGE sql IMMUTABLE RETURN (hashint8extended(k, salt) & 9223372036854775807) % n;
CREATE OR REPLACE FUNCTION pg_temp.sid(kind int, org int, n bigint) RETURNS uuid
  LANGUAGE sql IMMUTABLE
  RETURN (lpad(kind::text, 8, '0') || '-' || lpad(org::text, 4, '0') || '-4000-8000-' || lpad(n::text, 12, '0'))::uuid;
-- A row's hash key: unique per (org, row) for every kind.
CREATE OR REPLACE FUNCTION pg_temp.hkey(org int, n bigint) RETURNS bigint
  LANGUAGE sql IMMUTABLE RETURN org::bigint * 1000000000 + n;
-- Rows of a total that fall to org o when spread round-robin over the orgs.
CREATE OR REPLACE FUNCTION pg_temp.share(total int, orgs int, o int) RETURNS int
  LANGUAGE sql IMMUTABLE RETURN total / orgs + CASE WHEN o <= total % orgs THEN 1 ELSE 0 END;
-- A moment in the two years 2023-01-01 .. 2025-01-01 (UTC), microsecond precision.
CREATE OR REPLACE FUNCTION pg_temp.moment(k bigint, salt bigint) RETURNS timestamptz
  LANGUAGE sql STABLE
  RETURN timestamptz '2023-01-01 00:00:00+00' + pg_temp.pick(k, salt, 63072000000000) * interval '1 microsecond';
CREATE OR REPLACE FUNCTION pg_temp.price(o int, p bigint) RETURNS numeric
  LANGUAGE sql IMMUTABLE RETURN (99 + pg_temp.pick(pg_temp.hkey(o, p), 104, 49900))::numeric / 100;
CREATE OR REPLACE FUNCTION pg_temp.item_count(order_key bigint) RETURNS int
  LANGUAGE sql IMMUTABLE RETURN 1 + pg_temp.pick(order_key, 403, 5)::int;
-- Distinct products within one order (step 7 through the org's catalogue).
CREATE OR REPLACE FUNCTION pg_temp.item_product(order_key bigint, m int, products int) RETURNS int
  LANGUAGE sql IMMUTABLE RETURN 1 + ((pg_temp.pick(order_key, 404, products) + (m - 1) * 7) % products)::int;
CREATE OR REPLACE FUNCTION pg_temp.item_quantity(order_key bigint, m int) RETURNS int
  LANGUAGE sql IMMUTABLE RETURN (ARRAY[1, 1, 1, 1, 2, 2, 3, 5])[1 + pg_temp.pick(order_key * 8 + m, 405, 8)];
CREATE OR REPLACE FUNCTION pg_temp.placed_at(order_key bigint) RETURNS timestamptz
  LANGUAGE sql STABLE RETURN pg_temp.moment(order_key, 409);

-- step: organizations
INSERT INTO tb_organization (id, name, created_at)
SELECT pg_temp.sid(0, 0, o),
       coalesce((ARRAY['Acme Corp', 'Globex GmbH', 'Initech S.A.'])[o], 'Demo Org ' || o),
       timestamptz '2022-12-01 00:00:00+00' + o * interval '1 day'
FROM seed_plan, generate_series(1, seed_plan.orgs) o;

-- step: users
INSERT INTO tb_user (id, org_id, email, name, is_active, tags, created_at)
SELECT pg_temp.sid(1, o, n),
       pg_temp.sid(0, 0, o),
       CASE
         WHEN n % 97 = 0 THEN 'deal%hunter.' || n
         WHEN n % 50 = 0 THEN first_ascii || '_' || last_ascii || n
         WHEN n % 61 = 0 THEN 'o''brien.' || n
         ELSE first_ascii || '.' || last_ascii || n
       END || '@org' || o || '.example.com',
       CASE WHEN pg_temp.pick(k, 102, 10) = 0 THEN NULL
            ELSE (ARRAY['Ada', 'Zoë', 'José', 'Ørjan', 'Ngozi', 'Li', 'Émile', 'Siobhán', 'Mateus', 'Yūki', 'Anna', 'Omar'])[1 + f]
                 || ' ' ||
                 (ARRAY['O''Brien', 'Müller', 'García', 'Nakamura', 'Kowalski', 'Dubois', 'Smith', 'Østergaard', 'Nguyen', 'Okafor', '100% Real', 'Under_Score'])[1 + l]
       END,
       pg_temp.pick(k, 103, 10) <> 0,
       (ARRAY['vip', 'newsletter', 'b2b', 'beta-tester', 'churn-risk', 'wholesale', 'früh-kunde'])
         [1 + pg_temp.pick(k, 104, 7) : pg_temp.pick(k, 104, 7) + pg_temp.pick(k, 105, 4)],
       pg_temp.moment(k, 106)
FROM (
  SELECT o, n, pg_temp.hkey(o, n) AS k,
         pg_temp.pick(pg_temp.hkey(o, n), 100, 12) AS f,
         pg_temp.pick(pg_temp.hkey(o, n), 101, 12) AS l,
         (ARRAY['ada', 'zoe', 'jose', 'orjan', 'ngozi', 'li', 'emile', 'siobhan', 'mateus', 'yuki', 'anna', 'omar'])[1 + pg_temp.pick(pg_temp.hkey(o, n), 100, 12)] AS first_ascii,
         (ARRAY['obrien', 'mueller', 'garcia', 'nakamura', 'kowalski', 'dubois', 'smith', 'ostergaard', 'nguyen', 'okafor', 'real', 'underscore'])[1 + pg_temp.pick(pg_temp.hkey(o, n), 101, 12)] AS last_ascii
  FROM seed_plan, generate_series(1, seed_plan.orgs) o, generate_series(1, seed_plan.users_per_org) n
) u;

-- step: categories
INSERT INTO tb_category (id, org_id, name, slug, created_at)
SELECT pg_temp.sid(2, o, n),
       pg_temp.sid(0, 0, o),
       (ARRAY['Books', 'Cafés & Tea', 'Electronics', 'Garden', 'Toys_Games', 'Kitchen', 'Outdoor', 'Music', 'Art & Craft', 'Office',
              'Pets', 'Health', 'Beauty', 'Sports', '"Vintage"', 'Home', 'Tools', '100% Organic', 'Baby', 'Électroménager'])[1 + (n - 1) % 20]
         || CASE WHEN n > 20 THEN ' ' || n ELSE '' END,
       (ARRAY['books', 'cafes-tea', 'electronics', 'garden', 'toys-games', 'kitchen', 'outdoor', 'music', 'art-craft', 'office',
              'pets', 'health', 'beauty', 'sports', 'vintage', 'home', 'tools', 'organic', 'baby', 'electromenager'])[1 + (n - 1) % 20]
         || CASE WHEN n > 20 THEN '-' || n ELSE '' END,
       timestamptz '2022-12-15 00:00:00+00' + n * interval '1 hour' + o * interval '1 minute'
FROM seed_plan, generate_series(1, seed_plan.orgs) o, generate_series(1, seed_plan.categories_per_org) n;

-- step: products
INSERT INTO tb_product (id, org_id, category_id, sku, name, description, price, stock, is_active, tags, attributes, created_at, updated_at)
SELECT pg_temp.sid(3, o, n),
       pg_temp.sid(0, 0, o),
       CASE WHEN pg_temp.pick(k, 300, 20) = 0 THEN NULL
            ELSE pg_temp.sid(2, o, 1 + pg_temp.pick(k, 301, categories_per_org)) END,
       CASE WHEN n % 40 = 0 THEN 'SKU_' ELSE 'SKU-' END || lpad(n::text, 5, '0'),
       (ARRAY['Classic', 'Eco', 'Deluxe', '100% Cotton', 'Mini', 'Crème Brûlée', 'Under_Score', 'Baker''s', '"Quoted"', '日本茶', 'Smart', 'Vintage'])[1 + pg_temp.pick(k, 302, 12)]
         || ' ' ||
       (ARRAY['Mug', 'Lamp', 'Tee', 'Kettle', 'Notebook', 'Torch', 'Backpack', 'Chair', 'Speaker', 'Set', 'Plant Pot', 'Puzzle'])[1 + pg_temp.pick(k, 303, 12)],
       CASE WHEN pg_temp.pick(k, 304, 5) = 0 THEN NULL
            ELSE (ARRAY['Made to last.', 'Now 20% lighter!', 'Hand-made in Kraków — each one unique.', 'The "original", since 1999.',
                        'Dishwasher_safe; microwave safe.', 'Ships in 2–3 days 🚚', 'Back\slash edition.'])[1 + pg_temp.pick(k, 305, 7)] END,
       pg_temp.price(o, n),
       pg_temp.pick(k, 306, 500)::int,
       pg_temp.pick(k, 307, 12) <> 0,
       (ARRAY['new', 'sale', 'eco', 'bestseller', 'limited', 'import', 'handmade', 'größe-xl'])
         [1 + pg_temp.pick(k, 308, 8) : pg_temp.pick(k, 308, 8) + pg_temp.pick(k, 309, 4)],
       CASE WHEN pg_temp.pick(k, 310, 10) = 0 THEN NULL
            ELSE jsonb_build_object(
                   'color', (ARRAY['red', 'green', 'blue', 'black', 'white', 'crème'])[1 + pg_temp.pick(k, 311, 6)],
                   'weightGrams', 50 + pg_temp.pick(k, 312, 5000))
                 || CASE WHEN pg_temp.pick(k, 313, 3) = 0
                         THEN jsonb_build_object('size', (ARRAY['S', 'M', 'L', 'XL'])[1 + pg_temp.pick(k, 314, 4)]) ELSE '{}' END
                 || CASE WHEN n % 7 = 0 THEN '{"fragile": true}' ELSE '{}' END::jsonb END,
       created,
       created + pg_temp.pick(k, 315, 7776000) * interval '1 second'
FROM (
  SELECT o, n, seed_plan.categories_per_org, pg_temp.hkey(o, n) AS k, pg_temp.moment(pg_temp.hkey(o, n), 316) AS created
  FROM seed_plan, generate_series(1, seed_plan.orgs) o, generate_series(1, seed_plan.products_per_org) n
) p;

-- step: orders
INSERT INTO tb_order (id, org_id, customer_id, status, total, currency, notes, shipping_address, placed_at, created_at, updated_at)
SELECT pg_temp.sid(4, o, n),
       pg_temp.sid(0, 0, o),
       pg_temp.sid(1, o, 1 + pg_temp.pick(k, 401, users_per_org)),
       status,
       (SELECT sum(pg_temp.item_quantity(k, m) * pg_temp.price(o, pg_temp.item_product(k, m, products_per_org)))
        FROM generate_series(1, pg_temp.item_count(k)) m),
       (ARRAY['EUR', 'EUR', 'EUR', 'USD', 'USD', 'GBP'])[1 + pg_temp.pick(k, 410, 6)],
       CASE WHEN pg_temp.pick(k, 411, 10) < 7 THEN NULL
            ELSE (ARRAY['Leave at the door', 'Gift wrap, please — it''s a surprise', '50% deposit paid', 'ref_code: A_B',
                        'Ring twice 🔔', 'Livraison à domicile', 'Path C:\orders\new', 'Call "Bob" first'])[1 + pg_temp.pick(k, 412, 8)] END,
       jsonb_build_object(
         'street', (1 + pg_temp.pick(k, 413, 250)) || ' ' ||
                   (ARRAY['Rue de l''Église', 'Hauptstraße', 'Main St', 'ulica Długa', 'Avenida Paulista', 'Bahnhofstrasse', '中央通り', 'Baker St'])[1 + city],
         'city', (ARRAY['Paris', 'München', 'Kraków', 'New York', 'São Paulo', 'Zürich', 'Tōkyō', 'London'])[1 + city],
         'postal_code', lpad(pg_temp.pick(k, 414, 100000)::text, 5, '0'),
         'country', (ARRAY['FR', 'DE', 'PL', 'US', 'BR', 'CH', 'JP', 'GB'])[1 + city]),
       placed,
       placed - pg_temp.pick(k, 415, 900) * interval '1 second',
       placed + CASE WHEN status = 'PENDING' THEN interval '0' ELSE pg_temp.pick(k, 416, 864000) * interval '1 second' END
FROM (
  SELECT o, n, k, seed_plan.users_per_org, seed_plan.products_per_org,
         pg_temp.placed_at(k) AS placed,
         pg_temp.pick(k, 417, 8) AS city,
         CASE WHEN s < 15 THEN 'PENDING' WHEN s < 30 THEN 'PAID' WHEN s < 45 THEN 'SHIPPED' WHEN s < 90 THEN 'DELIVERED' ELSE 'CANCELLED' END AS status
  FROM seed_plan, generate_series(1, seed_plan.orgs) o,
       generate_series(1, pg_temp.share(seed_plan.orders, seed_plan.orgs, o)) n,
       LATERAL (SELECT pg_temp.hkey(o, n) AS k) hk,
       LATERAL (SELECT pg_temp.pick(hk.k, 402, 100) AS s) st
) x;

-- step: order items
INSERT INTO tb_order_item (id, org_id, order_id, product_id, quantity, unit_price, created_at)
SELECT pg_temp.sid(5, o, n * 8 + m),
       pg_temp.sid(0, 0, o),
       pg_temp.sid(4, o, n),
       pg_temp.sid(3, o, pg_temp.item_product(k, m, products_per_org)),
       pg_temp.item_quantity(k, m),
       pg_temp.price(o, pg_temp.item_product(k, m, products_per_org)),
       pg_temp.placed_at(k)
FROM seed_plan, generate_series(1, seed_plan.orgs) o,
     generate_series(1, pg_temp.share(seed_plan.orders, seed_plan.orgs, o)) n,
     LATERAL (SELECT pg_temp.hkey(o, n) AS k) hk,
     generate_series(1, pg_temp.item_count(hk.k)) m;

-- step: reviews
INSERT INTO tb_review (id, org_id, product_id, author_id, rating, title, body, created_at)
SELECT pg_temp.sid(6, o, n),
       pg_temp.sid(0, 0, o),
       pg_temp.sid(3, o, 1 + pg_temp.pick(k, 601, products_per_org)),
       pg_temp.sid(1, o, 1 + pg_temp.pick(k, 602, users_per_org)),
       (ARRAY[5, 5, 5, 4, 4, 4, 3, 3, 2, 1])[1 + pg_temp.pick(k, 603, 10)],
       (ARRAY['Great value', 'Not as described', 'Works as expected', '100% recommended', 'Meh_', 'Très bien !', 'Would buy again', '"Best" purchase ever', '5 stars ⭐', 'Broke after a week'])[1 + pg_temp.pick(k, 604, 10)],
       CASE WHEN pg_temp.pick(k, 605, 4) = 0 THEN NULL
            ELSE (ARRAY['Arrived quickly.', 'The colour is a bit off; still 90% happy.', 'It''s fine.', 'Ünïcödé everywhere — and it works.', 'Would not use in the rain_'])[1 + pg_temp.pick(k, 606, 5)] END,
       pg_temp.moment(k, 607)
FROM seed_plan, generate_series(1, seed_plan.orgs) o,
     generate_series(1, pg_temp.share(seed_plan.reviews, seed_plan.orgs, o)) n,
     LATERAL (SELECT pg_temp.hkey(o, n) AS k) hk;

-- step: analyze
-- Before the projection: its INSERT ... SELECT joins orders, users, items and products, and needs
-- their statistics for a sane plan on a freshly created database.
ANALYZE tb_organization, tb_user, tb_category, tb_product, tb_order, tb_order_item, tb_review;

-- step: order projection
-- seed.ts deferred the tv_order triggers (fraiseql.defer_projections = on): one set-based fill
-- instead of recomputing every order once per statement that touched it. Emptied first, so that a
-- caller that did not defer (an older build of seed.ts) still ends with exactly v_order_source.
TRUNCATE tv_order;
INSERT INTO tv_order (id, org_id, status, total, placed_at, customer_id, data)
SELECT id, org_id, status, total, placed_at, customer_id, data FROM v_order_source;
ANALYZE tv_order;
