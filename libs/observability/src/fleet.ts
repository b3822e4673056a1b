/**
 * The conventions the dashboards and alerts rely on. Each service exposes /metrics on its ops port with a `service`
 * label of its own name (service-kit's createMetrics); Prometheus scrapes each service in a job named after it, so
 * `up{job="gateway"}` is the gateway's scrape health.
 */
export const SERVICES = [
  { name: 'gateway', opsPort: 9101 },
  { name: 'query-executor', opsPort: 9102 },
  { name: 'flight-server', opsPort: 9103 },
  { name: 'observer-worker', opsPort: 9104 },
  { name: 'job-runner', opsPort: 9105 },
  { name: 'sink', opsPort: 9106 },
] as const;

export type ServiceName = (typeof SERVICES)[number]['name'];

/** Where each alert's runbook lives: `### <AlertName>` sections of docs/operations.md. */
export const RUNBOOK_BASE_URL = 'https://github.com/fraiseql/fraiseql/blob/main/docs/operations.md';

/** The anchor GitHub gives a `### <AlertName>` heading. */
export function runbookUrl(alertName: string): string {
  return `${RUNBOOK_BASE_URL}#${alertName.toLowerCase()}`;
}

/** The label matcher of every FraiseQL scrape job. */
export const FLEET_JOBS = `job=~"${SERVICES.map((s) => s.name).join('|')}"`;
