import type { KV, NatsConnection } from 'nats';
import { KV_BUCKETS } from './names';
import { openKvBucket, type KvBucketOptions } from './open-kv-bucket';

/** The FRAISEQL_DOCUMENTS bucket (trusted documents, key = sha256 hex of the text; ADR 0134); created if missing. */
export function openDocumentsBucket(nc: NatsConnection, options: KvBucketOptions = {}): Promise<KV> {
  return openKvBucket(nc, KV_BUCKETS.documents, { ...options, history: options.history ?? 1 });
}
