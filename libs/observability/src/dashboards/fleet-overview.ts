import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { FLEET_JOBS } from '../fleet';
import { buildDashboard, stat, timeseries } from '../panels';
import { consumerSelector, quantile, rateOrZero, redSelector, requestRate, SERVER_FAILURE } from '../promql';

/** The first screen: is every service up, are requests served, is the event pipeline keeping up. */
export function fleetOverview(): Dashboard {
  const total = requestRate('service');
  return buildDashboard({
    uid: 'fraiseql-fleet-overview',
    title: 'FraiseQL / Fleet overview',
    description: 'Every service at a glance: scrape health, requests, errors, latency and the event pipeline headline numbers.',
    rows: [
      {
        title: 'Services',
        panels: [
          timeseries({
            title: 'Targets up per service',
            description: 'Scrape targets answering /metrics, per Prometheus job (named after the service). A drop is FraiseqlServiceDown.',
            unit: 'short',
            queries: [{ expr: `sum by (job) (up{${FLEET_JOBS}})`, legend: '{{job}}' }],
            width: 24,
          }),
          timeseries({
            title: 'Request rate',
            description: 'Requests handled per second by the gateway, the query-executor and flight-server.',
            unit: 'reqps',
            queries: [{ expr: total, legend: '{{service}}' }],
            width: 8,
          }),
          timeseries({
            title: 'Server error ratio',
            description: 'Share of requests that failed on our side (server_error, timeout). Above 5% for 10 min: FraiseqlErrorRatioHigh.',
            unit: 'percentunit',
            queries: [
              { expr: `${rateOrZero(requestRate('service', [SERVER_FAILURE]), 'service', total)} / ${total}`, legend: '{{service}}' },
            ],
            width: 8,
          }),
          timeseries({
            title: 'p99 latency',
            description: '99th percentile of the request duration; flight-server includes whole streams (DoGet), so it runs higher.',
            unit: 's',
            queries: [{ expr: quantile(0.99, redSelector('request_duration_seconds_bucket'), 'service'), legend: '{{service}}' }],
            width: 8,
          }),
        ],
      },
      {
        title: 'Event pipeline',
        panels: [
          stat({
            title: 'Relay lag',
            description: 'Age of the oldest change-log row not yet published to JetStream (0: all published).',
            unit: 's',
            queries: [{ expr: 'max(fraiseql_relay_lag_seconds)', legend: 'lag' }],
          }),
          stat({
            title: 'Events published',
            description: 'Events the relay published to JetStream per second.',
            unit: 'ops',
            queries: [{ expr: 'sum(rate(fraiseql_relay_events_published_total[5m]))', legend: 'published' }],
          }),
          stat({
            title: 'Consumer backlog',
            description: 'Messages not yet acked by the durable consumers (observers, sink dataplanes, audit recorder).',
            unit: 'short',
            queries: [{ expr: `sum(${consumerSelector('backlog_size')})`, legend: 'backlog' }],
          }),
          stat({
            title: 'Dead letters held',
            description: 'Dead letters in FRAISEQL_DLQ plus dead jobs: each is work that needs a retry or a purge.',
            unit: 'short',
            queries: [{ expr: `sum(${consumerSelector('dlq_items')})`, legend: 'dead letters' }],
          }),
          stat({
            title: 'Jobs waiting',
            description: 'Jobs queued and not started (waiting or prioritized).',
            unit: 'short',
            queries: [{ expr: 'sum(fraiseql_job_queue_depth{state=~"waiting|prioritized"})', legend: 'waiting' }],
          }),
          stat({
            title: 'Circuits not closed',
            description: 'Observer target hosts whose circuit breaker is open or half-open.',
            unit: 'short',
            queries: [{ expr: 'sum(fraiseql_observer_circuits{state!="closed"})', legend: 'open' }],
          }),
        ],
      },
    ],
  });
}
