-- The flight benchmark's relations (bench/flight/flight-bench-schema.ts declares them), created in a
-- fresh database after the framework migrations (fraiseql.to_iso8601, grant_flight_access).
--
--   tb_flight_row   the rows, typed: the columns and types of the shop's va_order, plus seq
--   va_flight_row   the Arrow Flight dataset: the typed columns as they are
--   tv_flight_row   the GraphQL JSON of each row, stored (a table-backed projection, like the
--                   shop's tv_order: the GraphQL leg gets its best case, no JSON built per read)
--   v_flight_row    the GraphQL view: typed filter/order columns + data jsonb
--
-- UNLOGGED: 10M rows are generated in one statement and never changed; without WAL the load is
-- much faster and reads are the same. After a crash PostgreSQL empties them; the benchmark counts
-- the rows before reusing a database and rebuilds it when they are gone.
-- No primary keys: nothing looks rows up by id, and the index build would double the load time
-- at 10M rows. The one index is the one the GraphQL pages need (keyset on seq within the org).

CREATE UNLOGGED TABLE tb_flight_row (
  id uuid NOT NULL,
  org_id uuid NOT NULL,
  seq int4 NOT NULL,
  status text NOT NULL,
  total numeric(12, 2) NOT NULL,
  currency text NOT NULL,
  item_count int4 NOT NULL,
  units int8 NOT NULL,
  placed_at timestamptz NOT NULL,
  placed_on date NOT NULL,
  customer_id uuid NOT NULL,
  customer_email text NOT NULL,
  is_cancelled bool NOT NULL,
  avg_unit_price float8 NOT NULL,
  product_skus text[] NOT NULL,
  shipping_address jsonb NOT NULL,
  notes text
);

CREATE VIEW va_flight_row AS
SELECT id, org_id, seq, status, total, currency, item_count, units, placed_at, placed_on,
       customer_id, customer_email, is_cancelled, avg_unit_price, product_skus, shipping_address, notes
  FROM tb_flight_row;

CREATE UNLOGGED TABLE tv_flight_row (
  id uuid NOT NULL,
  org_id uuid NOT NULL,
  seq int4 NOT NULL,
  data jsonb NOT NULL
);

CREATE VIEW v_flight_row AS
SELECT id, org_id, seq, data FROM tv_flight_row;

COMMENT ON VIEW va_flight_row IS 'Flight benchmark: typed rows (the types of the shop''s va_order, plus seq).';
COMMENT ON VIEW v_flight_row IS 'Flight benchmark: GraphQL FlightRow. data: {id, orgId, seq, status, total, currency, itemCount, units, placedAt, placedOn, customerId, customerEmail, isCancelled, avgUnitPrice, productSkus, shippingAddress, notes}';
