import { FraiseqlError } from '@fraiseql/errors';
import type { KV, NatsConnection } from 'nats';

/** An existing KV bucket (never created by a read-only command), or undefined when there is none. */
export async function bindKvBucket(nc: NatsConnection, bucket: string): Promise<KV | undefined> {
  try {
    return await nc.jetstream().views.kv(bucket, { bindOnly: true });
  } catch (error) {
    if (/not found/i.test((error as Error).message)) return undefined;
    throw new FraiseqlError('FRAISEQL_NATS_UNAVAILABLE', `cannot open the KV bucket ${bucket}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
