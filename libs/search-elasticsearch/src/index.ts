export { ElasticsearchSearchStore } from './elasticsearch-search-store';
export { ELASTICSEARCH_MIGRATIONS_DIR } from './elasticsearch-search-store-options';
export type { BulkAttemptReport, ElasticsearchAuth, ElasticsearchSearchStoreOptions } from './elasticsearch-search-store-options';
export { loadElasticsearchMigrations, renderMigrationBody } from './elasticsearch-migration-file';
export type { ElasticsearchMigration, MigrationKind } from './elasticsearch-migration-file';
export { entityDocumentId, NO_ORG, searchTextOf } from './search-documents';
export type { EntityDocument, EventDocument } from './search-documents';
