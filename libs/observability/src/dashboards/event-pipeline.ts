import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard, timeseries } from '../panels';
import { consumerSelector, quantile, rateOrZero } from '../promql';

const processed = `sum by (service, source) (rate(${consumerSelector('events_processed_total')}[5m]))`;
const sinkRows = 'sum by (dataplane) (rate(fraiseql_sink_rows_written_total[5m]))';

/** From the change log to every consumer: relay, durable consumers, dead letters, observers, jobs and the sink. */
export function eventPipeline(): Dashboard {
  return buildDashboard({
    uid: 'fraiseql-event-pipeline',
    title: 'FraiseQL / Event pipeline',
    description: 'The transactional outbox relay, the JetStream consumers, dead letters, observer actions, the job queue and the sink.',
    rows: [
      {
        title: 'Relay (query-executor)',
        panels: [
          timeseries({
            title: 'Relay lag',
            description: 'Age of the oldest change-log row not yet published, per executor. Above 60 s for 5 min: FraiseqlRelayLagHigh.',
            unit: 's',
            queries: [{ expr: 'max by (service, instance) (fraiseql_relay_lag_seconds)', legend: '{{instance}}' }],
            width: 8,
          }),
          timeseries({
            title: 'Publish rate',
            description: 'Events published and acknowledged by JetStream, duplicates (a retried batch) and failed publishes, per second.',
            unit: 'ops',
            queries: [
              { expr: 'sum(rate(fraiseql_relay_events_published_total[5m]))', legend: 'published' },
              { expr: 'sum(rate(fraiseql_relay_duplicates_total[5m]))', legend: 'duplicates' },
              { expr: 'sum(rate(fraiseql_relay_publish_errors_total[5m]))', legend: 'publish errors' },
              { expr: 'sum(rate(fraiseql_relay_database_errors_total[5m]))', legend: 'database errors' },
            ],
            width: 8,
          }),
          timeseries({
            title: 'Publishes in flight',
            description: 'Publishes sent and not yet acknowledged, against the bound FRAISEQL_QUERY_EXECUTOR_RELAY_MAX_IN_FLIGHT.',
            unit: 'short',
            queries: [
              { expr: 'sum by (instance) (fraiseql_relay_in_flight)', legend: '{{instance}}' },
              { expr: 'max(fraiseql_relay_max_in_flight)', legend: 'bound' },
            ],
            width: 8,
          }),
        ],
      },
      {
        title: 'Consumers',
        panels: [
          timeseries({
            title: 'Pending per durable consumer',
            description: 'num_pending + num_ack_pending of each durable (source). Growing for 15 min: FraiseqlConsumerLagGrowing.',
            unit: 'short',
            queries: [{ expr: `sum by (service, source) (${consumerSelector('backlog_size')})`, legend: '{{source}}' }],
            width: 8,
          }),
          timeseries({
            title: 'Events processed',
            description: 'Events handled and acked per second, per consumer.',
            unit: 'ops',
            queries: [{ expr: processed, legend: '{{source}}' }],
            width: 8,
          }),
          timeseries({
            title: 'Redeliveries',
            description: 'Deliveries after the first per second: retries, expired ack waits, naks at drain.',
            unit: 'ops',
            queries: [
              { expr: `sum by (service, source) (rate(${consumerSelector('events_redelivered_total')}[5m]))`, legend: '{{source}}' },
            ],
            width: 8,
          }),
          timeseries({
            title: 'Failed attempts by code',
            description: 'Failed handling attempts per second by consumer and error code (0 while nothing fails).',
            unit: 'ops',
            queries: [
              {
                expr: rateOrZero(
                  `sum by (service, source, error_type) (rate(${consumerSelector('events_failed_total')}[5m]))`,
                  'service, source',
                  processed,
                ),
                legend: '{{source}} {{error_type}}',
              },
            ],
            width: 24,
          }),
        ],
      },
      {
        title: 'Dead letters',
        panels: [
          timeseries({
            title: 'DLQ depth',
            description: 'Dead letters held per source in FRAISEQL_DLQ, and dead jobs (job-runner). `npx fraiseql dlq list` shows them.',
            unit: 'short',
            queries: [{ expr: `sum by (service, source) (${consumerSelector('dlq_items')})`, legend: '{{service}} {{source}}' }],
          }),
          timeseries({
            title: 'DLQ growth over 30 min',
            description: 'Change of the DLQ depth over the last 30 minutes; above 0: FraiseqlDeadLettersGrowing.',
            unit: 'short',
            queries: [
              { expr: `sum by (service, source) (delta(${consumerSelector('dlq_items')}[30m]))`, legend: '{{service}} {{source}}' },
            ],
          }),
        ],
      },
      {
        title: 'Observer actions',
        panels: [
          timeseries({
            title: 'Actions by type and outcome',
            description: 'Observer actions executed per second (observer-worker and job-runner), by type and outcome.',
            unit: 'ops',
            queries: [
              {
                expr: 'sum by (action_type, outcome) (rate(fraiseql_observer_action_executed_total[5m]))',
                legend: '{{action_type}} {{outcome}}',
              },
            ],
            width: 8,
          }),
          timeseries({
            title: 'Action p95 duration',
            description: '95th percentile of the time to execute one action, by type.',
            unit: 's',
            queries: [
              { expr: quantile(0.95, 'fraiseql_observer_action_duration_seconds_bucket', 'action_type'), legend: '{{action_type}}' },
            ],
            width: 8,
          }),
          timeseries({
            title: 'Circuit breakers',
            description: 'Target hosts per circuit state. Open or half-open for 15 min: FraiseqlCircuitOpen.',
            unit: 'short',
            queries: [{ expr: 'sum by (service, state) (fraiseql_observer_circuits)', legend: '{{service}} {{state}}' }],
            width: 8,
          }),
        ],
      },
      {
        title: 'Jobs',
        panels: [
          timeseries({
            title: 'Queue depth by state',
            description: 'Jobs in the BullMQ queue by state.',
            unit: 'short',
            queries: [{ expr: 'max by (queue, state) (fraiseql_job_queue_depth)', legend: '{{queue}} {{state}}' }],
            width: 8,
          }),
          timeseries({
            title: 'Oldest job age by state',
            description:
              'Age of the oldest waiting/prioritized job (since enqueued) and active job (since started). See FraiseqlJobQueueAgeHigh.',
            unit: 's',
            queries: [{ expr: 'max by (queue, state) (fraiseql_job_oldest_age_seconds)', legend: '{{queue}} {{state}}' }],
            width: 8,
          }),
          timeseries({
            title: 'Jobs completed, failed, dead',
            description: 'Jobs that succeeded, failed attempts and jobs sent to the dead-letter queue, per second.',
            unit: 'ops',
            queries: [
              { expr: 'sum(rate(fraiseql_job_executed_total[5m]))', legend: 'succeeded' },
              { expr: 'sum(rate(fraiseql_job_retry_attempts_total[5m]))', legend: 'retried' },
              { expr: 'sum(rate(fraiseql_job_dead_total[5m]))', legend: 'dead' },
            ],
            width: 8,
          }),
        ],
      },
      {
        title: 'Sink',
        panels: [
          timeseries({
            title: 'Rows written per dataplane',
            description: 'Events in batches ClickHouse or the search store confirmed, per second.',
            unit: 'ops',
            queries: [{ expr: sinkRows, legend: '{{dataplane}}' }],
            width: 8,
          }),
          timeseries({
            title: 'Write latency per dataplane',
            description: 'p50 and p99 of one successful batch write (insert or bulk index).',
            unit: 's',
            queries: [
              {
                expr: quantile(0.5, 'fraiseql_sink_write_duration_seconds_bucket{outcome="ok"}', 'dataplane'),
                legend: '{{dataplane}} p50',
              },
              {
                expr: quantile(0.99, 'fraiseql_sink_write_duration_seconds_bucket{outcome="ok"}', 'dataplane'),
                legend: '{{dataplane}} p99',
              },
            ],
            width: 8,
          }),
          timeseries({
            title: 'Write retries by code',
            description: 'Batch writes held for another try (store unavailable) or split (refused), per second (0 while none).',
            unit: 'ops',
            queries: [
              {
                expr: rateOrZero('sum by (dataplane, error_type) (rate(fraiseql_sink_write_retries_total[5m]))', 'dataplane', sinkRows),
                legend: '{{dataplane}} {{error_type}}',
              },
            ],
            width: 8,
          }),
        ],
      },
    ],
  });
}
