import { headers as natsHeaders, type JetStreamClient, type NatsConnection, type PubAck } from 'nats';
import { Client, Pool, type PoolClient } from 'pg';
import type { Registry } from 'prom-client';
import { eventSubject, HEADERS, STREAMS } from '@fraiseql/nats-contract';
import type { Logger } from '@fraiseql/service-kit';
import { createRelayMetrics, type RelayMetrics } from './relay-metrics';
import { CLAIM_BATCH, CLAIM_PLAN_SETTINGS, LISTEN_CHANGE_LOG, MARK_PUBLISHED, PRUNE_PUBLISHED, RELAY_LAG_SECONDS } from './relay-sql';
import { RELAY_RETRY_POLICY, retryDelayMs, type RetryPolicy } from './retry-policy';

export interface ChangeLogRelayOptions {
  /** The relay opens its own small pool and one LISTEN connection, apart from the query pool. */
  databaseUrl: string;
  nc: NatsConnection;
  /** Rows claimed per transaction. */
  batchSize: number;
  /** Publishes awaiting their JetStream ack at once (within a batch: min(batchSize, maxInFlight)). */
  maxInFlight: number;
  /** Fallback when no NOTIFY arrives (LISTEN connection down, notifications lost). */
  pollIntervalMs: number;
  /** Published rows older than this are deleted. */
  retentionMs: number;
  /** A publish not acknowledged within this fails its batch. Default 5000. */
  publishTimeoutMs?: number;
  /** How often pruning runs. Default 60000. */
  pruneIntervalMs?: number;
  /** Rows deleted per prune statement. Default 5000. */
  pruneBatchSize?: number;
  retryPolicy?: RetryPolicy;
  registry: Registry;
  logger: Logger;
}

type ClaimedRow = [seq: string, eventId: string, orgId: string | null, entityType: string, eventType: string, traceparent: string | null, payload: string];

const SUBJECT_CACHE_LIMIT = 10_000;
const encoder = new TextEncoder();

/**
 * Publishes the transactional change log (`fraiseql.tb_entity_change_log`) to JetStream.
 *
 * One batch = one transaction: claim unpublished rows (FOR UPDATE SKIP LOCKED, seq order), publish
 * each with `Nats-Msg-Id` = event_id through a bounded window of async publishes, wait for every
 * ack, mark the rows published, commit. Any failure rolls the transaction back, so the rows stay
 * unpublished and are retried after a backoff; the ones JetStream already stored come back as
 * duplicates (its duplicate window outlasts any retry). Killing the process at any point is the
 * same as a rollback. Wakes on NOTIFY, polls as a fallback, prunes old published rows.
 */
export class ChangeLogRelay {
  private readonly options: ChangeLogRelayOptions;
  private readonly pool: Pool;
  private readonly js: JetStreamClient;
  private readonly metrics: RelayMetrics;
  private readonly logger: Logger;
  private readonly retry: RetryPolicy;
  private readonly publishTimeoutMs: number;
  private readonly subjects = new Map<string, string>();

  private loop: Promise<void> | undefined;
  private stopping = false;
  private wakeRequested = false;
  /** Ends the loop's idle wait early (NOTIFY or stop). */
  private interruptIdle: (() => void) | undefined;
  /** Ends every pending wait (stop). */
  private readonly stopWaits = new Set<() => void>();
  private stopped: Promise<void> | undefined;
  private listener: Client | undefined;
  private listening: Promise<void> | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private pruning: Promise<number> | undefined;

  constructor(options: ChangeLogRelayOptions) {
    this.options = options;
    this.logger = options.logger;
    this.retry = options.retryPolicy ?? RELAY_RETRY_POLICY;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.pool = new Pool({
      connectionString: options.databaseUrl,
      max: 2,
      // BEGIN + claim, and mark + COMMIT, each leave in one round trip.
      pipeline: true,
      connectionTimeoutMillis: 10_000,
      // A relay that hangs (not dies) holding its claim must not keep the rows locked forever.
      idle_in_transaction_session_timeout: this.publishTimeoutMs + 30_000,
    });
    this.pool.on('error', (error) => this.logger.warn({ err: error }, 'relay: an idle PostgreSQL connection failed'));
    this.js = options.nc.jetstream();
    this.metrics = createRelayMetrics(options.registry, () => this.lagSeconds(), options.maxInFlight, options.batchSize);
  }

  /** Starts listening, relaying and pruning in the background. */
  start(): void {
    if (this.loop) return;
    this.listening = this.listen();
    this.loop = this.run();
    const interval = this.options.pruneIntervalMs ?? 60_000;
    this.pruneTimer = setInterval(() => {
      if (!this.pruning) void this.prune().catch(() => undefined);
    }, interval);
    this.pruneTimer.unref();
  }

  /** Whether the LISTEN connection is up (else only polling finds new rows). */
  isListening(): boolean {
    return this.listener !== undefined;
  }

  /** Asks for a batch now (what a NOTIFY does). */
  wake(): void {
    this.wakeRequested = true;
    this.interruptIdle?.();
  }

  /** Stops claiming, lets the current batch finish or roll back, closes the connections. */
  stop(): Promise<void> {
    return (this.stopped ??= (async () => {
      this.stopping = true;
      clearInterval(this.pruneTimer);
      for (const end of this.stopWaits) end();
      await this.loop;
      await this.pruning?.catch(() => undefined);
      await this.listening;
      const listener = this.listener;
      this.listener = undefined;
      await listener?.end().catch(() => undefined);
      await this.pool.end();
    })());
  }

  /** Deletes published rows older than the retention, in bounded statements; returns how many. */
  prune(): Promise<number> {
    const running = (async () => {
      const batch = this.options.pruneBatchSize ?? 5000;
      let total = 0;
      try {
        for (;;) {
          const { rowCount } = await this.pool.query(PRUNE_PUBLISHED, [this.options.retentionMs, batch]);
          total += rowCount ?? 0;
          this.metrics.pruned.inc(rowCount ?? 0);
          if ((rowCount ?? 0) < batch || this.stopping) return total;
        }
      } catch (error) {
        this.metrics.databaseErrors.inc();
        this.logger.warn({ err: error }, 'relay: pruning published change-log rows failed; will try again');
        throw error;
      } finally {
        this.pruning = undefined;
      }
    })();
    this.pruning = running;
    return running;
  }

  private async lagSeconds(): Promise<number> {
    const { rows } = await this.pool.query<{ lag: number }>(RELAY_LAG_SECONDS);
    return Number(rows[0]?.lag ?? 0);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      this.wakeRequested = false;
      let claimed: number;
      try {
        claimed = await this.relayBatch();
        if (failures > 0) this.logger.info({ failures }, 'relay: publishing again');
        failures = 0;
      } catch (error) {
        failures++;
        const delayMs = retryDelayMs(this.retry, failures);
        // Log the first failure of a streak and then sparsely, not once per backoff step.
        if (failures === 1 || failures % 20 === 0) this.logger.warn({ err: error, failures, delayMs }, 'relay: batch rolled back; retrying after a backoff');
        await this.wait(delayMs, 'backoff');
        continue;
      }
      if (claimed >= this.options.batchSize || this.wakeRequested) continue;
      await this.wait(this.options.pollIntervalMs, 'idle');
    }
  }

  /** One claim → publish → mark → commit cycle; returns the number of rows relayed. */
  private async relayBatch(): Promise<number> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      this.metrics.databaseErrors.inc();
      throw error;
    }
    let broken: Error | undefined;
    try {
      const [begun, planned, claimed] = await Promise.allSettled([
        client.query('BEGIN'),
        client.query(CLAIM_PLAN_SETTINGS),
        client.query<ClaimedRow>({ text: CLAIM_BATCH, values: [this.options.batchSize], rowMode: 'array' }),
      ]);
      if (claimed.status === 'rejected' || begun.status === 'rejected' || planned.status === 'rejected') {
        this.metrics.databaseErrors.inc();
        throw [begun, planned, claimed].map((r) => (r.status === 'rejected' ? (r.reason as unknown) : undefined)).find((e) => e !== undefined);
      }
      const rows = claimed.value.rows;
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      this.metrics.batchSize.observe(rows.length);
      await this.publishAll(rows);
      const seqs = rows.map((row) => row[0]);
      const [marked, committed] = await Promise.allSettled([client.query(MARK_PUBLISHED, [seqs]), client.query('COMMIT')]);
      if (marked.status === 'rejected' || committed.status === 'rejected') {
        this.metrics.databaseErrors.inc();
        throw marked.status === 'rejected' ? marked.reason : (committed as PromiseRejectedResult).reason;
      }
      this.metrics.published.inc(rows.length);
      return rows.length;
    } catch (error) {
      // A failed COMMIT or a dropped connection: the rows stay unpublished either way.
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Publishes rows in seq order with at most maxInFlight unacknowledged; rejects after all settle if any failed. */
  private async publishAll(rows: ClaimedRow[]): Promise<void> {
    const max = this.options.maxInFlight;
    const timeout = this.publishTimeoutMs;
    const expect = { streamName: STREAMS.events };
    let inFlight = 0;
    let failure: { error: unknown; seq: string } | undefined;
    let slotFreed: (() => void) | undefined;
    const settled = (): void => {
      inFlight--;
      this.metrics.inFlight.dec();
      const resume = slotFreed;
      slotFreed = undefined;
      resume?.();
    };
    const onAck = (ack: PubAck): void => {
      if (ack.duplicate) this.metrics.duplicates.inc();
      settled();
    };
    const waitForSlot = (): Promise<void> => new Promise((resolve) => (slotFreed = resolve));

    for (const row of rows) {
      while (inFlight >= max && failure === undefined) await waitForSlot();
      if (failure !== undefined) break;
      const [seq, eventId, orgId, entityType, eventType, traceparent, payload] = row;
      let headers;
      if (traceparent !== null) {
        headers = natsHeaders();
        headers.set(HEADERS.traceparent, traceparent);
      }
      inFlight++;
      this.metrics.inFlight.inc();
      try {
        this.js
          .publish(this.subject(orgId, entityType, eventType), encoder.encode(payload), { msgID: eventId, timeout, expect, ...(headers ? { headers } : {}) })
          .then(onAck, (error: unknown) => {
            this.metrics.publishErrors.inc();
            failure ??= { error, seq };
            settled();
          });
      } catch (error) {
        // nats.js throws synchronously when the connection is closed.
        this.metrics.publishErrors.inc();
        failure ??= { error, seq };
        settled();
      }
    }
    while (inFlight > 0) await waitForSlot();
    if (failure !== undefined) {
      const cause = failure.error instanceof Error ? failure.error.message : String(failure.error);
      throw new Error(`publishing change-log row seq ${failure.seq} failed: ${cause}`, { cause: failure.error });
    }
  }

  private subject(orgId: string | null, entityType: string, eventType: string): string {
    const key = `${orgId ?? '\u0000'}\n${entityType}\n${eventType}`;
    let subject = this.subjects.get(key);
    if (subject === undefined) {
      subject = eventSubject(orgId, entityType, eventType);
      if (this.subjects.size >= SUBJECT_CACHE_LIMIT) this.subjects.clear();
      this.subjects.set(key, subject);
    }
    return subject;
  }

  /** Sleeps; an idle wait ends early on wake() or stop(), a backoff only on stop(). */
  private wait(ms: number, kind: 'idle' | 'backoff'): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.stopWaits.delete(done);
        if (this.interruptIdle === done) this.interruptIdle = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stopWaits.add(done);
      if (kind === 'idle') this.interruptIdle = done;
    });
  }

  /** Keeps one LISTEN connection open, reconnecting with backoff; every (re)connect wakes the loop. */
  private async listen(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      const client = new Client({ connectionString: this.options.databaseUrl, connectionTimeoutMillis: 10_000 });
      client.on('notification', () => this.wake());
      client.on('error', (error) => this.logger.warn({ err: error }, 'relay: LISTEN connection failed'));
      try {
        await client.connect();
        await client.query(LISTEN_CHANGE_LOG);
      } catch (error) {
        await client.end().catch(() => undefined);
        if (attempt === 1 || attempt % 20 === 0) this.logger.warn({ err: error, attempt }, 'relay: cannot LISTEN for change-log notifications; polling meanwhile');
        await this.wait(retryDelayMs(this.retry, attempt), 'backoff');
        continue;
      }
      if (this.stopping) {
        await client.end().catch(() => undefined);
        return;
      }
      this.listener = client;
      client.once('end', () => {
        if (this.listener !== client || this.stopping) return;
        this.listener = undefined;
        this.logger.warn('relay: LISTEN connection closed; reconnecting');
        this.listening = this.listen();
      });
      // Notifications sent while no connection listened are lost: look once now.
      this.wake();
      return;
    }
  }
}
