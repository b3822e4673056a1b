import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard, timeseries } from '../panels';
import { quantile, rateOrZero } from '../promql';

const requests = 'sum by (service) (rate(fraiseql_flight_requests_total[5m]))';

/** flight-server: streams, throughput and what it refuses. */
export function flight(): Dashboard {
  return buildDashboard({
    uid: 'fraiseql-flight',
    title: 'FraiseQL / Flight',
    description: 'Arrow Flight streams: concurrency against its bound, rows and bytes per second, refusals and cancellations.',
    rows: [
      {
        title: 'Streams',
        panels: [
          timeseries({
            title: 'Streams open',
            description: 'DoGet/DoPut/refresh streams in progress per replica, against FRAISEQL_FLIGHT_MAX_CONCURRENT_STREAMS.',
            unit: 'short',
            queries: [
              { expr: 'sum by (instance) (fraiseql_flight_active_streams)', legend: '{{instance}}' },
              { expr: 'max(fraiseql_flight_stream_limit)', legend: 'bound per replica' },
            ],
            width: 8,
          }),
          timeseries({
            title: 'Rows per second',
            description: 'Rows streamed by DoGet or loaded by DoPut, by RPC and ticket kind.',
            unit: 'short',
            queries: [{ expr: 'sum by (rpc, kind) (rate(fraiseql_flight_rows_total[5m]))', legend: '{{rpc}} {{kind}}' }],
            width: 8,
          }),
          timeseries({
            title: 'Bytes per second',
            description: 'Arrow IPC bytes sent by DoGet or received by DoPut.',
            unit: 'Bps',
            queries: [{ expr: 'sum by (rpc, kind) (rate(fraiseql_flight_bytes_total[5m]))', legend: '{{rpc}} {{kind}}' }],
            width: 8,
          }),
        ],
      },
      {
        title: 'Refusals',
        panels: [
          timeseries({
            title: 'Refusals by code',
            description: 'Calls that ended with an error, by FRAISEQL_* code (0 while none).',
            unit: 'reqps',
            queries: [
              {
                expr: rateOrZero('sum by (service, code) (rate(fraiseql_flight_requests_total{code!=""}[5m]))', 'service', requests),
                legend: '{{code}}',
              },
            ],
            width: 8,
          }),
          timeseries({
            title: 'Rate-limited by limiter',
            description: 'Streams refused by a rate limit (streams_per_principal, rows_per_ticket, ...).',
            unit: 'reqps',
            queries: [{ expr: 'sum by (limiter) (rate(fraiseql_rate_limited_total{service="flight-server"}[5m]))', legend: '{{limiter}}' }],
            width: 8,
          }),
          timeseries({
            title: 'Cancelled streams',
            description: 'Streams stopped before their end, by reason (client, action, error).',
            unit: 'ops',
            queries: [{ expr: 'sum by (reason) (rate(fraiseql_flight_cancelled_streams_total[5m]))', legend: '{{reason}}' }],
            width: 8,
          }),
        ],
      },
      {
        title: 'Calls and connections',
        panels: [
          timeseries({
            title: 'Calls by RPC',
            description: 'Flight calls per second by RPC.',
            unit: 'reqps',
            queries: [{ expr: 'sum by (operation) (rate(fraiseql_flight_requests_total[5m]))', legend: '{{operation}}' }],
            width: 8,
          }),
          timeseries({
            title: 'Call p95 duration by RPC',
            description: 'p95 of a call, whole stream included for DoGet and DoPut.',
            unit: 's',
            queries: [{ expr: quantile(0.95, 'fraiseql_flight_request_duration_seconds_bucket', 'operation'), legend: '{{operation}}' }],
            width: 8,
          }),
          timeseries({
            title: 'PostgreSQL pool',
            description: 'Connections of the Flight pool: total, idle, and requests waiting for one.',
            unit: 'short',
            queries: [{ expr: 'sum by (state) (fraiseql_flight_pg_pool_connections)', legend: '{{state}}' }],
            width: 8,
          }),
        ],
      },
    ],
  });
}
