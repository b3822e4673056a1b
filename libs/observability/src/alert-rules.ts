import { FLEET_JOBS, runbookUrl } from './fleet';
import { consumerSelector, LATENCY_FAMILIES, quantile, rateOrZero, redSelector, requestRate, SERVER_FAILURE } from './promql';

export type AlertSeverity = 'critical' | 'warning';

/** One Prometheus alerting rule, plus the query it thresholds. */
export interface AlertRule {
  alert: string;
  /** `signal` compared with the threshold (and any guard): what Prometheus evaluates. */
  expr: string;
  /**
   * The quantity the alert watches, without its threshold: it returns series in a healthy running fleet, so a
   * dashboard (or a test) can show how far from firing each alert is.
   */
  signal: string;
  for: string;
  labels: { severity: AlertSeverity };
  annotations: { summary: string; description: string; runbook_url: string };
}

interface AlertSpec {
  alert: string;
  signal: string;
  /** The comparison applied to the signal, e.g. `> 60`. */
  threshold: string;
  /** An extra condition joined with `and` (same labels as the signal). */
  guard?: string;
  for: string;
  severity: AlertSeverity;
  summary: string;
  description: string;
}

function rule(spec: AlertSpec): AlertRule {
  const compared = `${spec.signal} ${spec.threshold}`;
  return {
    alert: spec.alert,
    expr: spec.guard ? `(${compared}) and (${spec.guard})` : compared,
    signal: spec.signal,
    for: spec.for,
    labels: { severity: spec.severity },
    annotations: { summary: spec.summary, description: spec.description, runbook_url: runbookUrl(spec.alert) },
  };
}

/** The alerts of the fleet; their runbooks are the `### <alert>` sections of docs/operations.md. */
export function alertRules(): AlertRule[] {
  const requests = requestRate('service');
  const credentialFailures = requestRate('service', ['code="FRAISEQL_UNAUTHENTICATED"']);
  return [
    rule({
      alert: 'FraiseqlServiceDown',
      signal: `up{${FLEET_JOBS}}`,
      threshold: '== 0',
      for: '2m',
      severity: 'critical',
      summary: '{{ $labels.job }} target {{ $labels.instance }} is down',
      description:
        'Prometheus has failed to scrape {{ $labels.instance }} of job {{ $labels.job }} for 2 minutes: the process is gone or its ops port does not answer.',
    }),
    rule({
      alert: 'FraiseqlErrorRatioHigh',
      signal: `${rateOrZero(requestRate('service', [SERVER_FAILURE]), 'service', requests)} / ${requests}`,
      threshold: '> 0.05',
      guard: `${requests} > 0.1`,
      for: '10m',
      severity: 'critical',
      summary: '{{ $labels.service }} fails {{ $value | humanizePercentage }} of its requests',
      description: 'More than 5% of the requests of {{ $labels.service }} ended in server_error or timeout for 10 minutes.',
    }),
    rule({
      alert: 'FraiseqlLatencyP99High',
      signal: quantile(0.99, redSelector('request_duration_seconds_bucket', [], LATENCY_FAMILIES), 'service'),
      threshold: '> 1',
      for: '10m',
      severity: 'warning',
      summary: '{{ $labels.service }} p99 latency is {{ $value | humanizeDuration }}',
      description: 'The 99th percentile of the request duration of {{ $labels.service }} has been above 1 s for 10 minutes.',
    }),
    rule({
      alert: 'FraiseqlRelayLagHigh',
      signal: 'max by (service) (fraiseql_relay_lag_seconds)',
      threshold: '> 60',
      for: '5m',
      severity: 'critical',
      summary: 'Change-log relay is {{ $value | humanizeDuration }} behind',
      description:
        'The oldest unpublished change-log row has been older than 60 s for 5 minutes: subscriptions, observers, the sink and caches see stale data.',
    }),
    rule({
      alert: 'FraiseqlConsumerLagGrowing',
      signal: `sum by (service, source) (deriv(${consumerSelector('backlog_size')}[15m]))`,
      threshold: '> 0',
      guard: `sum by (service, source) (${consumerSelector('backlog_size')}) > 1000`,
      for: '15m',
      severity: 'warning',
      summary: 'Consumer {{ $labels.source }} falls behind',
      description:
        'The durable consumer {{ $labels.source }} ({{ $labels.service }}) holds more than 1000 unacked messages and its backlog has kept growing for 15 minutes.',
    }),
    rule({
      alert: 'FraiseqlDeadLettersGrowing',
      signal: `sum by (service, source) (delta(${consumerSelector('dlq_items')}[30m]))`,
      threshold: '> 0',
      for: '5m',
      severity: 'warning',
      summary: 'Dead letters accumulate for {{ $labels.service }} {{ $labels.source }}',
      description:
        'The dead-letter count of {{ $labels.service }} {{ $labels.source }} grew over the last 30 minutes: events or jobs failed for good and wait for a retry or a purge.',
    }),
    rule({
      alert: 'FraiseqlCircuitOpen',
      signal: 'sum by (service) (fraiseql_observer_circuits{state!="closed"})',
      threshold: '> 0',
      for: '15m',
      severity: 'warning',
      summary: '{{ $value }} observer target host(s) of {{ $labels.service }} unreachable',
      description:
        'At least one circuit breaker of {{ $labels.service }} has been open or half-open for 15 minutes: actions to that host are deferred and retried.',
    }),
    rule({
      alert: 'FraiseqlJobQueueAgeHigh',
      signal: 'max by (service, queue) (fraiseql_job_oldest_age_seconds{state=~"waiting|prioritized"})',
      threshold: '> 600',
      for: '10m',
      severity: 'warning',
      summary: 'Jobs of queue {{ $labels.queue }} wait for {{ $value | humanizeDuration }}',
      description: 'The oldest job not yet started in queue {{ $labels.queue }} has been waiting more than 10 minutes.',
    }),
    rule({
      alert: 'FraiseqlCredentialFailureSpike',
      signal: rateOrZero(credentialFailures, 'service', requests),
      threshold: '> 1',
      for: '10m',
      severity: 'warning',
      summary: '{{ $labels.service }} refuses {{ $value | humanize }} unauthenticated requests per second',
      description:
        'More than one request per second to {{ $labels.service }} failed with FRAISEQL_UNAUTHENTICATED for 10 minutes: expired or rotated credentials, a misconfigured client, or credential stuffing.',
    }),
    rule({
      alert: 'FraiseqlRateLimitSpike',
      signal: 'sum by (service) (rate(fraiseql_rate_limited_total[5m]))',
      threshold: '> 5',
      for: '10m',
      severity: 'warning',
      summary: '{{ $labels.service }} rate-limits {{ $value | humanize }} requests per second',
      description: 'More than 5 requests or streams per second to {{ $labels.service }} have been refused by a rate limit for 10 minutes.',
    }),
  ];
}
