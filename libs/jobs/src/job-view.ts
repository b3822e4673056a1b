/**
 * Where a job is, as the API shows it. `retrying`: an attempt failed and the next one is scheduled;
 * `dead`: attempts exhausted or a permanent error (the job is in the dead-letter queue, redrivable);
 * `succeeded`, `dead` and `cancelled` are final until someone retries the job.
 */
export const JOB_VIEW_STATES = ['queued', 'active', 'retrying', 'succeeded', 'dead', 'cancelled'] as const;
export type JobViewState = (typeof JOB_VIEW_STATES)[number];

export interface JobFailure {
  /** A code of docs/errors.md (or a job type's own code). */
  code: string;
  message: string;
}

/** One job as the job API returns it (JSON; times are RFC 3339 UTC). */
export interface JobView {
  /** BullMQ job id: `[A-Za-z0-9_-]{1,128}`. */
  id: string;
  type: string;
  orgId: string | null;
  state: JobViewState;
  /** The last progress the job reported (`{ rows, totalRows }` for exports), or null. */
  progress: Record<string, unknown> | null;
  /** Attempts started so far, and how many the job's retry policy allows. */
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** When the next attempt runs (state `retrying`). */
  retryAt: string | null;
  /** What a succeeded job returned (an export: location, size, rows, sha256). */
  result: Record<string, unknown> | null;
  /** The last failure (of the last attempt, or why the job is dead or cancelled). */
  error: JobFailure | null;
  /** Who asked for it: the caller's subject (a user, or `service:observer-worker`). */
  createdBy: string | null;
}
