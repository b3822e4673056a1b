import type { Redis } from 'ioredis';
import type { Logger } from '@fraiseql/service-kit';
import type { ConsumerMetrics } from './consumer-metrics';

export interface RedisDedupOptions {
  redis: Redis;
  /** Prefix of every key (`fraiseql:dedup:observer:`). */
  keyPrefix: string;
  /** How long an effect is remembered; longer than a message can be redelivered (max_deliver × backoff). */
  ttlMs: number;
  logger: Logger;
  metrics: Pick<ConsumerMetrics, 'dedupDetected' | 'dedupUnavailable'>;
}

/**
 * "Exactly once at the receiver, in effect": an effect is looked up before it is done and recorded
 * (`SET key NX PX ttl`) once it succeeded, so a redelivered event does not repeat it. Redis being
 * down never stops delivery: the lookup answers "not done" (at least once), said once per outage in
 * the log and counted on every call.
 */
export class RedisDedup {
  private available = true;

  constructor(private readonly options: RedisDedupOptions) {}

  /** Whether the effect named by `key` already happened. */
  async done(key: string): Promise<boolean> {
    try {
      const found = (await this.options.redis.exists(this.options.keyPrefix + key)) === 1;
      this.recovered();
      if (found) this.options.metrics.dedupDetected.inc();
      return found;
    } catch (error) {
      this.unavailable(error);
      return false;
    }
  }

  /** Records that the effect named by `key` happened. */
  async remember(key: string): Promise<void> {
    try {
      await this.options.redis.set(this.options.keyPrefix + key, '1', 'PX', this.options.ttlMs, 'NX');
      this.recovered();
    } catch (error) {
      this.unavailable(error);
    }
  }

  private unavailable(error: unknown): void {
    this.options.metrics.dedupUnavailable.inc();
    if (!this.available) return;
    this.available = false;
    this.options.logger.warn({ err: error }, 'dedup store (Redis) unavailable: delivering at least once until it is back');
  }

  private recovered(): void {
    if (this.available) return;
    this.available = true;
    this.options.logger.info('dedup store (Redis) is back: repeated effects are skipped again');
  }
}
