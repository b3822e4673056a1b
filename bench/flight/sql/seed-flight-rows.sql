-- $1 rows of tb_flight_row, all in org $2; deterministic (a function of seq only), so two databases
-- of the same size hold the same bytes. Mixed values: five statuses, three currencies, 1–3 SKUs,
-- a null note on 9 rows in 10, timestamps 3 s apart from 2024-01-01.
INSERT INTO tb_flight_row (id, org_id, seq, status, total, currency, item_count, units, placed_at, placed_on,
                           customer_id, customer_email, is_cancelled, avg_unit_price, product_skus, shipping_address, notes)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
       $2::uuid,
       g,
       (ARRAY['PENDING', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED'])[1 + g % 5],
       round(5 + ((g::int8 * 7919) % 100000) / 100.0, 2),
       (ARRAY['EUR', 'USD', 'GBP'])[1 + g % 3],
       1 + g % 7,
       (1 + g % 7) * (1 + g % 4),
       timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => g * 3),
       date '2024-01-01' + (g * 3 / 86400),
       ('00000000-0000-4000-9000-' || lpad(to_hex(g % 50000), 12, '0'))::uuid,
       'customer' || (g % 50000) || '@example.com',
       g % 5 = 4,
       0.5 + ((g::int8 * 31) % 10000) / 100.0,
       (ARRAY['SKU-' || lpad((g % 997)::text, 4, '0'), 'SKU-' || lpad(((g * 7) % 991)::text, 4, '0'), 'SKU-' || lpad(((g * 13) % 983)::text, 4, '0')])[1:1 + g % 3],
       jsonb_build_object('street', (g % 997) || ' Main Street', 'city', (ARRAY['Paris', 'Berlin', 'Madrid', 'Rome'])[1 + g % 4],
                          'postal_code', lpad((g % 99991)::text, 5, '0'), 'country', (ARRAY['FR', 'DE', 'ES', 'IT'])[1 + g % 4]),
       CASE WHEN g % 10 = 0 THEN 'Leave the parcel at the door, please.' END
  FROM generate_series(1, $1::int4) AS g;
