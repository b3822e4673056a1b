import type { NatsConnection } from 'nats';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { fromAuditEvent } from '@fraiseql/audit';
import { startEventConsumer, type EventConsumer } from '@fraiseql/jetstream-consumer';
import { queryExecutorAuditConsumer } from '@fraiseql/nats-contract';
import type { Logger } from '@fraiseql/service-kit';
import { INSERT_AUDIT_ENTRY } from './audit-sql';

export interface AuditRecorderSettings {
  /** Record FRAISEQL_AUDIT into fraiseql.tb_audit_log from this replica (any number of replicas cooperate). */
  enabled: boolean;
  /** Entries written at once by this replica. Default 4. */
  concurrency?: number;
}

/**
 * The recorder (ADR 0137): consumer query-executor-audit on FRAISEQL_AUDIT, one `INSERT … ON CONFLICT DO NOTHING` per
 * entry, so a redelivery writes once. A message that is not an audit entry is dead-lettered by the consumer kit. Off
 * (undefined, with a warning) on a database without migrations/postgres 0008.
 */
export async function startAuditRecorder(options: {
  nc: NatsConnection;
  pool: Pool;
  logger: Logger;
  registry: Registry;
  settings: AuditRecorderSettings;
}): Promise<EventConsumer | undefined> {
  const { pool, logger } = options;
  const { rows } = await pool.query<{ present: boolean }>(`SELECT to_regclass('fraiseql.tb_audit_log') IS NOT NULL AS present`);
  if (!rows[0]?.present) {
    logger.warn('audit recorder off: fraiseql.tb_audit_log is missing (apply migrations/postgres 0008)');
    return undefined;
  }
  return startEventConsumer({
    nc: options.nc,
    consumer: queryExecutorAuditConsumer(),
    source: 'query-executor-audit',
    concurrency: options.settings.concurrency ?? 4,
    retryPolicy: { initialIntervalMs: 1000, maximumIntervalMs: 60_000, jitter: 0.2, nonRetryable: ['FRAISEQL_BAD_MESSAGE'] },
    logger,
    registry: options.registry,
    metricsPrefix: 'fraiseql_audit_recorder',
    handle: async (event) => {
      const entry = fromAuditEvent(event);
      await pool.query(INSERT_AUDIT_ENTRY, [
        entry.id,
        entry.at,
        entry.orgId,
        entry.kind,
        entry.action,
        entry.outcome,
        entry.actor?.subject ?? null,
        entry.actor?.roles ?? null,
        entry.target,
        entry.source,
        entry.ip,
        entry.requestId,
        entry.code,
        JSON.stringify(entry.details),
      ]);
    },
  });
}
