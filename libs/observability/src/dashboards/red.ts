import { CustomVariableBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard, timeseries } from '../panels';
import { quantile, RED_FAMILIES, rateOrZero, redSelector, requestRate, SERVER_FAILURE } from '../promql';

const SERVICE = 'service=~"$service"';

/** Rate, errors and duration of the request-serving services, one or all at a time (`service` variable). */
export function redPerService(): Dashboard {
  const total = requestRate('service', [SERVICE]);
  const duration = redSelector('request_duration_seconds_bucket', [SERVICE]);
  return buildDashboard({
    uid: 'fraiseql-red',
    title: 'FraiseQL / RED per service',
    description: 'Requests per second, errors by error code (docs/errors.md) and latency percentiles of each request-serving service.',
    variables: [
      new CustomVariableBuilder('service')
        .label('Service')
        .values(RED_FAMILIES.map((family) => family.service).join(','))
        .includeAll(true)
        .allValue('.+')
        .multi(true)
        .current({ text: 'All', value: '$__all' }),
    ],
    rows: [
      {
        title: 'Rate',
        panels: [
          timeseries({
            title: 'Requests by operation',
            description: 'Requests handled per second, by service and operation (GraphQL operation type or Flight RPC).',
            unit: 'reqps',
            queries: [{ expr: requestRate('service, operation', [SERVICE]), legend: '{{service}} {{operation}}' }],
          }),
          timeseries({
            title: 'Requests by outcome',
            description: 'success, client_error (the caller must change the request), overloaded (retry later), timeout, server_error.',
            unit: 'reqps',
            queries: [{ expr: requestRate('service, outcome', [SERVICE]), legend: '{{service}} {{outcome}}' }],
          }),
        ],
      },
      {
        title: 'Errors',
        panels: [
          timeseries({
            title: 'Errors by code',
            description: 'Failed requests per second by FRAISEQL_* code (docs/errors.md); 0 while nothing fails.',
            unit: 'reqps',
            queries: [
              { expr: rateOrZero(requestRate('service, code', [SERVICE, 'code!=""']), 'service', total), legend: '{{service}} {{code}}' },
            ],
          }),
          timeseries({
            title: 'Server error ratio',
            description: 'Share of requests that failed on our side (server_error, timeout); FraiseqlErrorRatioHigh fires above 5%.',
            unit: 'percentunit',
            queries: [
              {
                expr: `${rateOrZero(requestRate('service', [SERVICE, SERVER_FAILURE]), 'service', total)} / ${total}`,
                legend: '{{service}}',
              },
            ],
          }),
        ],
      },
      {
        title: 'Duration',
        panels: [
          timeseries({
            title: 'Latency percentiles',
            description: 'p50, p95 and p99 of the time to handle a request, all operations together.',
            unit: 's',
            queries: [
              { expr: quantile(0.5, duration, 'service'), legend: '{{service}} p50' },
              { expr: quantile(0.95, duration, 'service'), legend: '{{service}} p95' },
              { expr: quantile(0.99, duration, 'service'), legend: '{{service}} p99' },
            ],
          }),
          timeseries({
            title: 'p99 by operation',
            description: 'p99 of the time to handle a request, per operation: which kind of request is slow.',
            unit: 's',
            queries: [{ expr: quantile(0.99, duration, 'service, operation'), legend: '{{service}} {{operation}}' }],
          }),
        ],
      },
      {
        title: 'Saturation',
        panels: [
          timeseries({
            title: 'Requests in flight',
            description: 'Requests being handled now, by operation; compare with the service bound (FRAISEQL_*_MAX_IN_FLIGHT).',
            unit: 'short',
            queries: [
              {
                expr: `sum by (service, operation) (${redSelector('requests_in_flight', [SERVICE])})`,
                legend: '{{service}} {{operation}}',
              },
            ],
            width: 24,
          }),
        ],
      },
    ],
  });
}
