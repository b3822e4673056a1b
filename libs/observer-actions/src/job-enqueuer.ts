import { toCaller } from '@fraiseql/identity';
import { FraiseqlError, type ErrorCode } from '@fraiseql/errors';
import { JobApiClient } from '@fraiseql/jobs';
import type { NatsConnection } from 'nats';
import { permanent, retryable, type ActionOutcome } from './action-outcome';
import type { ActionDelivery } from './action-delivery';

/** A job to hand to the job-runner for an observer action, rendered. */
export interface JobEnqueueRequest {
  /** A job type registered in the job-runner. */
  type: string;
  /** The job's payload (JSON value). */
  payload: unknown;
  /** The job's id: `observerJobId(rule ref, action index, event id)`, the same on every retry and redelivery. */
  jobId: string;
  delayMs?: number;
  /** Where the job came from, kept with it for the operator. */
  source: { rule: string; action: number; eventId: string };
  /** The org the job belongs to (the rule's, else the event's); null for events without an org. */
  orgId: string | null;
  /** How long to wait for the job-runner's answer (default 10 000). */
  timeoutMs?: number;
}

/**
 * The isolation key of every job action: the job-runner is one service behind a NATS queue group, not a host of
 * rule data, so all job actions share one bulkhead and one circuit breaker (`host="job-runner"` in
 * `fraiseql_observer_circuit_state`). A job-runner that keeps failing opens it; other actions are untouched.
 */
export const JOB_RUNNER_TARGET = 'job-runner';

/** Whose request it is: observer-worker acting for the org of the rule (docs/observers.md, "Job"). */
export const OBSERVER_WORKER_SUBJECT = 'service:observer-worker';

/**
 * Codes of a job API refusal that trying again cannot change: the type is not registered, the payload does not
 * match its schema, the request is malformed, or the caller may not enqueue. Anything else (no job-runner, a
 * job-runner overloaded or failing inside) is retried: the job id makes a retry that finds the job a success.
 */
const PERMANENT_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'FRAISEQL_JOB_TYPE_UNKNOWN',
  'FRAISEQL_JOB_PAYLOAD_INVALID',
  'FRAISEQL_BAD_REQUEST',
  'FRAISEQL_JOB_STATE_CONFLICT',
  'FRAISEQL_FORBIDDEN',
  'FRAISEQL_UNAUTHENTICATED',
  'FRAISEQL_OPERATION_NOT_FOUND',
]);

/**
 * Enqueues observer `job` actions through the job API (`enqueue` on `fraiseql.v1.jobs.api.enqueue`). Success once
 * the job-runner answered with the job, created now or found (a redelivered event, or a retry after an answer that
 * was lost, finds the job its id names: never a second job). Classified like every other action: see
 * PERMANENT_CODES; no job-runner answering (no responders, or no reply in time) and FRAISEQL_OVERLOADED are retryable.
 */
export class JobEnqueuer {
  private readonly clients = new Map<number, JobApiClient>();

  constructor(
    private readonly delivery: ActionDelivery,
    private readonly nc: NatsConnection,
  ) {}

  enqueue(request: JobEnqueueRequest): Promise<ActionOutcome> {
    let caller;
    try {
      caller = toCaller({ subject: OBSERVER_WORKER_SUBJECT, orgId: request.orgId, roles: ['service'] }, 'FRAISEQL_ACTION_INVALID');
    } catch (error) {
      const reason = `the job's org cannot make a caller: ${(error as Error).message}`;
      return this.delivery.metrics.track('job', async () => permanent('FRAISEQL_ACTION_INVALID', reason, 0, { cause: error }));
    }
    return this.delivery.execute('job', JOB_RUNNER_TARGET, async () => {
      const began = Date.now();
      try {
        const { job, created } = await this.client(request.timeoutMs ?? 10_000).call(
          'enqueue',
          {
            type: request.type,
            payload: request.payload,
            jobId: request.jobId,
            ...(request.delayMs === undefined ? {} : { delayMs: request.delayMs }),
            source: { kind: 'observer', ...request.source },
          },
          caller,
        );
        return { kind: 'success', latencyMs: Date.now() - began, detail: { jobId: job.id, created, state: job.state } };
      } catch (error) {
        return classifyJobApiError(error, Date.now() - began);
      }
    });
  }

  /** One client per timeout (a client holds only the connection and its timeout). */
  private client(timeoutMs: number): JobApiClient {
    let client = this.clients.get(timeoutMs);
    if (!client) {
      if (this.clients.size >= 100) this.clients.clear();
      client = new JobApiClient(this.nc, { timeoutMs });
      this.clients.set(timeoutMs, client);
    }
    return client;
  }
}

/** A failed job API call as an action outcome (the job-runner's code kept, so the dead letter names it). */
export function classifyJobApiError(error: unknown, latencyMs: number): ActionOutcome {
  if (!(error instanceof FraiseqlError)) {
    const message = error instanceof Error ? error.message : String(error);
    return retryable('FRAISEQL_ACTION_UNREACHABLE', `job API request failed: ${message}`, latencyMs, { cause: error });
  }
  if (PERMANENT_CODES.has(error.code)) return permanent(error.code, error.message, latencyMs, { cause: error });
  return retryable(error.code, error.message, latencyMs, { cause: error });
}
