import { FraiseqlError, toFraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import { QUEUE_GROUPS, readCallerHeaders, SUBJECTS } from '@fraiseql/nats-contract';
import type { Msg, NatsConnection, Subscription } from 'nats';
import {
  isJobApiOperation,
  parseJobApiRequest,
  type JobApiOperation,
  type JobApiReply,
  type JobApiRequest,
  type JobApiResults,
} from './job-api';

/** One function per operation; each gets the validated request and the caller (org scope is the handler's job). */
export type JobApiHandlers = {
  [Op in JobApiOperation]: (request: JobApiRequest<Op>, caller: Caller, msg: Msg) => Promise<JobApiResults[Op]>;
};

export interface ServeJobApiOptions {
  /** Requests handled at once by this process; beyond it the reply is FRAISEQL_OVERLOADED (default 64). */
  maxInFlight?: number;
  /** Called with every failure that is not the caller's (FRAISEQL_INTERNAL), for the log. */
  onInternalError?: (error: unknown, operation: string) => void;
  /** Called when a request was answered, for metrics. */
  onReply?: (operation: string, code: string | null, seconds: number) => void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The job-runner's side of the job API: one subscription on `fraiseql.v1.jobs.api.>` in the job-runner queue group
 * (each request reaches one replica). Every request is decoded, its caller read from the headers and its body
 * validated before a handler sees it; every outcome is a reply (`{ ok, result | error }`), never silence.
 */
export function serveJobApi(nc: NatsConnection, handlers: JobApiHandlers, options: ServeJobApiOptions = {}): Subscription {
  const maxInFlight = options.maxInFlight ?? 64;
  let inFlight = 0;
  const prefix = `${SUBJECTS.jobsApiPrefix}.`;
  return nc.subscribe(`${prefix}>`, {
    queue: QUEUE_GROUPS.jobRunner,
    callback: (error, msg) => {
      if (error || !msg.reply) return;
      const operation = msg.subject.slice(prefix.length);
      const started = performance.now();
      const answer = (reply: JobApiReply<JobApiOperation>): void => {
        options.onReply?.(operation, reply.ok ? null : reply.error.code, (performance.now() - started) / 1000);
        msg.respond(encoder.encode(JSON.stringify(reply)));
      };
      if (inFlight >= maxInFlight) {
        answer(
          failure(
            new FraiseqlError('FRAISEQL_OVERLOADED', `The job-runner is answering ${maxInFlight} job API requests already; retry shortly`),
          ),
        );
        return;
      }
      inFlight++;
      void handle(operation, msg)
        .then((result) => answer({ ok: true, result }))
        .catch((caught: unknown) => {
          const failed = toFraiseqlError(caught);
          if (failed.code === 'FRAISEQL_INTERNAL') options.onInternalError?.(caught, operation);
          answer(failure(failed));
        })
        .finally(() => inFlight--);
    },
  });

  async function handle(operation: string, msg: Msg): Promise<JobApiResults[JobApiOperation]> {
    if (!isJobApiOperation(operation))
      throw new FraiseqlError('FRAISEQL_OPERATION_NOT_FOUND', `The job API has no operation ${JSON.stringify(operation)}`);
    let body: unknown;
    try {
      body = msg.data.length === 0 ? {} : JSON.parse(decoder.decode(msg.data));
    } catch (cause) {
      throw new FraiseqlError('FRAISEQL_BAD_REQUEST', 'The job API request is not UTF-8 JSON', { cause });
    }
    const caller = readCallerHeaders(msg.headers);
    const request = parseJobApiRequest(operation, body);
    const handler = handlers[operation] as (request: unknown, caller: Caller, msg: Msg) => Promise<JobApiResults[JobApiOperation]>;
    return handler(request, caller, msg);
  }
}

function failure(error: FraiseqlError): JobApiReply<JobApiOperation> {
  const message = error.code === 'FRAISEQL_INTERNAL' ? 'The job-runner failed to answer (see its log)' : error.message;
  return {
    ok: false,
    error: { code: error.code, message, ...(error.details === undefined ? {} : { details: error.details as Record<string, unknown> }) },
  };
}
