import { FraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';
import type { RetryPolicy } from '@fraiseql/service-kit';
import type { Logger } from 'pino';
import type { ZodType, ZodTypeDef } from 'zod';

/** What one attempt of a job gets besides its payload. */
export interface JobContext {
  /** The job's id as the API shows it. */
  jobId: string;
  orgId: string | null;
  /** Who enqueued the job, as it was then (subject, org, roles): work done on its behalf is scoped to it. */
  createdBy: Caller;
  /** 1 = the first attempt. */
  attempt: number;
  /**
   * Aborted when the attempt must stop: its hard timeout, a cancellation, or a shutdown past its grace. Job code
   * must honour it (pass it to every call that takes one); code that does not is failed by the watchdog anyway.
   */
  signal: AbortSignal;
  /** Reports progress (`job.updateProgress`, a `progress` lifecycle event); cheap to call often (throttled). */
  progress(update: Record<string, unknown>): Promise<void>;
  /**
   * What earlier attempts of this job saved (Redis, kept as long as the job): a job that does many things
   * (an e-mail batch) saves what is done, so the next attempt — after a failure or a dead worker — skips it.
   */
  checkpoint: { load(): Promise<unknown>; save(value: unknown): Promise<void> };
  logger: Logger;
}

/**
 * A job type: one file under job-types/, registered in `createJobTypes`. The payload is validated at enqueue
 * (a bad one is refused with FRAISEQL_JOB_PAYLOAD_INVALID naming the field) and again when it runs.
 */
export interface JobType<Payload = unknown> {
  /** Lower-case words joined by `-`: the `type` of the job API, the `job_type` label of every metric. */
  name: string;
  /**
   * Validates a payload (at enqueue, with the caller enqueuing it, and again before each run, without); throws
   * FRAISEQL_JOB_PAYLOAD_INVALID naming the field. `enqueuedBy` lets a type check what depends on who asks.
   */
  parse(payload: unknown, enqueuedBy?: Caller): Payload;
  /** Hard timeout of one attempt. */
  timeoutMs: number;
  /** Retries of a failed attempt (the fleet's shared shape); `nonRetryable` lists codes that go to the DLQ at once. */
  retry: RetryPolicy;
  /**
   * Does the work and returns what the API shows as the job's result (JSON object). Throw a `FraiseqlError`:
   * its code is the failure's code; an `UnrecoverableError` (libs/errors), or a code in `retry.nonRetryable`,
   * ends the job at once (dead). A `RetryableError`'s `retryAfterMs` is a floor under the next delay.
   */
  run(payload: Payload, context: JobContext): Promise<Record<string, unknown>>;
}

/** A `parse` from a zod schema: FRAISEQL_JOB_PAYLOAD_INVALID names the field (`payload.url: …`). */
export function zodPayload<P>(jobType: string, schema: ZodType<P, ZodTypeDef, unknown>): (payload: unknown) => P {
  return (payload) => {
    const parsed = schema.safeParse(payload);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    const path = ['payload', ...issue.path].join('.');
    throw new FraiseqlError('FRAISEQL_JOB_PAYLOAD_INVALID', `${jobType} job: ${path}: ${issue.message}`, {
      details: {
        jobType,
        path,
        problems: parsed.error.issues.map((i) => ({ path: ['payload', ...i.path].join('.'), message: i.message })),
      },
    });
  };
}

/** The registered job types by name. */
export class JobTypeRegistry {
  private readonly types = new Map<string, JobType>();

  constructor(types: readonly JobType<never>[]) {
    for (const type of types) {
      if (this.types.has(type.name)) throw new Error(`job type ${type.name} is registered twice`);
      this.types.set(type.name, type as unknown as JobType);
    }
  }

  names(): string[] {
    return [...this.types.keys()].sort();
  }

  find(name: string): JobType | undefined {
    return this.types.get(name);
  }

  /** The type, or FRAISEQL_JOB_TYPE_UNKNOWN listing the ones there are. */
  get(name: string): JobType {
    const type = this.types.get(name);
    if (!type)
      throw new FraiseqlError(
        'FRAISEQL_JOB_TYPE_UNKNOWN',
        `No job type ${JSON.stringify(name)}; this job-runner runs ${this.names().join(', ')}`,
        {
          details: { jobType: name, known: this.names() },
        },
      );
    return type;
  }
}
