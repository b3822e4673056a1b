import { encodeEntityEvent } from '@fraiseql/events';
import { auditSubject, HEADERS, STREAMS } from '@fraiseql/nats-contract';
import type { Logger } from '@fraiseql/service-kit';
import { headers as natsHeaders, type NatsConnection } from 'nats';
import { Counter, Gauge, type Registry } from 'prom-client';
import { completeAuditEntry, toAuditEvent, type AuditEntry, type AuditEntryInput } from './audit-entry';

export interface AuditLogOptions {
  nc: NatsConnection;
  /** The service that records (`gateway`, `query-executor`, `flight-server`): `source` of each entry and a metric label. */
  source: string;
  registry: Registry;
  logger: Logger;
  /** Entries `record` holds while they wait for JetStream; beyond it they are dropped and counted. Default 1000. */
  queueLimit?: number;
  /** How long one publish waits for JetStream's ack. Default 2000 ms. */
  publishTimeoutMs?: number;
}

type DropReason = 'queue_full' | 'publish_failed' | 'closed';
const DROP_REASONS: readonly DropReason[] = ['queue_full', 'publish_failed', 'closed'];

/**
 * The publisher of audit entries (ADR 0137): each on `fraiseql.v1.audit.<org>` with `Nats-Msg-Id` = its id.
 * An audit outage never fails a request: `record` only queues (bounded; a full queue drops and counts), and a
 * failed publish is logged and counted, never thrown.
 */
export class AuditLog {
  private readonly queue: AuditEntry[] = [];
  private readonly queueLimit: number;
  private readonly publishTimeoutMs: number;
  private readonly logger: Logger;
  private readonly entries: Counter<'source' | 'kind' | 'outcome'>;
  private readonly dropped: Counter<'source' | 'reason'>;
  private pumping: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: AuditLogOptions) {
    this.queueLimit = options.queueLimit ?? 1000;
    if (!Number.isInteger(this.queueLimit) || this.queueLimit < 1)
      throw new TypeError(`queueLimit must be an integer ≥ 1, got ${this.queueLimit}`);
    this.publishTimeoutMs = options.publishTimeoutMs ?? 2000;
    this.logger = options.logger.child({ component: 'audit-log' });
    const registers = [options.registry];
    this.entries =
      (options.registry.getSingleMetric('fraiseql_audit_entries_total') as Counter<'source' | 'kind' | 'outcome'> | undefined) ??
      new Counter({
        name: 'fraiseql_audit_entries_total',
        help: 'Audit entries stored in JetStream (FRAISEQL_AUDIT), by recording service, kind and outcome.',
        labelNames: ['source', 'kind', 'outcome'] as const,
        registers,
      });
    this.dropped =
      (options.registry.getSingleMetric('fraiseql_audit_dropped_total') as Counter<'source' | 'reason'> | undefined) ??
      new Counter({
        name: 'fraiseql_audit_dropped_total',
        help: 'Audit entries lost: the queue was full, the publish failed, or the log was closed.',
        labelNames: ['source', 'reason'] as const,
        registers,
      });
    // The drop reasons start at 0: "audit entries lost" reads 0/s rather than no data while nothing is lost.
    for (const reason of DROP_REASONS) this.dropped.inc({ source: options.source, reason }, 0);
    if (!options.registry.getSingleMetric('fraiseql_audit_queue_length')) {
      const queue = this.queue;
      new Gauge({
        name: 'fraiseql_audit_queue_length',
        help: 'Audit entries waiting to be published.',
        registers,
        collect() {
          this.set(queue.length);
        },
      });
    }
  }

  /** Queues an entry and returns at once (fire-and-forget); returns the completed entry, or null when it was dropped. */
  record(input: AuditEntryInput): AuditEntry | null {
    const entry = this.complete(input);
    if (!entry) return null;
    if (this.closed) return this.drop(entry, 'closed');
    if (this.queue.length >= this.queueLimit) return this.drop(entry, 'queue_full');
    this.queue.push(entry);
    this.pumping ??= this.pump();
    return entry;
  }

  /** Publishes an entry and waits for JetStream to store it (admin actions, after their effect committed). Never throws. */
  async recordNow(input: AuditEntryInput): Promise<void> {
    const entry = this.complete(input);
    if (!entry) return;
    if (this.closed) {
      this.drop(entry, 'closed');
      return;
    }
    await this.publish(entry);
  }

  /** Stops accepting entries and waits (up to `deadlineMs`) for the queue to be published. */
  async close(deadlineMs = 5000): Promise<void> {
    this.closed = true;
    if (!this.pumping) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.pumping, new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)))]);
    clearTimeout(timer);
    for (const entry of this.queue.splice(0)) this.drop(entry, 'closed');
  }

  private complete(input: AuditEntryInput): AuditEntry | null {
    try {
      return completeAuditEntry(input, this.options.source);
    } catch (error) {
      this.logger.error({ err: error, action: input.action }, 'audit entry refused: malformed');
      this.dropped.inc({ source: this.options.source, reason: 'publish_failed' });
      return null;
    }
  }

  private drop(entry: AuditEntry, reason: DropReason): null {
    this.dropped.inc({ source: this.options.source, reason });
    this.logger.warn({ auditId: entry.id, action: entry.action, orgId: entry.orgId, reason }, 'audit entry dropped');
    return null;
  }

  private async pump(): Promise<void> {
    try {
      for (let entry = this.queue.shift(); entry; entry = this.queue.shift()) await this.publish(entry);
    } finally {
      this.pumping = undefined;
    }
  }

  private async publish(entry: AuditEntry): Promise<void> {
    try {
      const headers = natsHeaders();
      if (entry.requestId) headers.set(HEADERS.requestId, entry.requestId);
      await this.options.nc.jetstream().publish(auditSubject(entry.orgId), encodeEntityEvent(toAuditEvent(entry)), {
        msgID: entry.id,
        headers,
        expect: { streamName: STREAMS.audit },
        timeout: this.publishTimeoutMs,
      });
      this.entries.inc({ source: this.options.source, kind: entry.kind, outcome: entry.outcome });
    } catch (error) {
      this.dropped.inc({ source: this.options.source, reason: 'publish_failed' });
      this.logger.error(
        { err: error, auditId: entry.id, action: entry.action, orgId: entry.orgId },
        'audit entry not stored: JetStream did not accept it',
      );
    }
  }
}
