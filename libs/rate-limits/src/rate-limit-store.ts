import { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '@fraiseql/service-kit';

export interface RateLimitStoreOptions {
  url: string;
  /** A command slower than this fails (and the request is decided in memory). */
  commandTimeoutMs: number;
  /** How long `open` waits for the first connection before going on without it. */
  connectWaitMs: number;
  logger: Logger;
  registry: Registry;
}

/**
 * The Redis connection of the rate limiters. It never queues commands while disconnected (they fail at once, and the
 * limiters decide in memory), reconnects by itself, and reports its state: the gauge `fraiseql_rate_limit_store_up`
 * and one log line when it goes away and one when it is back, never a line per request.
 */
export class RateLimitStore {
  private reachable = false;

  private constructor(
    readonly client: Redis,
    private readonly logger: Logger,
    private readonly up: Gauge,
  ) {
    client.on('ready', () => this.changed(true));
    client.on('close', () => this.changed(false));
    // Without an 'error' listener an EventEmitter error would crash the process; `close` already reports the outage.
    client.on('error', (error: Error) => this.logger.debug({ err: error }, 'rate-limit store connection error'));
  }

  static async open(options: RateLimitStoreOptions): Promise<RateLimitStore> {
    const up = new Gauge({
      name: 'fraiseql_rate_limit_store_up',
      help: 'Whether the rate-limit Redis is reachable (1); while 0, each replica enforces the limits on its own, in memory.',
      registers: [options.registry],
    });
    const client = new Redis(options.url, {
      connectionName: 'fraiseql-rate-limits',
      enableOfflineQueue: false,
      commandTimeout: options.commandTimeoutMs,
      maxRetriesPerRequest: 0,
    });
    const store = new RateLimitStore(client, options.logger, up);
    await store.waitReady(options.connectWaitMs);
    if (!store.reachable)
      options.logger.warn('rate-limit store unreachable at start: limits are enforced per replica in memory until it is reachable');
    return store;
  }

  get isUp(): boolean {
    return this.reachable;
  }

  async close(): Promise<void> {
    this.client.removeAllListeners('close');
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private changed(reachable: boolean): void {
    this.up.set(reachable ? 1 : 0);
    if (reachable === this.reachable) return;
    this.reachable = reachable;
    if (reachable) this.logger.info('rate-limit store reachable: limits are counted in Redis again');
    else this.logger.warn('rate-limit store unreachable: limits are enforced per replica in memory until it is back');
  }

  /** Resolves once connected (the constructor's `ready` listener has set `reachable`) or after `ms`. */
  private async waitReady(ms: number): Promise<void> {
    if (this.reachable) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.client.once('ready', done);
    });
  }
}
