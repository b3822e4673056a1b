-- tv_flight_row from tb_flight_row: each row's GraphQL JSON, shaped as the shop's views shape
-- theirs (camelCase keys, timestamps through fraiseql.to_iso8601, numerics as JSON numbers).
INSERT INTO tv_flight_row (id, org_id, seq, data)
SELECT r.id, r.org_id, r.seq,
       jsonb_build_object(
         'id', r.id,
         'orgId', r.org_id,
         'seq', r.seq,
         'status', r.status,
         'total', r.total,
         'currency', r.currency,
         'itemCount', r.item_count,
         'units', r.units,
         'placedAt', fraiseql.to_iso8601(r.placed_at),
         'placedOn', r.placed_on,
         'customerId', r.customer_id,
         'customerEmail', r.customer_email,
         'isCancelled', r.is_cancelled,
         'avgUnitPrice', r.avg_unit_price,
         'productSkus', to_jsonb(r.product_skus),
         'shippingAddress', jsonb_build_object(
           'street', r.shipping_address ->> 'street',
           'city', r.shipping_address ->> 'city',
           'postalCode', r.shipping_address ->> 'postal_code',
           'country', r.shipping_address ->> 'country'),
         'notes', r.notes)
  FROM tb_flight_row r;

-- The GraphQL pages' keyset: WHERE org_id = $org AND seq > $after ORDER BY seq LIMIT $page.
CREATE INDEX tv_flight_row_org_seq ON tv_flight_row (org_id, seq);
