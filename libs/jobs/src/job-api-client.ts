import { NatsApiClient } from '@fraiseql/nats-api';
import type { NatsConnection } from 'nats';
import { JOB_API, type JobApiResults } from './job-api';

export type { NatsApiCallOptions as JobApiCallOptions, NatsApiClientOptions as JobApiClientOptions } from '@fraiseql/nats-api';

/**
 * The job API's caller side, used by the query-executor's GraphQL fields, the CLI and observer-worker's `job`
 * action (libs/nats-api's client): the request is validated here first and again by the job-runner; a failure reply
 * becomes a FraiseqlError with the job-runner's code; no job-runner answering is FRAISEQL_JOB_RUNNER_UNAVAILABLE.
 */
export class JobApiClient extends NatsApiClient<typeof JOB_API, JobApiResults> {
  constructor(nc: NatsConnection, options: { timeoutMs?: number } = {}) {
    super(nc, JOB_API, options);
  }
}
