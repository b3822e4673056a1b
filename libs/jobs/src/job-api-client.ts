import { FraiseqlError, isErrorCode } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import { jobApiSubject, writeCallerHeaders } from '@fraiseql/nats-contract';
import { ErrorCode as NatsErrorCode, headers as natsHeaders, type MsgHdrs, type NatsConnection, type NatsError } from 'nats';
import { parseJobApiRequest, type JobApiOperation, type JobApiReply, type JobApiRequest, type JobApiResults } from './job-api';

export interface JobApiClientOptions {
  /** How long to wait for the job-runner's reply (default 10 s). */
  timeoutMs?: number;
}

export interface JobApiCallOptions {
  /** Extra headers (trace context) copied onto the request. */
  headers?: MsgHdrs;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The job API's caller side, used by the query-executor's GraphQL fields, the CLI and observer-worker's `job`
 * action. The request is validated here first (a bad one never leaves the process); the job-runner validates it
 * again. A failure reply becomes a FraiseqlError with the job-runner's code; no job-runner answering is
 * FRAISEQL_JOB_RUNNER_UNAVAILABLE (retryable).
 */
export class JobApiClient {
  private readonly timeoutMs: number;

  constructor(
    private readonly nc: NatsConnection,
    options: JobApiClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async call<Op extends JobApiOperation>(
    operation: Op,
    request: JobApiRequest<Op>,
    caller: Caller,
    options: JobApiCallOptions = {},
  ): Promise<JobApiResults[Op]> {
    const body = parseJobApiRequest(operation, request);
    const headers = natsHeaders();
    for (const [key, values] of options.headers ?? []) for (const value of values) headers.append(key, value);
    writeCallerHeaders(headers, caller);
    let reply: JobApiReply<Op>;
    try {
      const msg = await this.nc.request(jobApiSubject(operation), encoder.encode(JSON.stringify(body)), {
        timeout: this.timeoutMs,
        headers,
      });
      reply = JSON.parse(decoder.decode(msg.data)) as JobApiReply<Op>;
    } catch (error) {
      const code = (error as NatsError).code;
      if (code === NatsErrorCode.NoResponders || code === NatsErrorCode.Timeout) {
        throw new FraiseqlError(
          'FRAISEQL_JOB_RUNNER_UNAVAILABLE',
          code === NatsErrorCode.NoResponders ? 'No job-runner is running' : `The job-runner did not answer within ${this.timeoutMs} ms`,
          { cause: error },
        );
      }
      if (error instanceof SyntaxError)
        throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', 'The job-runner replied with malformed JSON', { cause: error });
      throw error;
    }
    if (reply.ok) return reply.result;
    const code = isErrorCode(reply.error.code) ? reply.error.code : 'FRAISEQL_INTERNAL';
    throw new FraiseqlError(code, reply.error.message, reply.error.details === undefined ? {} : { details: reply.error.details });
  }
}
