import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { FraiseqlError } from '@fraiseql/errors';
import type { SchemaDefinition } from '@fraiseql/schema';
import { createJiti } from 'jiti';

function isSchemaDefinition(value: unknown): value is SchemaDefinition {
  return typeof value === 'object' && value !== null && (value as SchemaDefinition).kind === 'schema';
}

/**
 * Loads a TypeScript (or JavaScript) schema entry with jiti and returns its default export
 * or its `schema` export. `@fraiseql/schema` inside the entry is aliased to the copy this
 * CLI uses, so entry and compiler agree on one version of the authoring API.
 */
export async function loadSchemaEntry(entryPath: string): Promise<SchemaDefinition> {
  const absolute = resolve(entryPath);
  if (!existsSync(absolute)) {
    throw new FraiseqlError('FRAISEQL_SCHEMA_COMPILE_FAILED', `Schema entry not found: ${absolute}`);
  }
  const jiti = createJiti(__filename, {
    alias: { '@fraiseql/schema': require.resolve('@fraiseql/schema') },
    moduleCache: false,
    fsCache: false,
  });
  let loaded: Record<string, unknown>;
  try {
    loaded = (await jiti.import(absolute)) as Record<string, unknown>;
  } catch (error) {
    throw new FraiseqlError('FRAISEQL_SCHEMA_COMPILE_FAILED', `Cannot load the schema entry ${absolute}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const candidates = [loaded?.default, (loaded?.default as Record<string, unknown> | undefined)?.default, loaded?.schema, loaded];
  const found = candidates.find(isSchemaDefinition);
  if (!found) {
    throw new FraiseqlError(
      'FRAISEQL_SCHEMA_COMPILE_FAILED',
      `${absolute} exports no schema: export default defineSchema({ ... }) or export const schema = defineSchema({ ... })`,
    );
  }
  return found;
}
