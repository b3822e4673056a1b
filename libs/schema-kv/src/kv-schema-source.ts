import { SCHEMA_ACTIVE_KEY } from '@fraiseql/nats-contract';
import { SchemaSource, type SchemaSourceLogger } from '@fraiseql/schema';
import type { KV, KvEntry, NatsConnection, QueuedIterator } from 'nats';
import { openSchemaKv } from './schema-bucket';

export interface KvSchemaSourceOptions {
  nc: NatsConnection;
  /** Default KV_BUCKETS.schema. */
  bucket?: string;
  /** Default SCHEMA_ACTIVE_KEY. */
  key?: string;
  logger?: SchemaSourceLogger;
}

/**
 * The active compiled schema in the FRAISEQL_SCHEMA KV bucket, followed with a KV watch.
 * The key may be absent at start (`current` stays undefined until a version is pushed);
 * a deleted key keeps the current version.
 */
export class KvSchemaSource extends SchemaSource {
  private readonly options: KvSchemaSourceOptions;
  private watcher: QueuedIterator<KvEntry> | undefined;
  private following: Promise<void> | undefined;
  private revision = 0;

  constructor(options: KvSchemaSourceOptions) {
    super(options.logger);
    this.options = options;
  }

  /** Opens the bucket and resolves once the value present at start (if any) has been applied. */
  async start(): Promise<void> {
    const kv: KV = await openSchemaKv(this.options.nc, { bucket: this.options.bucket });
    const key = this.options.key ?? SCHEMA_ACTIVE_KEY;
    const watcher = await kv.watch({ key });
    this.watcher = watcher;
    this.following = (async () => {
      for await (const entry of watcher) this.apply(entry);
    })();
    // The watch also delivers the value present at start, but asynchronously; reading it
    // here makes `current` valid when start() resolves. Revisions keep the two in order.
    const present = await kv.get(key);
    if (present) this.apply(present);
  }

  private apply(entry: KvEntry): void {
    if (entry.revision <= this.revision) return;
    this.revision = entry.revision;
    if (entry.operation === 'PUT') {
      this.offer(entry.value, `kv:${entry.bucket}/${entry.key}@${entry.revision}`);
    } else {
      this.logger.warn({ key: entry.key, operation: entry.operation }, 'The active schema key was removed; keeping the current version');
    }
  }

  async close(): Promise<void> {
    this.watcher?.stop();
    await this.following;
  }
}
