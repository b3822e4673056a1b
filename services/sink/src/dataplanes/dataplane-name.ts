/** The sink's two dataplanes: each its own durable consumer, store and metrics label. */
export type DataplaneName = 'clickhouse' | 'search';
