import type { Redis } from 'ioredis';
import { withTimeout, type RedisOutage } from './redis-outage';

/**
 * Effect deduplication by a key the handler builds (sink: event_id; observer-worker: rule, action and
 * event_id). Use it around the effect: `if (await dedup.alreadyDone(key)) return;` → effect →
 * `await dedup.markDone(key)`. Neither call ever throws: when Redis is unavailable `alreadyDone` answers
 * false and `markDone` does nothing, so delivery goes on at least once.
 */
export interface DedupStore {
  /** False when the consumer was started without Redis: every lookup answers false. */
  readonly enabled: boolean;
  alreadyDone(key: string): Promise<boolean>;
  markDone(key: string): Promise<void>;
}

export interface DedupOptions {
  /** Prefix of every Redis key the consumer writes. Default `fraiseql:<source>:`. */
  keyPrefix?: string;
  /** How long a key is remembered: longer than the longest redelivery horizon. Default 24 h. */
  ttlMs?: number;
  /** A Redis command slower than this counts as Redis unavailable. Default 500 ms. */
  commandTimeoutMs?: number;
}

export const DISABLED_DEDUP: DedupStore = {
  enabled: false,
  alreadyDone: async () => false,
  markDone: async () => undefined,
};

export interface RedisDedupStoreOptions {
  redis: Redis;
  keyPrefix: string;
  ttlMs: number;
  commandTimeoutMs: number;
  outage: RedisOutage;
  /** Counted when a lookup finds the effect done, and when Redis fails a lookup or a mark. */
  detected: { inc(): void };
  unavailable: { inc(): void };
}

/** `SET <prefix>done:<key> 1 NX PX <ttl>` after the effect; `EXISTS` before it. */
export class RedisDedupStore implements DedupStore {
  readonly enabled = true;

  constructor(private readonly options: RedisDedupStoreOptions) {}

  async alreadyDone(key: string): Promise<boolean> {
    const found = await this.run('exists', (redis, k) => redis.exists(k), key);
    if (found === undefined || found === 0) return false;
    this.options.detected.inc();
    return true;
  }

  async markDone(key: string): Promise<void> {
    await this.run('set', (redis, k) => redis.set(k, '1', 'PX', this.options.ttlMs, 'NX'), key);
  }

  private async run<T>(operation: string, command: (redis: Redis, key: string) => Promise<T>, key: string): Promise<T | undefined> {
    const { redis, keyPrefix, commandTimeoutMs, outage } = this.options;
    try {
      const result = await withTimeout(command(redis, `${keyPrefix}done:${key}`), commandTimeoutMs);
      outage.succeeded();
      return result;
    } catch (error) {
      this.options.unavailable.inc();
      outage.failed(error, `dedup ${operation}`);
      return undefined;
    }
  }
}
