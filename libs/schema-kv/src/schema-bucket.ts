import { DEFAULT_SCHEMA_HISTORY, KV_BUCKETS, SCHEMA_ACTIVE_KEY, openKvBucket, openSchemaBucket } from '@fraiseql/nats-contract';
import { loadCompiledSchema, serializeCompiledSchema, type CompiledSchema } from '@fraiseql/schema';
import type { KV, NatsConnection } from 'nats';

export interface SchemaBucketOptions {
  /** Bucket name (default KV_BUCKETS.schema). Tests pass their own. */
  bucket?: string;
}

/** The schema bucket, created if missing with the contract's settings (@fraiseql/nats-contract). */
export function openSchemaKv(nc: NatsConnection, options: SchemaBucketOptions = {}): Promise<KV> {
  const bucket = options.bucket ?? KV_BUCKETS.schema;
  return bucket === KV_BUCKETS.schema ? openSchemaBucket(nc) : openKvBucket(nc, bucket, { history: DEFAULT_SCHEMA_HISTORY });
}

export interface PublishCompiledSchemaOptions extends SchemaBucketOptions {
  key?: string;
}

/** Validates a compiled schema and makes it the active one (key `active`); returns the KV revision. */
export async function publishCompiledSchema(
  nc: NatsConnection,
  schema: CompiledSchema,
  options: PublishCompiledSchemaOptions = {},
): Promise<number> {
  const text = serializeCompiledSchema(schema);
  loadCompiledSchema(text);
  const kv = await openSchemaKv(nc, options);
  return kv.put(options.key ?? SCHEMA_ACTIVE_KEY, text);
}
