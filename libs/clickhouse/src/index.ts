export type {
  ClickhouseExecutor,
  ClickhouseInsert,
  ClickhouseInsertResult,
  ClickhouseParams,
  ClickhouseRequestOptions,
  ClickhouseSettings,
} from './clickhouse-executor';
export { HttpClickhouse } from './http-clickhouse';
export type { HttpClickhouseOptions } from './http-clickhouse';
export { EmbeddedClickhouse } from './embedded-clickhouse';
export type { EmbeddedClickhouseOptions } from './embedded-clickhouse';
export { openClickhouse } from './open-clickhouse';
export type { OpenClickhouseOptions } from './open-clickhouse';
export { DEFAULT_CLICKHOUSE_DATABASE } from './request-settings';
export { CHDB_INSTALL_DIR } from './load-chdb';
export { readJsonRows } from './read-json-rows';
export { applyClickhouseMigrations, CLICKHOUSE_MIGRATIONS_DIR } from './apply-clickhouse-migrations';
export type { ClickhouseMigrationLogger, ClickhouseMigrationOptions, ClickhouseMigrationResult } from './apply-clickhouse-migrations';
export { applyClickhouseRetention, DEFAULT_RETENTION_DAYS, DEFAULT_ROLLUP_RETENTION_DAYS, RETENTION_RULES } from './retention';
export type { ClickhouseRetention, RetentionChange } from './retention';
export { CLICKHOUSE_ERROR_CODES, classifyClickhouseError, clickhouseErrorCode } from './classify-clickhouse-error';
export type { ClickhouseErrorCategory, ClickhouseErrorClass, ClickhouseErrorKind } from './classify-clickhouse-error';
export { DAILY_ENTITIES_DIFFERENCES, HOURLY_ROLLUP_DIFFERENCES, HOURLY_ROLLUP_REPAIR } from './analytics-recounts';
export { selectStoredEventIds, STORED_EVENT_IDS_PER_QUERY, storedEventIds } from './stored-event-ids';
export type { StoredEventKey } from './stored-event-ids';
export { encodeEventsRowBinary, FRAISEQL_EVENTS_ROW_BINARY_COLUMNS } from './encode-events-row-binary';
export type { FraiseqlEventRow } from './encode-events-row-binary';
export { ANALYTICS_DATASETS, analyticsQuerySql, isAnalyticsDataset } from './analytics-datasets';
export type { AnalyticsDatasetName, AnalyticsQuery } from './analytics-datasets';
export { ANALYTICS_CHUNK_BYTES, requestAnalyticsStream, serveAnalyticsQueries } from './analytics-over-nats';
export type { ServeAnalyticsOptions } from './analytics-over-nats';
export { clickhouseConfigShape } from './clickhouse-config-shape';
