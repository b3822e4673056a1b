import { Client } from 'pg';
import type { Logger } from '@fraiseql/service-kit';
import { retryDelayMs, type RetryPolicy } from '@fraiseql/service-kit';

export interface PgListenerOptions {
  databaseUrl: string;
  /** The NOTIFY channel (a plain identifier). */
  channel: string;
  /** Names the listener in log lines (`relay`, `observer rules`). */
  name: string;
  logger: Logger;
  /** Backoff between reconnection attempts. */
  retry: RetryPolicy;
  onNotification(payload: string | undefined): void;
  /** The connection is (re)established: what was notified while none listened is lost, so look once. */
  onConnected(): void;
}

/**
 * One LISTEN connection kept open for as long as the listener runs, reconnecting with backoff when
 * PostgreSQL goes away. Notifications are only a hint: callers also poll, so a lost one delays, never loses.
 */
export class PgListener {
  private client: Client | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private readonly stopWaits = new Set<() => void>();

  constructor(private readonly options: PgListenerOptions) {}

  start(): void {
    this.running ??= this.connect();
  }

  /** Whether the LISTEN connection is up now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const end of this.stopWaits) end();
    await this.running;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const { name, logger } = this.options;
    for (let attempt = 1; !this.stopping; attempt++) {
      const client = new Client({ connectionString: this.options.databaseUrl, connectionTimeoutMillis: 10_000 });
      client.on('notification', (message) => this.options.onNotification(message.payload));
      client.on('error', (error) => logger.warn({ err: error }, `${name}: LISTEN connection failed`));
      try {
        await client.connect();
        await client.query(`LISTEN ${this.options.channel}`);
      } catch (error) {
        await client.end().catch(() => undefined);
        if (attempt === 1 || attempt % 20 === 0)
          logger.warn({ err: error, attempt }, `${name}: cannot LISTEN for notifications; polling meanwhile`);
        await this.backoff(retryDelayMs(this.options.retry, attempt));
        continue;
      }
      if (this.stopping) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      client.once('end', () => {
        if (this.client !== client || this.stopping) return;
        this.client = undefined;
        logger.warn(`${name}: LISTEN connection closed; reconnecting`);
        this.running = this.connect();
      });
      this.options.onConnected();
      return;
    }
  }

  /** Waits, unless stop() comes first. */
  private backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.stopWaits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stopWaits.add(done);
    });
  }
}
