import type { DeadLetterAttempt } from '@fraiseql/nats-contract';
import type { Redis } from 'ioredis';
import { withTimeout, type RedisOutage } from './redis-outage';

/**
 * The failed attempts of each message (by stream and sequence), kept between deliveries so a dead
 * letter can list them all. In Redis when the consumer has it (any replica sees every attempt), else
 * in this process's memory (bounded). Best effort: a lost entry only shortens a dead letter's history.
 */
export interface AttemptJournal {
  record(id: string, attempt: DeadLetterAttempt): Promise<void>;
  history(id: string): Promise<DeadLetterAttempt[]>;
  forget(id: string): Promise<void>;
}

const MEMORY_LIMIT = 10_000;

export function memoryAttemptJournal(): AttemptJournal {
  const entries = new Map<string, DeadLetterAttempt[]>();
  return {
    async record(id, attempt) {
      const list = entries.get(id) ?? [];
      entries.delete(id);
      entries.set(id, [...list, attempt]);
      // Map order is insertion order: the first key is the least recently recorded.
      if (entries.size > MEMORY_LIMIT) entries.delete(entries.keys().next().value!);
    },
    async history(id) {
      return entries.get(id) ?? [];
    },
    async forget(id) {
      entries.delete(id);
    },
  };
}

export function redisAttemptJournal(options: {
  redis: Redis;
  keyPrefix: string;
  ttlMs: number;
  commandTimeoutMs: number;
  outage: RedisOutage;
}): AttemptJournal {
  const { redis, keyPrefix, ttlMs, commandTimeoutMs, outage } = options;
  const key = (id: string) => `${keyPrefix}attempts:${id}`;
  const run = async <T>(operation: string, command: Promise<T>, fallback: T): Promise<T> => {
    try {
      const result = await withTimeout(command, commandTimeoutMs);
      outage.succeeded();
      return result;
    } catch (error) {
      outage.failed(error, `attempt journal ${operation}`);
      return fallback;
    }
  };
  return {
    async record(id, attempt) {
      await run('record', redis.multi().rpush(key(id), JSON.stringify(attempt)).pexpire(key(id), ttlMs).exec(), null);
    },
    async history(id) {
      const items = await run('read', redis.lrange(key(id), 0, -1), [] as string[]);
      return items.flatMap((item) => {
        try {
          return [JSON.parse(item) as DeadLetterAttempt];
        } catch {
          return [];
        }
      });
    },
    async forget(id) {
      await run('forget', redis.del(key(id)), 0);
    },
  };
}
