import type { Pool } from 'pg';
import type { Logger } from '@fraiseql/service-kit';
import { PRUNE_IDEMPOTENCY_KEYS } from './mutation-sql';

export interface IdempotencyPruningOptions {
  /** Keys older than this are deleted (a retry after it runs the mutation again). */
  retentionMs: number;
  /** How often to prune. */
  intervalMs: number;
  /** Rows deleted per statement (short transactions, no long lock). */
  batchSize?: number;
  logger: Logger;
}

/**
 * Deletes idempotency keys older than the retention, in batches, every `intervalMs` (and once
 * at start). Any number of executors may run it (SKIP LOCKED). Returns the function that stops it.
 */
export function pruneIdempotencyKeys(pool: Pool, options: IdempotencyPruningOptions): () => Promise<void> {
  const batchSize = options.batchSize ?? 1000;
  const interval = `${Math.max(0, Math.floor(options.retentionMs))} milliseconds`;
  let running: Promise<void> | undefined;
  let stopped = false;
  const prune = async (): Promise<void> => {
    try {
      for (;;) {
        if (stopped) return;
        const { rows } = await pool.query<{ deleted: string }>(PRUNE_IDEMPOTENCY_KEYS, [interval, batchSize]);
        if (Number(rows[0]?.deleted ?? 0) < batchSize) return;
      }
    } catch (error) {
      // The table may not exist yet (migrations behind) or PostgreSQL may be away: try again next time.
      options.logger.warn({ err: error }, 'could not prune idempotency keys');
    }
  };
  const tick = (): void => {
    running ??= prune().finally(() => {
      running = undefined;
    });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  tick();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
