import type { KV, NatsConnection } from 'nats';
import { KV_BUCKETS } from './names';
import { openKvBucket, type KvBucketOptions } from './open-kv-bucket';

/** The FRAISEQL_API_KEYS bucket (API key records, hashes only; docs/security.md); created if missing. */
export function openApiKeysBucket(nc: NatsConnection, options: KvBucketOptions = {}): Promise<KV> {
  return openKvBucket(nc, KV_BUCKETS.apiKeys, { ...options, history: options.history ?? 1 });
}
