import { resolve } from 'node:path';

/**
 * `migrations/postgres` at the repository root: the framework's own objects (schema `fraiseql`),
 * applied before any application's migrations. Same depth from src/ and dist/.
 */
export const FRAMEWORK_MIGRATIONS_DIR = resolve(__dirname, '../../../migrations/postgres');
