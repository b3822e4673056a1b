import { Counter, Gauge, type Registry } from 'prom-client';
import type { Pool } from 'pg';
import type { FlightTicketKind } from '@fraiseql/flight';
import { createRedMetrics, type RedMetrics } from '@fraiseql/service-kit';

/** What an SRE watches on a Flight server (names follow Prometheus conventions; RED per RPC). */
export interface FlightMetrics {
  red: RedMetrics;
  rows: Counter<'rpc' | 'kind'>;
  bytes: Counter<'rpc' | 'kind'>;
  activeStreams: Gauge;
  cancelledStreams: Counter<'reason'>;
  skippedEvents: Counter;
}

/** The RPCs whose request series exist from start-up (the `operation` label of fraiseql_flight_requests_total). */
const FLIGHT_RPCS = ['Handshake', 'GetFlightInfo', 'GetSchema', 'DoGet', 'DoPut', 'DoAction', 'ListActions'];
const TICKET_KINDS: readonly FlightTicketKind[] = ['graphql', 'view', 'events', 'export', 'analytics'];

export function createFlightMetrics(registry: Registry, pool: Pool, streamLimit: number): FlightMetrics {
  // Streams last seconds to minutes: buckets up to 30 min.
  const red = createRedMetrics(registry, {
    prefix: 'fraiseql_flight',
    buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    operations: FLIGHT_RPCS,
  });
  const rows = new Counter({
    name: 'fraiseql_flight_rows_total',
    help: 'Rows streamed by DoGet or loaded by DoPut, by RPC and ticket kind.',
    labelNames: ['rpc', 'kind'] as const,
    registers: [registry],
  });
  const bytes = new Counter({
    name: 'fraiseql_flight_bytes_total',
    help: 'Arrow IPC bytes (header + body) sent by DoGet or received by DoPut.',
    labelNames: ['rpc', 'kind'] as const,
    registers: [registry],
  });
  const activeStreams = new Gauge({
    name: 'fraiseql_flight_active_streams',
    help: 'DoGet/DoPut/refresh streams in progress (each holds a slot until it ends).',
    registers: [registry],
  });
  new Gauge({ name: 'fraiseql_flight_stream_limit', help: 'FRAISEQL_FLIGHT_MAX_CONCURRENT_STREAMS.', registers: [registry] }).set(
    streamLimit,
  );
  const cancelledStreams = new Counter({
    name: 'fraiseql_flight_cancelled_streams_total',
    help: 'Streams stopped before their end, by reason (client, action, error).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const skippedEvents = new Counter({
    name: 'fraiseql_flight_skipped_events_total',
    help: 'Messages of the event stream that were not valid EntityEvents and were left out of a history.',
    registers: [registry],
  });
  // Series at 0 from the start, so rows/s and bytes/s panels show an idle server as 0 rather than nothing.
  for (const kind of TICKET_KINDS) {
    rows.inc({ rpc: 'DoGet', kind }, 0);
    bytes.inc({ rpc: 'DoGet', kind }, 0);
  }
  rows.inc({ rpc: 'DoPut', kind: 'table' }, 0);
  bytes.inc({ rpc: 'DoPut', kind: 'table' }, 0);
  for (const reason of ['client', 'action', 'error']) cancelledStreams.inc({ reason }, 0);
  new Gauge({
    name: 'fraiseql_flight_pg_pool_connections',
    help: 'PostgreSQL connections of the Flight pool, by state.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  return { red, rows, bytes, activeStreams, cancelledStreams, skippedEvents };
}
