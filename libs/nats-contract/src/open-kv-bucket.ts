import { StorageType, type KV, type NatsConnection } from 'nats';
import { provisioningError } from './ensure-stream';

export interface KvBucketOptions {
  /** Revisions kept per key. */
  history?: number;
  replicas?: number;
}

/**
 * Opens a KV bucket, creating it when missing. nats.js looks the bucket up before creating it,
 * so two processes may both try to create; one retry after a failed create settles that race.
 */
export async function openKvBucket(nc: NatsConnection, bucket: string, options: KvBucketOptions = {}): Promise<KV> {
  const js = nc.jetstream();
  const settings = { history: options.history ?? 1, replicas: options.replicas ?? 1, storage: StorageType.File };
  try {
    return await js.views.kv(bucket, settings);
  } catch {
    try {
      return await js.views.kv(bucket, settings);
    } catch (error) {
      throw provisioningError(`cannot open KV bucket ${bucket}`, error);
    }
  }
}
