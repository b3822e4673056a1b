import type { KV, KvEntry, NatsConnection, QueuedIterator } from 'nats';
import { FraiseqlError } from '@fraiseql/errors';
import { openApiKeysBucket } from '@fraiseql/nats-contract';
import { decodeApiKeyRecord, type ApiKeyRecord } from './api-key-record';

export interface ApiKeyDirectoryOptions {
  /** Called with a record the bucket holds but that does not decode (it then authenticates nobody). */
  onMalformed?: (key: string, error: unknown) => void;
}

/**
 * Every API key record of the KV bucket FRAISEQL_API_KEYS, held in memory and kept current by a KV
 * watch: a lookup costs no round trip, and a revocation reaches every replica as soon as NATS
 * delivers it (no cache to expire). Until the first full load the directory answers
 * FRAISEQL_AUTH_UNAVAILABLE rather than "unknown key".
 */
export class ApiKeyDirectory {
  private readonly records = new Map<string, ApiKeyRecord>();
  private watcher: QueuedIterator<KvEntry> | undefined;
  private loaded = false;
  private pump: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(id: string) => void>();

  private constructor(private readonly options: ApiKeyDirectoryOptions) {}

  /** Opens (creating if needed) the bucket and resolves once every existing record is loaded. */
  static async open(nc: NatsConnection, options: ApiKeyDirectoryOptions = {}): Promise<ApiKeyDirectory> {
    const directory = new ApiKeyDirectory(options);
    await directory.start(await openApiKeysBucket(nc));
    return directory;
  }

  private async start(kv: KV): Promise<void> {
    let initialized!: () => void;
    const ready = new Promise<void>((resolve) => (initialized = resolve));
    this.watcher = await kv.watch({
      key: '>',
      initializedFn: () => {
        this.loaded = true;
        initialized();
      },
    });
    this.pump = (async () => {
      for await (const entry of this.watcher!) this.apply(entry);
    })();
    await ready;
  }

  private apply(entry: KvEntry): void {
    this.update(entry);
    if (this.loaded) for (const listener of this.listeners) listener(entry.key);
  }

  private update(entry: KvEntry): void {
    if (entry.operation !== 'PUT') {
      this.records.delete(entry.key);
      return;
    }
    try {
      const record = decodeApiKeyRecord(entry.value);
      if (record.id !== entry.key) throw new Error(`the record's id ${record.id} is not its key`);
      this.records.set(entry.key, record);
    } catch (error) {
      this.records.delete(entry.key);
      this.options.onMalformed?.(entry.key, error);
    }
  }

  /** The record of a key id, or undefined when no such key exists. */
  lookup(id: string): ApiKeyRecord | undefined {
    if (!this.loaded) throw new FraiseqlError('FRAISEQL_AUTH_UNAVAILABLE', 'The API key directory is still loading; retry.');
    return this.records.get(id);
  }

  /** Calls `listener` with a key's id each time its record changes or goes (after the first load); returns the unsubscribe. */
  onChange(listener: (id: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.records.size;
  }

  async close(): Promise<void> {
    this.watcher?.stop();
    await this.pump.catch(() => undefined);
  }
}
