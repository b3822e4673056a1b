export { applyMigrations } from './apply-migrations';
export type { ApplyMigrationsOptions, ApplyMigrationsResult, MigrationLogger } from './apply-migrations';
export { migrationStatus } from './migration-status';
export type { MigrationState, MigrationStatusEntry, MigrationStatusOptions } from './migration-status';
export type { MigrationTarget } from './migration-connection';
export type { MigrationFile } from './migration-file';
export { FRAMEWORK_MIGRATIONS_DIR } from './framework-migrations';
