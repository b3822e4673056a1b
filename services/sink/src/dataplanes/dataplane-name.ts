/**
 * The sink's dataplanes: each its own durable consumer, store and metrics label. `search-audit` indexes the audit
 * entries of FRAISEQL_AUDIT into the search store (ADR 0137); it runs beside `search` when the sink is told to.
 */
export type DataplaneName = 'clickhouse' | 'search' | 'search-audit';
