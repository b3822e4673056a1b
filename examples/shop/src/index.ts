export * from './schema';
export { seedShop } from './seed';
export type { SeedLogger, SeedOptions, SeedResult } from './seed';
export { MAX_SCALE, MIN_SCALE, parseScale, seedPlan } from './seed-plan';
export type { SeedPlan } from './seed-plan';
export { DEMO_ORG_IDS, SEED_KIND, seedId } from './seed-ids';
export type { SeedKind } from './seed-ids';
export { migrateShop, shopMigrationStatus, SHOP_MIGRATION_DIRECTORIES, SHOP_MIGRATIONS_DIR } from './migrate';
export type { MigrateShopOptions } from './migrate';
