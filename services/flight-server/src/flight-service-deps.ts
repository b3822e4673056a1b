import type { NatsConnection } from 'nats';
import type { Pool } from 'pg';
import type { TicketCodec } from '@fraiseql/flight';
import type { Logger } from '@fraiseql/service-kit';
import type { AnalyticsCatalog } from './analytics-catalog';
import type { FlightCatalog } from './flight-catalog';
import type { FlightMetrics } from './flight-metrics';
import type { RateLimits } from '@fraiseql/rate-limits';
import type { FlightCallers } from './rate-limited-calls';
import type { StreamSlots } from './stream-slots';

export interface FlightSettings {
  batchSize: number;
  /** A batch also ends once its rows took this many bytes of COPY data. */
  maxBatchBytes?: number;
  statementTimeoutMs: number;
  ticketTtlMs: number;
  partitionRows: number;
  publicLocation?: string;
  /** FRAISEQL_FLIGHT_MAX_ROWS_PER_TICKET: a DoGet is cut after this many rows (FRAISEQL_ROW_LIMIT_EXCEEDED); 0/absent = none. */
  maxRowsPerTicket?: number;
}

export interface FlightServiceDeps {
  pool: Pool;
  nc: NatsConnection;
  /** The catalog of the active compiled schema (FRAISEQL_SCHEMA_UNAVAILABLE while none). */
  catalog(): FlightCatalog;
  /** Hashes and times of the schema versions known (newest last). */
  schemaVersions(): Promise<Array<{ hash: string; revision?: number; createdAt?: string; active: boolean }>>;
  /** The analytics datasets (`analytics/<name>`) and where they are read from (ClickHouse or the sink). */
  analytics: AnalyticsCatalog;
  /** The FlightAuthenticator, with every call but Handshake counted against its caller's rate (rate-limited-calls.ts). */
  auth: FlightCallers;
  tickets: TicketCodec;
  slots: StreamSlots;
  settings: FlightSettings;
  logger: Logger;
  metrics: FlightMetrics;
  /** Counts refusals of the per-ticket row bound (`fraiseql_rate_limited_total`, the audit hook); absent: not counted. */
  rateLimits?: Pick<RateLimits, 'countRefusal'>;
}

/** A live stream the `cancel` action can reach (by the id sent in its x-fraiseql-stream-id header). */
export interface RunningStream {
  subject: string;
  cancel(): void;
}
