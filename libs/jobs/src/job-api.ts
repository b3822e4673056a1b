import { defineNatsApi, isNatsApiOperation, parseNatsApiRequest, type NatsApiReply } from '@fraiseql/nats-api';
import { QUEUE_GROUPS, SUBJECTS } from '@fraiseql/nats-contract';
import { z } from 'zod';
import { JOB_VIEW_STATES, type JobView } from './job-view';

/** A job id the API accepts: what BullMQ allows and a URL or a subject token can carry as is. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/** A job type name: lower-case words joined by `-` (`export`, `email-batch`). */
export const JOB_TYPE_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
export const MAX_JOBS_PAGE = 100;

const jobId = z.string().regex(JOB_ID_PATTERN, 'must be 1–128 characters of A-Z, a-z, 0-9, _ and -');
const jobType = z.string().max(64).regex(JOB_TYPE_PATTERN, 'must be lower-case words joined by - (e.g. email-batch)');
const isoTime = z.string().datetime({ offset: true, message: 'must be an RFC 3339 date-time' });

/**
 * The job API: `fraiseql.v1.jobs.api.<operation>` (request/reply, queue group job-runner). The request body is
 * JSON; the caller (subject, org, roles) travels in the caller headers (libs/nats-contract) and scopes every
 * operation to the caller's org: another org's job is "not found", never revealed.
 */
export const JOB_API_REQUESTS = {
  /** Enqueue a job of a registered type; the payload is validated against the type's schema. */
  enqueue: z
    .object({
      type: jobType,
      payload: z.unknown(),
      /** Idempotency: a second enqueue with the same id returns the existing job (`created: false`). */
      jobId: jobId.optional(),
      /** Run no earlier than this many ms from now. */
      delayMs: z
        .number()
        .int()
        .min(0)
        .max(366 * 24 * 3_600_000)
        .optional(),
      /** Where it came from (an observer action), kept with the job for the operator. */
      source: z
        .object({
          kind: z.literal('observer'),
          rule: z.string().min(1).max(256),
          action: z.number().int().min(0),
          eventId: z.string().min(1).max(64),
        })
        .strict()
        .optional(),
    })
    .strict(),
  get: z.object({ id: jobId }).strict(),
  list: z
    .object({
      where: z
        .object({
          state: z.array(z.enum(JOB_VIEW_STATES)).min(1).max(JOB_VIEW_STATES.length).optional(),
          type: jobType.optional(),
          createdAfter: isoTime.optional(),
          createdBefore: isoTime.optional(),
        })
        .strict()
        .optional(),
      first: z.number().int().min(1).max(MAX_JOBS_PAGE).optional(),
      after: z.string().min(1).max(512).optional(),
    })
    .strict(),
  /** Cancel a queued, retrying or running job (a running one is aborted through its AbortSignal). */
  cancel: z.object({ id: jobId }).strict(),
  /** Run a dead, cancelled or succeeded job again, with a fresh count of attempts (redrive). */
  retry: z.object({ id: jobId }).strict(),
  /** A signed, expiring download of a succeeded export's file. */
  download: z
    .object({
      id: jobId,
      ttlSeconds: z
        .number()
        .int()
        .min(10)
        .max(7 * 24 * 3600)
        .optional(),
    })
    .strict(),
  /** Dead jobs, newest first (needs role admin or jobs:admin). */
  'dead-list': z
    .object({ first: z.number().int().min(1).max(MAX_JOBS_PAGE).optional(), after: z.string().min(1).max(512).optional() })
    .strict(),
  /** Remove dead jobs for good (needs role admin or jobs:admin); all or nothing on unknown ids. */
  'dead-purge': z.object({ ids: z.array(jobId).min(1).max(1000) }).strict(),
} as const;

export type JobApiOperation = keyof typeof JOB_API_REQUESTS;
export const JOB_API_OPERATIONS = Object.keys(JOB_API_REQUESTS) as JobApiOperation[];
export type JobApiRequest<Op extends JobApiOperation> = z.infer<(typeof JOB_API_REQUESTS)[Op]>;

export interface JobsPage {
  jobs: JobView[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

export interface JobApiResults {
  enqueue: { job: JobView; created: boolean };
  get: { job: JobView | null };
  list: JobsPage;
  cancel: { job: JobView };
  retry: { job: JobView };
  /** `url` is a path on the gateway (`/v1/exports/<token>`): the client resolves it against the gateway's address. */
  download: { url: string; expiresAt: string };
  'dead-list': JobsPage;
  'dead-purge': { purged: number };
}

/** The reply envelope: JSON, `ok` tells which half is there. */
export type JobApiReply<Op extends JobApiOperation> = NatsApiReply<JobApiResults[Op]>;

/** The job API as a NATS API (libs/nats-api): its subjects, queue group and what "no job-runner" is. */
export const JOB_API = defineNatsApi({
  name: 'job API',
  service: 'job-runner',
  subjectPrefix: SUBJECTS.jobsApiPrefix,
  queueGroup: QUEUE_GROUPS.jobRunner,
  requests: JOB_API_REQUESTS,
  unavailableCode: 'FRAISEQL_JOB_RUNNER_UNAVAILABLE',
});

export function isJobApiOperation(value: string): value is JobApiOperation {
  return isNatsApiOperation(JOB_API, value);
}

/** Validates a request body; anything wrong is FRAISEQL_BAD_REQUEST naming the field (`request.where.first: …`). */
export function parseJobApiRequest<Op extends JobApiOperation>(operation: Op, body: unknown): JobApiRequest<Op> {
  return parseNatsApiRequest(JOB_API, operation, body);
}
