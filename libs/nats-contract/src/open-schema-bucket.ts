import type { KV, NatsConnection } from 'nats';
import { KV_BUCKETS } from './names';
import { openKvBucket, type KvBucketOptions } from './open-kv-bucket';

export const DEFAULT_SCHEMA_HISTORY = 10;

/** The FRAISEQL_SCHEMA bucket (active compiled schema under SCHEMA_ACTIVE_KEY); created if missing. */
export function openSchemaBucket(nc: NatsConnection, options: KvBucketOptions = {}): Promise<KV> {
  return openKvBucket(nc, KV_BUCKETS.schema, { ...options, history: options.history ?? DEFAULT_SCHEMA_HISTORY });
}
