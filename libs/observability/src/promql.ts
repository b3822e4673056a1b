/** PromQL fragments shared by the dashboards and the alerts, so that a panel and its alert read the same series. */

/** The services with request (RED) metrics: the metric prefix of each and its `service` label. */
export const RED_FAMILIES = [
  { service: 'gateway', prefix: 'fraiseql_gateway' },
  { service: 'query-executor', prefix: 'fraiseql_query_executor' },
  { service: 'flight-server', prefix: 'fraiseql_flight' },
] as const;

/** The services whose latency is one request, not a stream (Flight DoGet lasts minutes by design). */
export const LATENCY_FAMILIES = RED_FAMILIES.filter((family) => family.service !== 'flight-server');

const prefixes = (families: readonly { prefix: string }[]) => families.map((family) => family.prefix.replace(/^fraiseql_/, '')).join('|');

/** A selector over one metric of several RED families: `{__name__=~"fraiseql_(gateway|…)_<suffix>", …}`. */
export function redSelector(suffix: string, matchers: string[] = [], families: readonly { prefix: string }[] = RED_FAMILIES): string {
  return `{${[`__name__=~"fraiseql_(${prefixes(families)})_${suffix}"`, ...matchers].join(', ')}}`;
}

/** A selector over one metric of every event consumer (`fraiseql_<consumer>_<suffix>{source}`). */
export function consumerSelector(suffix: string): string {
  return `{__name__=~"fraiseql_.+_${suffix}"}`;
}

/** Server-side failures: the outcomes error-rate alerts watch (service-kit's request-outcome.ts). */
export const SERVER_FAILURE = 'outcome=~"server_error|timeout"';

/** Requests per second by `by`, over the RED families, with extra matchers. */
export function requestRate(by: string, matchers: string[] = [], families: readonly { prefix: string }[] = RED_FAMILIES): string {
  return `sum by (${by}) (rate(${redSelector('requests_total', matchers, families)}[5m]))`;
}

/**
 * A rate that may have no series yet (an error code seen for the first time), completed with 0 for every `on` group
 * that has requests: "no such failure" is 0/s, not no data.
 */
export function rateOrZero(rate: string, on: string, total: string): string {
  return `(${rate} or on (${on}) (${total} * 0))`;
}

/** A quantile of a histogram family, by `by` (which must not include `le`). */
export function quantile(q: number, bucketSelector: string, by: string): string {
  return `histogram_quantile(${q}, sum by (${by}, le) (rate(${bucketSelector}[5m])))`;
}
