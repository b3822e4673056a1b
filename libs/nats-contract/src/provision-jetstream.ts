import type { NatsConnection } from 'nats';
import { ensureStream, type EnsureOutcome } from './ensure-stream';
import { KV_BUCKETS } from './names';
import { openApiKeysBucket } from './open-api-keys-bucket';
import { openDocumentsBucket } from './open-documents-bucket';
import { openObserversBucket } from './open-observers-bucket';
import { openSchemaBucket } from './open-schema-bucket';
import { streamConfigs, type ProvisionOptions } from './stream-configs';

export interface ProvisionResult {
  /** What happened to each stream, by name. */
  streams: Record<string, EnsureOutcome>;
  buckets: string[];
}

/**
 * Creates or updates every stream and KV bucket of the contract. Idempotent: run it at
 * every start of every service, or from several processes at once.
 */
export async function provisionJetStream(nc: NatsConnection, options: ProvisionOptions = {}): Promise<ProvisionResult> {
  const jsm = await nc.jetstreamManager();
  const streams: Record<string, EnsureOutcome> = {};
  for (const config of streamConfigs(options)) streams[config.name] = await ensureStream(jsm, config);
  const kv = { replicas: options.replicas ?? 1 };
  await openSchemaBucket(nc, { ...kv, ...(options.schemaHistory === undefined ? {} : { history: options.schemaHistory }) });
  await openObserversBucket(nc, kv);
  await openApiKeysBucket(nc, kv);
  await openDocumentsBucket(nc, kv);
  return { streams, buckets: [KV_BUCKETS.schema, KV_BUCKETS.observers, KV_BUCKETS.apiKeys, KV_BUCKETS.documents] };
}
