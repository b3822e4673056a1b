import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from 'nats';
import { Pool, type PoolClient } from 'pg';
import type { Registry } from 'prom-client';
import { eventSubject, HEADERS, injectTraceContext, spanContextOf, STREAMS } from '@fraiseql/nats-contract';
import { retryDelayMs, type Logger, type RetryPolicy } from '@fraiseql/service-kit';
import { PgListener } from '../pg-listener';
import { createRelayMetrics, type RelayMetrics } from './relay-metrics';
import {
  CHANGE_LOG_CHANNEL,
  LOCK_BATCH,
  MARK_PUBLISHED,
  READ_BATCH,
  PRUNE_PUBLISHED,
  RELAY_LAG_SECONDS,
  RELAY_SESSION_SETTINGS,
} from './relay-sql';
import { StreamPublisher } from './stream-publisher';

export interface ChangeLogRelayOptions {
  /** The relay opens its own small pool and one LISTEN connection, apart from the query pool. */
  databaseUrl: string;
  nc: NatsConnection;
  /** Rows claimed per transaction. */
  batchSize: number;
  /** Publishes awaiting their JetStream ack at once, across all open batches. */
  maxInFlight: number;
  /**
   * Batches claimed and not yet committed at once (each holds one transaction and one connection):
   * while one batch's acks drain, the next is claimed and published. Default: enough batches to
   * keep the window full while one is being read (PostgreSQL building its JSON), one marked and one
   * claimed, ceil(maxInFlight / batchSize) + 3, between 2 and 8. 1 = no overlap (the relay before pipelining).
   */
  maxOpenBatches?: number;
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

type ClaimedRow = [
  seq: string,
  eventId: string,
  orgId: string | null,
  entityType: string,
  eventType: string,
  traceparent: string | null,
  payload: string,
];

interface ClaimedBatch {
  client: PoolClient;
  /** Rows locked by the claim. */
  claimed: number;
  /** The LIMIT of its claim: fewer rows means the backlog is drained. */
  requested: number;
  /** The rows' events, still being built by PostgreSQL when the claim returns (READ_BATCH). */
  rows: Promise<ClaimedRow[]>;
}

/** Never gives up: the rows wait in PostgreSQL. Initial 100 ms, ×2, at most 10 s, 20 % jitter. */
const RELAY_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  initialIntervalMs: 100,
  backoffCoefficient: 2,
  maximumIntervalMs: 10_000,
  jitter: 0.2,
});

const SUBJECT_CACHE_LIMIT = 10_000;
/** A claim scans the change log from its start at least once in this many claims (see claimFloor). */
const FULL_SCAN_EVERY = 8;
/** Open batches beyond those that fill the window: one being read, one being marked, one being claimed. */
const OPEN_BATCHES_BEYOND_WINDOW = 3;
/** The first claim after an idle moment takes batchSize / RAMP_DIVISOR rows (see claimSize). */
const RAMP_DIVISOR = 8;
const encoder = new TextEncoder();

/**
 * Publishes the transactional change log (`fraiseql.tb_entity_change_log`) to JetStream.
 *
 * One batch = one transaction: claim unpublished rows (FOR UPDATE SKIP LOCKED, seq order), publish
 * each with `Nats-Msg-Id` = event_id, wait for every ack of the batch, mark the rows published,
 * commit. Any failure rolls that transaction back, so its rows stay unpublished and are retried after
 * a backoff; the ones JetStream already stored come back as duplicates (its duplicate window outlasts
 * any retry). Killing the process at any point is the same as a rollback of every open batch.
 *
 * Batches are pipelined (docs/adr/0081-change-log-relay.md, docs/adr/0147-relay-at-raw-publish-speed.md):
 * up to `maxOpenBatches` transactions are open at once, each on its own connection. A claim returns
 * once its rows are locked; PostgreSQL builds their JSON while the next batch is claimed. The rows of
 * open batches are disjoint (row locks, SKIP LOCKED); publishes go out in claim order (a batch starts
 * sending only once the one before it sent all of its rows) through one window of `maxInFlight`
 * unacknowledged publishes shared by all open batches; each batch marks only its own rows, only after
 * all of them were acknowledged. After a failure the relay stops sending, lets the open batches finish
 * or roll back, backs off, and starts again. Wakes on NOTIFY, polls as a fallback, prunes old published rows.
 */
export class ChangeLogRelay {
  private readonly options: ChangeLogRelayOptions;
  private readonly pool: Pool;
  private readonly publisher: StreamPublisher;
  private readonly metrics: RelayMetrics;
  private readonly logger: Logger;
  private readonly retry: RetryPolicy;
  private readonly publishTimeoutMs: number;
  private readonly maxOpenBatches: number;
  private readonly subjects = new Map<string, string>();

  private loop: Promise<void> | undefined;
  private stopping = false;
  private wakeRequested = false;
  /** Ends the loop's idle wait early (NOTIFY or stop). */
  private interruptIdle: (() => void) | undefined;
  /** Ends every pending wait (stop). */
  private readonly stopWaits = new Set<() => void>();
  private stopped: Promise<void> | undefined;
  /** NOTIFY on commit of new rows (and every reconnection) wakes the loop; polling covers the rest. */
  private readonly listener: PgListener;
  private pruneTimer: NodeJS.Timeout | undefined;
  private pruning: Promise<number> | undefined;

  /** Claimed, not yet committed or rolled back; each settles (never rejects) when its transaction ends. */
  private readonly openBatches = new Set<Promise<void>>();
  /** The first failure since the last backoff: no batch sends more, no new batch is claimed. */
  private failure: unknown;
  /** Batches failed in a row (for the backoff); a committed batch resets it. */
  private failures = 0;
  /** Resolves once the batch claimed last has sent all its rows (the next one sends after it). */
  private sendTurn: Promise<void> = Promise.resolve();
  /** Publishes of all open batches awaiting their ack (the shared window). */
  private inFlight = 0;
  /** The sending batch waiting for a free slot in the window (only one batch sends at a time). */
  private slotFreed: (() => void) | undefined;
  /** The LIMIT of the last claim (see claimSize). */
  private lastClaimSize = 0;
  /** The highest seq of the last non-empty claim, and claims since the last one that scanned from 0 (see claimFloor). */
  private lastClaimedSeq = '0';
  private claimsSinceFullScan = 0;
  private fullScanDue = false;
  /** Whether the last claim got all the rows it asked for (a backlog is being drained). */
  private lastClaimFull = false;

  constructor(options: ChangeLogRelayOptions) {
    this.options = options;
    this.logger = options.logger;
    this.retry = options.retryPolicy ?? RELAY_RETRY_POLICY;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.maxOpenBatches = Math.max(
      1,
      options.maxOpenBatches ?? Math.min(8, Math.max(2, Math.ceil(options.maxInFlight / options.batchSize) + OPEN_BATCHES_BEYOND_WINDOW)),
    );
    this.pool = new Pool({
      connectionString: options.databaseUrl,
      // Names the relay's sessions in pg_stat_activity (and lets operators and the benchmark tell them apart).
      application_name: 'fraiseql-relay',
      // One connection per open batch, plus one for pruning and the lag gauge.
      max: this.maxOpenBatches + 1,
      // BEGIN + claim, and mark + COMMIT, each leave in one round trip.
      pipeline: true,
      connectionTimeoutMillis: 10_000,
      // A relay that hangs (not dies) holding its claim must not keep the rows locked forever.
      idle_in_transaction_session_timeout: this.publishTimeoutMs + 30_000,
    });
    this.pool.on('error', (error) => this.logger.warn({ err: error }, 'relay: an idle PostgreSQL connection failed'));
    // Planner settings and synchronous_commit for every relay statement (relay-sql.ts says why): queued
    // on a new connection before anything else runs on it. If it fails, so does the connection's first claim.
    this.pool.on('connect', (client) => {
      client.query(RELAY_SESSION_SETTINGS).catch((error: unknown) => this.logger.warn({ err: error }, 'relay: session settings failed'));
    });
    this.publisher = new StreamPublisher({ nc: options.nc, stream: STREAMS.events, timeoutMs: this.publishTimeoutMs });
    this.listener = new PgListener({
      databaseUrl: options.databaseUrl,
      channel: CHANGE_LOG_CHANNEL,
      name: 'relay',
      logger: this.logger,
      retry: this.retry,
      onNotification: () => this.wake(),
      onConnected: () => this.wake(),
    });
    this.metrics = createRelayMetrics(options.registry, () => this.lagSeconds(), options.maxInFlight, options.batchSize);
  }
  /** Starts listening, relaying and pruning in the background. */
  start(): void {
    if (this.loop) return;
    this.listener.start();
    this.loop = this.run();
    const interval = this.options.pruneIntervalMs ?? 60_000;
    this.pruneTimer = setInterval(() => {
      if (!this.pruning) void this.prune().catch(() => undefined);
    }, interval);
    this.pruneTimer.unref();
  }

  /** Whether the LISTEN connection is up (else only polling finds new rows). */
  isListening(): boolean {
    return this.listener.listening;
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
      await this.listener.stop();
      this.publisher.close();
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
    while (!this.stopping) {
      // Bounded pipeline: at most maxOpenBatches transactions hold claimed rows at once.
      while (this.openBatches.size >= this.maxOpenBatches) await Promise.race(this.openBatches);
      if (this.failure !== undefined) {
        await this.backOff();
        continue;
      }
      this.wakeRequested = false;
      let batch: ClaimedBatch | undefined;
      const floor = this.claimFloor();
      try {
        batch = await this.claim(this.claimSize(), floor);
      } catch (error) {
        this.failure ??= error;
        continue;
      }
      if (batch !== undefined) {
        const open: Promise<void> = this.relayClaimed(batch).then(
          () => {
            if (this.failures > 0 && this.failure === undefined) {
              this.logger.info({ failures: this.failures }, 'relay: publishing again');
              this.failures = 0;
            }
          },
          (error: unknown) => {
            this.failure ??= error;
          },
        );
        this.openBatches.add(open);
        void open.finally(() => this.openBatches.delete(open));
        // A full batch: more rows are probably waiting, claim them now.
        if (batch.claimed >= batch.requested) continue;
      }
      if (this.wakeRequested) continue;
      // Never idle on a claim that started after a floor: a row that committed late below it would
      // wait for the next NOTIFY or poll. One claim from the start first.
      if (floor !== '0') {
        this.fullScanDue = true;
        continue;
      }
      await this.wait(this.options.pollIntervalMs, 'idle');
    }
    // Stopping: claim nothing more; the open batches finish (bounded by the publish timeout) or roll back.
    await Promise.all(this.openBatches);
  }

  /** After a failure: let every open batch end, then wait out the backoff before claiming again. */
  private async backOff(): Promise<void> {
    await Promise.all(this.openBatches);
    const error = this.failure;
    this.failures++;
    const delayMs = retryDelayMs(this.retry, this.failures);
    // Log the first failure of a streak and then sparsely, not once per backoff step.
    if (this.failures === 1 || this.failures % 20 === 0)
      this.logger.warn({ err: error, failures: this.failures, delayMs }, 'relay: batch rolled back; retrying after a backoff');
    await this.wait(delayMs, 'backoff');
    this.failure = undefined;
  }

  /**
   * Rows to claim now. With no batch open nothing is being published, so the wait for this claim is
   * dead time: claim an eighth of a batch, which PostgreSQL turns into JSON eight times sooner, and
   * double the size with every claim made while the previous one publishes, up to the batch size.
   * Claiming twice as many rows takes less time than publishing half as many, so the window never
   * waits for a claim after the first, small one.
   */
  private claimSize(): number {
    const batchSize = this.options.batchSize;
    this.lastClaimSize =
      this.openBatches.size === 0 ? Math.max(1, Math.ceil(batchSize / RAMP_DIVISOR)) : Math.min(batchSize, this.lastClaimSize * 2);
    return this.lastClaimSize;
  }

  /**
   * Where the claim's index scan starts: after the last row this relay claimed while it works through
   * a backlog (the last claim was full) and batches of its own are open (their rows are locked, the
   * ones before are published), else from the start — and from the
   * start at least every FULL_SCAN_EVERY claims and before the relay goes idle, for rows that committed
   * late with a lower seq.
   */
  private claimFloor(): string {
    const floored = this.openBatches.size > 0 && this.lastClaimFull && !this.fullScanDue && this.claimsSinceFullScan < FULL_SCAN_EVERY - 1;
    if (!floored) {
      this.claimsSinceFullScan = 0;
      this.fullScanDue = false;
      return '0';
    }
    this.claimsSinceFullScan++;
    return this.lastClaimedSeq;
  }

  /**
   * BEGIN + lock + read in one round trip. Resolves once the rows are locked (the cheap part), so the
   * next batch can be claimed while PostgreSQL still builds this one's JSON; the rows follow in
   * `rows`. Undefined (and the transaction ended) when nothing is unpublished.
   */
  private async claim(size: number, floor: string): Promise<ClaimedBatch | undefined> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      this.metrics.databaseErrors.inc();
      throw error;
    }
    let broken: Error | undefined;
    // Sent now, behind the lock in the same pipeline: it reads what the lock noted in the transaction.
    let reading: Promise<ClaimedRow[]> | undefined;
    try {
      const begun = client.query('BEGIN');
      const locked = client.query<{ claimed: number; last: string | null }>({
        name: 'fraiseql_relay_lock',
        text: LOCK_BATCH,
        values: [size, floor],
      });
      reading = client.query<ClaimedRow>({ name: 'fraiseql_relay_read', text: READ_BATCH, rowMode: 'array' }).then((result) => result.rows);
      // Never an unhandled rejection: a failed read fails the batch where `rows` is awaited.
      reading.catch(() => undefined);
      const [begin, lock] = await Promise.allSettled([begun, locked]);
      if (begin.status === 'rejected' || lock.status === 'rejected') {
        this.metrics.databaseErrors.inc();
        throw begin.status === 'rejected' ? begin.reason : (lock as PromiseRejectedResult).reason;
      }
      const claimed = lock.value.rows[0]?.claimed ?? 0;
      this.lastClaimFull = claimed >= size;
      if (claimed > 0) {
        this.lastClaimedSeq = lock.value.rows[0]!.last!;
        this.metrics.batchSize.observe(claimed);
        return { client, claimed, requested: size, rows: reading };
      }
      await reading;
      await client.query('COMMIT');
    } catch (error) {
      await reading?.catch(() => undefined);
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      client.release(broken);
      throw error;
    }
    client.release();
    return undefined;
  }

  /** Publishes a claimed batch, and only once JetStream acknowledged every row: mark + COMMIT. Else ROLLBACK. */
  private async relayClaimed({ client, rows: reading }: ClaimedBatch): Promise<void> {
    let broken: Error | undefined;
    try {
      const rows = await this.publishInTurn(reading);
      const [marked, committed] = await Promise.allSettled([
        client.query({ name: 'fraiseql_relay_mark', text: MARK_PUBLISHED }),
        client.query('COMMIT'),
      ]);
      if (marked.status === 'rejected' || committed.status === 'rejected') {
        this.metrics.databaseErrors.inc();
        throw marked.status === 'rejected' ? marked.reason : (committed as PromiseRejectedResult).reason;
      }
      this.metrics.published.inc(rows.length);
    } catch (error) {
      // A failed COMMIT or a dropped connection: the rows stay unpublished either way.
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Waits for the previous batch to have sent all its rows (claim order = send order), then publishes this one. */
  private async publishInTurn(reading: Promise<ClaimedRow[]>): Promise<ClaimedRow[]> {
    // Taken synchronously, in claim order: that fixes the send order whatever order the reads end in.
    const previous = this.sendTurn;
    let sent!: () => void;
    this.sendTurn = new Promise((resolve) => (sent = resolve));
    try {
      const rows = await reading;
      await previous;
      await this.publishAll(rows, sent);
      return rows;
    } finally {
      sent();
    }
  }

  /**
   * Publishes rows in seq order within the shared window, calls `sent` once the last one left, and
   * resolves when every one was acknowledged; rejects (after all settled) if any failed, or if the
   * relay stopped sending because another batch failed.
   */
  private async publishAll(rows: ClaimedRow[], sent: () => void): Promise<void> {
    const max = this.options.maxInFlight;
    let pending = 0;
    let published = 0;
    let failure: { error: unknown; seq: string } | undefined;
    let drained: (() => void) | undefined;
    const settled = (): void => {
      pending--;
      this.inFlight--;
      this.metrics.inFlight.dec();
      const resume = this.slotFreed;
      this.slotFreed = undefined;
      resume?.();
      if (pending === 0) drained?.();
    };
    const failed = (seq: string, error: unknown): void => {
      this.metrics.publishErrors.inc();
      failure ??= { error, seq };
      // Every other batch stops sending too: after a failure the relay backs off as a whole.
      this.failure ??= error;
    };

    for (const row of rows) {
      while (this.inFlight >= max && this.failure === undefined) await new Promise<void>((resolve) => (this.slotFreed = resolve));
      if (this.failure !== undefined) break;
      const [seq, eventId, orgId, entityType, eventType, traceparent, payload] = row;
      const subject = this.subject(orgId, entityType, eventType);
      let headers: MsgHdrs | undefined;
      let span: Span | undefined;
      if (traceparent !== null) {
        headers = natsHeaders();
        span = publishSpan(traceparent, subject, eventId, seq);
        if (span) injectTraceContext(headers, trace.setSpan(ROOT_CONTEXT, span));
        else headers.set(HEADERS.traceparent, traceparent);
      }
      pending++;
      this.inFlight++;
      this.metrics.inFlight.inc();
      try {
        this.publisher.publish(subject, encoder.encode(payload), eventId, headers, (error, duplicate) => {
          if (error) {
            endFailed(span);
            failed(seq, error);
          } else {
            span?.setAttribute('fraiseql.duplicate', duplicate);
            span?.end();
            if (duplicate) this.metrics.duplicates.inc();
          }
          settled();
        });
      } catch (error) {
        // nats.js throws synchronously when the connection is closed.
        endFailed(span);
        failed(seq, error);
        settled();
      }
      published++;
    }
    sent();
    if (pending > 0) await new Promise<void>((resolve) => (drained = resolve));
    if (failure !== undefined) {
      const cause = failure.error instanceof Error ? failure.error.message : String(failure.error);
      throw new Error(`publishing change-log row seq ${failure.seq} failed: ${cause}`, { cause: failure.error });
    }
    if (published < rows.length)
      throw new Error(`batch from seq ${rows[0]![0]} not fully published: another batch failed`, { cause: this.failure });
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
}

const tracer = trace.getTracer('@fraiseql/query-executor');

/**
 * The PRODUCER span of one event's publish, a child of the mutation that wrote its change-log row
 * (the row's traceparent): its context goes into the event's headers, so every consumer's span
 * continues the mutation's trace through this hop. Undefined when the stored value is malformed.
 */
function publishSpan(traceparent: string, subject: string, eventId: string, seq: string): Span | undefined {
  const parent = spanContextOf(traceparent);
  if (!parent) return undefined;
  return tracer.startSpan(
    `publish ${STREAMS.events}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.destination.name': subject,
        'messaging.message.id': eventId,
        'fraiseql.change_log.seq': seq,
      },
    },
    trace.setSpanContext(ROOT_CONTEXT, parent),
  );
}

function endFailed(span: Span | undefined): void {
  if (!span) return;
  span.setAttribute('fraiseql.error.code', 'FRAISEQL_EVENTS_UNAVAILABLE');
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'FRAISEQL_EVENTS_UNAVAILABLE' });
  span.end();
}
