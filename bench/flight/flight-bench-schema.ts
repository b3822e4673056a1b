import { arrowDataset, column, defineSchema, entity, field, listQuery, objectType } from '@fraiseql/schema';

/**
 * The benchmark's own schema, over the tables of sql/flight-bench-tables.sql: one row type with
 * the columns and types of the shop's `va_order` (plus `seq`, the row number, for keyset paging),
 * served three ways — the typed view `va_flight_row` as an Arrow Flight dataset, the same rows as
 * the GraphQL entity `FlightRow` (view `v_flight_row`, `data jsonb` stored like the shop's
 * tv_order), and plain SQL for the pg and psql legs.
 */

/** Every row belongs to this org: Flight and GraphQL scope reads to the caller's org, so the caller is in it. */
export const FLIGHT_BENCH_ORG = '0f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b';

/**
 * Largest GraphQL page. A reply travels gateway ← executor in one NATS message (1 MiB by default);
 * a row is about 560 bytes of JSON, so 1,000 rows stay well under it.
 */
export const GRAPHQL_MAX_PAGE = 1000;

/** The dataset's columns in order; the pg and psql legs select exactly these, like the Flight ticket. */
export const FLIGHT_ROW_COLUMNS = [
  'id',
  'org_id',
  'seq',
  'status',
  'total',
  'currency',
  'item_count',
  'units',
  'placed_at',
  'placed_on',
  'customer_id',
  'customer_email',
  'is_cancelled',
  'avg_unit_price',
  'product_skus',
  'shipping_address',
  'notes',
] as const;

/** The same 17 values through GraphQL (shippingAddress as an object, like the shop's Order). */
export const FLIGHT_ROW_SELECTION =
  'id orgId seq status total currency itemCount units placedAt placedOn customerId customerEmail isCancelled avgUnitPrice productSkus ' +
  'shippingAddress { street city postalCode country } notes';

const Address = objectType('FlightRowAddress', {
  street: field.string(),
  city: field.string(),
  postalCode: field.string(),
  country: field.string(),
});

const FlightRow = entity(
  'FlightRow',
  { view: 'v_flight_row', tenantScoped: true, description: 'A generated order-like row.' },
  {
    id: field.id(),
    orgId: field.uuid(),
    seq: field.int({ column: 'seq', description: 'Row number, 1..N: the keyset of the benchmark pages.' }),
    status: field.string(),
    total: field.decimal(),
    currency: field.string(),
    itemCount: field.int(),
    units: field.int(),
    placedAt: field.dateTime(),
    placedOn: field.date(),
    customerId: field.uuid(),
    customerEmail: field.string(),
    isCancelled: field.boolean(),
    avgUnitPrice: field.float(),
    productSkus: field.list(field.string()),
    shippingAddress: field.object(Address),
    notes: field.string({ nullable: true }),
  },
);

const vaFlightRow = arrowDataset('va_flight_row', {
  description: "The benchmark rows with typed columns (the types of the shop's va_order).",
  tenantScoped: true,
  orgColumn: 'org_id',
  columns: {
    id: column.uuid({ nullable: false }),
    org_id: column.uuid({ nullable: false }),
    seq: column.int4({ nullable: false }),
    status: column.text({ nullable: false }),
    total: column.numeric(12, 2, { nullable: false }),
    currency: column.text({ nullable: false }),
    item_count: column.int4({ nullable: false }),
    units: column.int8({ nullable: false }),
    placed_at: column.timestamptz({ nullable: false }),
    placed_on: column.date({ nullable: false }),
    customer_id: column.uuid({ nullable: false }),
    customer_email: column.text({ nullable: false }),
    is_cancelled: column.bool({ nullable: false }),
    avg_unit_price: column.float8({ nullable: false }),
    product_skus: column.list(column.text(), { nullable: false }),
    shipping_address: column.jsonb({ nullable: false }),
    notes: column.text(),
  },
});

export const flightBenchSchema = defineSchema({
  types: [Address, FlightRow],
  queries: [
    listQuery('flightRows', FlightRow, {
      description: 'The rows, by seq.',
      defaultOrderBy: ['seq'],
      defaultLimit: GRAPHQL_MAX_PAGE,
      maxLimit: GRAPHQL_MAX_PAGE,
    }),
  ],
  datasets: [vaFlightRow],
});
