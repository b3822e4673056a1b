import { serveNatsApi, type NatsApiHandlers, type ServeNatsApiOptions } from '@fraiseql/nats-api';
import type { NatsConnection, Subscription } from 'nats';
import { JOB_API, type JobApiResults } from './job-api';

/** One function per operation; each gets the validated request and the caller (org scope is the handler's job). */
export type JobApiHandlers = NatsApiHandlers<typeof JOB_API, JobApiResults>;
export type ServeJobApiOptions = ServeNatsApiOptions;

/**
 * The job-runner's side of the job API (libs/nats-api): one subscription on `fraiseql.v1.jobs.api.>` in the
 * job-runner queue group; every request is validated before a handler sees it and every outcome is a reply.
 */
export function serveJobApi(nc: NatsConnection, handlers: JobApiHandlers, options: ServeJobApiOptions = {}): Subscription {
  return serveNatsApi(nc, JOB_API, handlers, options);
}
