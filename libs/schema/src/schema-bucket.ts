import { KV_BUCKETS, SCHEMA_ACTIVE_KEY } from '@fraiseql/nats-contract';
import type { KV, NatsConnection } from 'nats';
import type { CompiledSchema } from './compiled-schema';
import { loadCompiledSchema } from './load-compiled-schema';
import { serializeCompiledSchema } from './schema-hash';

export interface SchemaBucketOptions {
  /** Bucket name (default KV_BUCKETS.schema). Tests pass their own. */
  bucket?: string;
}

/** Versions kept in the bucket, so that an operator can see and restore recent ones. */
export const SCHEMA_BUCKET_HISTORY = 10;

/** Opens the FRAISEQL_SCHEMA bucket, creating it if missing (idempotent; an existing bucket is bound as is). */
export function openSchemaBucket(nc: NatsConnection, options: SchemaBucketOptions = {}): Promise<KV> {
  return nc.jetstream().views.kv(options.bucket ?? KV_BUCKETS.schema, { history: SCHEMA_BUCKET_HISTORY });
}

export interface PublishCompiledSchemaOptions extends SchemaBucketOptions {
  key?: string;
}

/** Validates a compiled schema and makes it the active one (key `active`); returns the KV revision. */
export async function publishCompiledSchema(nc: NatsConnection, schema: CompiledSchema, options: PublishCompiledSchemaOptions = {}): Promise<number> {
  const text = serializeCompiledSchema(schema);
  loadCompiledSchema(text);
  const kv = await openSchemaBucket(nc, options);
  return kv.put(options.key ?? SCHEMA_ACTIVE_KEY, text);
}
