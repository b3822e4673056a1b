import type { Redis } from 'ioredis';
import { permanent, retryable, type ActionOutcome } from './action-outcome';
import type { ActionDelivery } from './action-delivery';

/** What to drop from the cache, rendered. Any mix of the three. */
export interface CacheInvalidationRequest {
  /** Exact keys. */
  keys?: string[];
  /** Glob patterns (`user:42:*`), walked with SCAN … MATCH, never KEYS. */
  patterns?: string[];
  /** Tag sets: each is a Redis set of keys; the keys and the set itself are removed. */
  tags?: string[];
}

export interface CacheInvalidatorOptions {
  /** COUNT hint of each SCAN call. Default 500. */
  scanCount?: number;
  /** Keys per UNLINK. Default 500. */
  batchSize?: number;
}

/**
 * Cache invalidation on Redis (ioredis): UNLINK (the memory is freed off the main thread) in bounded batches;
 * patterns by SCAN so a large keyspace never blocks the server as KEYS would. The client must have no
 * `keyPrefix` (SCAN patterns are not prefixed by ioredis) and should be a single node (not Cluster).
 */
export class CacheInvalidator {
  private readonly scanCount: number;
  private readonly batchSize: number;
  private readonly target: string;

  constructor(
    private readonly delivery: ActionDelivery,
    private readonly redis: Redis,
    options: CacheInvalidatorOptions = {},
  ) {
    this.scanCount = options.scanCount ?? 500;
    this.batchSize = options.batchSize ?? 500;
    this.target = `${redis.options.host ?? 'localhost'}:${redis.options.port ?? 6379}`;
  }

  invalidate(request: CacheInvalidationRequest): Promise<ActionOutcome> {
    const empty = !request.keys?.length && !request.patterns?.length && !request.tags?.length;
    if (empty) return this.delivery.metrics.track('cache', async () => permanent('FRAISEQL_ACTION_INVALID', 'nothing to invalidate', 0));
    return this.delivery.execute('cache', this.target, async () => {
      const began = Date.now();
      try {
        let deleted = await this.unlink(request.keys ?? []);
        for (const pattern of request.patterns ?? []) deleted += await this.unlinkMatching(pattern);
        for (const tag of request.tags ?? []) deleted += await this.unlinkTag(tag);
        return { kind: 'success', latencyMs: Date.now() - began, detail: { deleted } };
      } catch (error) {
        return classifyRedisError(error, this.target, Date.now() - began);
      }
    });
  }

  private async unlink(keys: string[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < keys.length; i += this.batchSize) deleted += await this.redis.unlink(...keys.slice(i, i + this.batchSize));
    return deleted;
  }

  private async unlinkMatching(pattern: string): Promise<number> {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', this.scanCount);
      cursor = next;
      deleted += await this.unlink(keys);
    } while (cursor !== '0');
    return deleted;
  }

  /** Reads the members and removes the set in one MULTI, so a key tagged meanwhile lands in a new set, not in a lost one. */
  private async unlinkTag(tag: string): Promise<number> {
    const results = await this.redis.multi().smembers(tag).unlink(tag).exec();
    const [membersResult, unlinkResult] = results ?? [];
    if (membersResult?.[0]) throw membersResult[0];
    if (unlinkResult?.[0]) throw unlinkResult[0];
    const members = (membersResult?.[1] as string[] | undefined) ?? [];
    return (await this.unlink(members)) + Number(unlinkResult?.[1] ?? 0);
  }
}

/** A reply error (WRONGTYPE, ...) is the request's fault and permanent; anything else is the connection's and retryable. */
function classifyRedisError(error: unknown, target: string, latencyMs: number): ActionOutcome {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'ReplyError') {
    return permanent('FRAISEQL_ACTION_REJECTED', `Redis refused: ${message}`, latencyMs, { cause: error });
  }
  return retryable('FRAISEQL_ACTION_UNREACHABLE', `Redis ${target}: ${message}`, latencyMs, { cause: error });
}
