export { EXPORT_PAYLOAD_SCHEMA, validateExportPayload } from './export-payload';
export type {
  ColumnFilter,
  EventsExportSource,
  ExportFormat,
  ExportPayload,
  ExportSource,
  FilterValue,
  GraphqlExportSource,
  ViewExportSource,
} from './export-payload';
export { PROGRESS_EVERY_MS, PROGRESS_EVERY_ROWS, runExport } from './run-export';
export type { ExportDependencies, ExportJobContext, ExportResult } from './run-export';
export type { ExportStore } from './export-store';
export { LocalDirectoryStore } from './local-directory-store';
export { S3ExportStore } from './s3-export-store';
export type { S3ExportStoreOptions } from './s3-export-store';
export { createExportStore } from './create-export-store';
export type { ExportStoreConfig } from './create-export-store';
export { EVENT_CLOCK_SKEW_MARGIN_MS } from './read-event-batches';
export { PARQUET_ROW_GROUP_ROWS, parquetWriterMemoryBytes } from './write-parquet';
export { exportConfigShape } from './export-config-shape';
export { flattenSelection, planGraphqlExport } from './plan-graphql-export';
export { exportReadPlan } from './export-read-rules';
export type { ExportReadPlan } from './export-read-rules';
export type { PlannedGraphqlExport } from './plan-graphql-export';
