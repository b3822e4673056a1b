import type { sinkClickHouseConsumer } from '@fraiseql/nats-contract';
import type { ElasticsearchAuth } from '@fraiseql/search-elasticsearch';
import type { Logger } from '@fraiseql/service-kit';
import type { Registry } from 'prom-client';
import type { DataplaneName } from './dataplanes/dataplane';

/** What createSink (and the provisioning of its stores) is given. */
export interface SinkOptions {
  natsUrl: string;
  dataplanes: readonly DataplaneName[];
  clickhouse: {
    /** A server; unset: the embedded engine in `path`. */
    url?: string;
    user?: string;
    password?: string;
    database: string;
    path: string;
    retentionDays: number;
    batch: { maxRows: number; maxBytes: number; maxDelayMs: number };
  };
  search: {
    /** Elasticsearch; unset: PostgreSQL full-text search. */
    elasticsearch?: { url: string; auth?: ElasticsearchAuth; cursorSecret?: string; retentionDays: number };
    postgres: { connectionString: string; poolMax: number; schema: string; textSearchConfig: string };
    batch: { maxRows: number; maxBytes: number; maxDelayMs: number };
    /** Also index the audit log (FRAISEQL_AUDIT, consumer sink-audit) as entity type AuditEntry (ADR 0137). Default false. */
    audit?: boolean;
  };
  /** Tests: consumer overrides (ack wait, max deliver) for both dataplanes. */
  consumerOptions?: Parameters<typeof sinkClickHouseConsumer>[0];
  logger: Logger;
  registry: Registry;
}
