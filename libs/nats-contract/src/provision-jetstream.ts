import type { NatsConnection } from 'nats';
import { ensureStream, type EnsureOutcome, type EnsureStreamOptions } from './ensure-stream';
import { KV_BUCKETS } from './names';
import { isNotFound } from './nats-api-error';
import { openApiKeysBucket } from './open-api-keys-bucket';
import { openDocumentsBucket } from './open-documents-bucket';
import { openObserversBucket } from './open-observers-bucket';
import { openSchemaBucket } from './open-schema-bucket';
import { streamConfigs, type ProvisionOptions } from './stream-configs';

export interface ProvisionResult {
  /** What happened to each stream, by name. */
  streams: Record<string, EnsureOutcome>;
  buckets: string[];
  /** What happened to each KV bucket, by name (an existing bucket is never changed). */
  bucketOutcomes: Record<string, Exclude<EnsureOutcome, 'updated'>>;
}

/**
 * Creates or updates every stream and KV bucket of the contract. Idempotent: run it at
 * every start of every service, or from several processes at once. `existing: 'keep'` only
 * creates what is missing (services that do not own the stream settings).
 */
export async function provisionJetStream(
  nc: NatsConnection,
  options: ProvisionOptions = {},
  mode: EnsureStreamOptions = {},
): Promise<ProvisionResult> {
  const jsm = await nc.jetstreamManager();
  const streams: Record<string, EnsureOutcome> = {};
  for (const config of streamConfigs(options)) streams[config.name] = await ensureStream(jsm, config, mode);
  const kv = { replicas: options.replicas ?? 1 };
  const opens: Record<string, () => Promise<unknown>> = {
    [KV_BUCKETS.schema]: () =>
      openSchemaBucket(nc, { ...kv, ...(options.schemaHistory === undefined ? {} : { history: options.schemaHistory }) }),
    [KV_BUCKETS.observers]: () => openObserversBucket(nc, kv),
    [KV_BUCKETS.apiKeys]: () => openApiKeysBucket(nc, kv),
    [KV_BUCKETS.documents]: () => openDocumentsBucket(nc, kv),
  };
  const bucketOutcomes: ProvisionResult['bucketOutcomes'] = {};
  for (const [bucket, open] of Object.entries(opens)) {
    // A KV bucket is the stream KV_<bucket>; opening creates it when missing and leaves an existing one as it is.
    const existed = await jsm.streams.info(`KV_${bucket}`).then(
      () => true,
      (error: unknown) => {
        if (isNotFound(error)) return false;
        throw error;
      },
    );
    await open();
    bucketOutcomes[bucket] = existed ? 'unchanged' : 'created';
  }
  return { streams, buckets: Object.keys(opens), bucketOutcomes };
}
