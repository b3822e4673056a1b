import type { Logger } from '@fraiseql/service-kit';

/**
 * Tracks whether Redis answers, so an outage is logged once when it starts and once when it ends,
 * however many lookups fail in between (they are counted in a metric instead).
 */
export class RedisOutage {
  private down = false;

  constructor(private readonly logger: Logger) {}

  get isDown(): boolean {
    return this.down;
  }

  failed(error: unknown, operation: string): void {
    if (this.down) return;
    this.down = true;
    this.logger.warn(
      { err: error, operation },
      'Redis unavailable: dedup is off and events are still delivered (at least once) until it answers again',
    );
  }

  succeeded(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.info('Redis answers again: dedup resumed');
  }
}

/** Rejects when Redis does not answer in time (ioredis would otherwise queue the command until it reconnects). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
