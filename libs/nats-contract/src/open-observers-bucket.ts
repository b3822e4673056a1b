import type { KV, NatsConnection } from 'nats';
import { KV_BUCKETS } from './names';
import { openKvBucket, type KvBucketOptions } from './open-kv-bucket';

export const DEFAULT_OBSERVERS_HISTORY = 5;

/** The FRAISEQL_OBSERVERS bucket (observer rules, hot-reloaded by observer-worker); created if missing. */
export function openObserversBucket(nc: NatsConnection, options: KvBucketOptions = {}): Promise<KV> {
  return openKvBucket(nc, KV_BUCKETS.observers, { ...options, history: options.history ?? DEFAULT_OBSERVERS_HISTORY });
}
