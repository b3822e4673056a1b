import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FraiseqlError } from '@fraiseql/errors';
import { KV_BUCKETS, SCHEMA_ACTIVE_KEY } from '@fraiseql/nats-contract';
import { compileSchema, loadCompiledSchema, type CompiledSchema } from '@fraiseql/schema';
import type { NatsConnection } from 'nats';
import { loadSchemaEntry } from '../load-schema-entry';
import { bindKvBucket } from './bind-kv-bucket';

/** Where the compiled schema came from, for the report. */
export interface ObserverSchema {
  schema: CompiledSchema;
  source: string;
}

/**
 * The schema whose rules are in force and against which admin rules are checked: `--schema` (a TypeScript
 * entry, compiled here, or a schema.compiled.json), else the active schema of FRAISEQL_SCHEMA.
 */
export async function loadObserverSchema(schemaPath: string | undefined, nc: NatsConnection | undefined): Promise<ObserverSchema> {
  if (schemaPath !== undefined) {
    if (!schemaPath.endsWith('.json')) return { schema: compileSchema(await loadSchemaEntry(schemaPath)), source: resolve(schemaPath) };
    const file = resolve(schemaPath);
    const text = await readFile(file, 'utf8').catch((error: unknown) => {
      throw new FraiseqlError('FRAISEQL_SCHEMA_INVALID', `cannot read the compiled schema ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    });
    return { schema: loadCompiledSchema(text), source: file };
  }
  if (!nc) {
    throw new FraiseqlError(
      'FRAISEQL_BAD_REQUEST',
      'no schema: give --schema <entry.ts | schema.compiled.json>, or NATS (--nats-url) to read the active schema',
    );
  }
  const entry = await (await bindKvBucket(nc, KV_BUCKETS.schema))?.get(SCHEMA_ACTIVE_KEY);
  if (!entry || entry.operation !== 'PUT') {
    throw new FraiseqlError(
      'FRAISEQL_SCHEMA_UNAVAILABLE',
      `no active schema in ${KV_BUCKETS.schema}/${SCHEMA_ACTIVE_KEY}: push one (fraiseql schema push) or give --schema`,
    );
  }
  return { schema: loadCompiledSchema(entry.value), source: `${KV_BUCKETS.schema}/${SCHEMA_ACTIVE_KEY}@${entry.revision}` };
}
